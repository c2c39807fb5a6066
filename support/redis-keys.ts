import type { Redis } from 'ioredis';

/** Removes every key a prefix owns: what a test or a benchmark wrote under its own prefix. */
export async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}
