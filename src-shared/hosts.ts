import { z } from 'zod';

/** What must be equal between the engine and every worker for a worker's results to be right. */
export const HostVersions = z.object({
  jobPayload: z.number().int(),
  /** "manifest v<version> <12 hex of the sha256 of every model id:sha256>": any changed model file differs. */
  models: z.string(),
});
export type HostVersions = z.infer<typeof HostVersions>;

/** One worker process of a machine, as that machine last reported it. */
export const HostWorker = z.object({
  id: z.string(),
  workerClass: z.string(),
  state: z.string(),
  pid: z.number().int().nullable(),
  jobsDone: z.number().int(),
  updatedAt: z.string(),
});
export type HostWorker = z.infer<typeof HostWorker>;

/** A machine serving the queues (the engine's or a `shoebox worker`), as it reports itself to the shared Redis. */
export const HostReport = z.object({
  host: z.string(),
  role: z.enum(['engine', 'worker']),
  pid: z.number().int(),
  versions: HostVersions,
  /** Set when this machine refuses work (versions differ): shown with the host. */
  refusal: z.string().nullable(),
  workers: z.array(HostWorker),
  /** ISO time of this report: the heartbeat. */
  at: z.string(),
});
export type HostReport = z.infer<typeof HostReport>;

/** A report as shown: `gone` when the machine stopped reporting (then `at` is when it was last seen). */
export const HostView = HostReport.extend({ gone: z.boolean() });
export type HostView = z.infer<typeof HostView>;
