import os from 'node:os';
import type { Redis } from 'ioredis';
import { HostReport, type HostView } from '../src-shared/hosts.js';

/**
 * Every machine serving the queues (the engine's and each `shoebox worker`) reports its worker
 * processes to the shared Redis every few seconds, in one hash. A report is never deleted on a
 * crash, so a machine that stopped reporting stays listed — as gone, with the time it was last seen.
 */
export const HOST_REPORT_EVERY_MS = 5_000;
/** A machine silent for this long is shown as gone (three missed reports). */
export const HOST_GONE_AFTER_MS = 3 * HOST_REPORT_EVERY_MS;

const HOSTS_KEY = 'shoebox:hosts';

export { HostReport, type HostView };

/** This machine's name: SHOEBOX_HOST_NAME, else the OS host name. */
export function hostName(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHOEBOX_HOST_NAME?.trim() || os.hostname();
}

export async function reportHost(redis: Redis, report: HostReport): Promise<void> {
  await redis.hset(HOSTS_KEY, `${report.host}/${report.role}`, JSON.stringify(report));
}

/** Marks reports older than `goneAfterMs` as gone; sorted by host then role. */
export function judgeHosts(reports: HostReport[], now: number, goneAfterMs = HOST_GONE_AFTER_MS): HostView[] {
  return reports
    .map((report) => ({ ...report, gone: now - Date.parse(report.at) > goneAfterMs }))
    .sort((a, b) => a.host.localeCompare(b.host) || a.role.localeCompare(b.role));
}

export async function listHosts(redis: Redis, now = Date.now()): Promise<HostView[]> {
  const raw = await redis.hgetall(HOSTS_KEY);
  const reports: HostReport[] = [];
  for (const value of Object.values(raw)) {
    const parsed = HostReport.safeParse(JSON.parse(value));
    if (parsed.success) reports.push(parsed.data); // a report of another build's shape is skipped
  }
  return judgeHosts(reports, now);
}
