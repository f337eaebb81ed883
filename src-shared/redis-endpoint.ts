import { z } from 'zod';

/** How to reach a Redis: a private unix socket (the default) or TCP, always with a password. */
export const RedisEndpoint = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('socket'), path: z.string(), password: z.string().nullable() }),
  z.object({
    kind: z.literal('tcp'),
    host: z.string(),
    port: z.number().int(),
    password: z.string().nullable(),
    username: z.string().nullable().optional(),
    tls: z.boolean().optional(),
    /** rediss:// only: a PEM file of the CA that signed the Redis server's certificate (`?ca=/path`). */
    caFile: z.string().nullable().optional(),
    db: z.number().int().optional(),
  }),
]);
export type RedisEndpoint = z.infer<typeof RedisEndpoint>;
