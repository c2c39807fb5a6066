import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type TokenStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface IdTokenRecord {
  readonly accountId: string;
  readonly status: TokenStatus;
}

/** Id tokens (RFID uids, app tokens) the operator has issued, each linked to a driver's wallet account. */
export class IdTokenRegistry {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(options: Readonly<{ redis: Redis; keyPrefix: string }>) {
    this.#redis = options.redis;
    this.#key = `${options.keyPrefix}:id-tokens`;
  }

  async put(idToken: string, record: IdTokenRecord): Promise<void> {
    await this.#redis.hset(this.#key, idToken, JSON.stringify(record));
  }

  async status(idToken: string): Promise<TokenStatus> {
    const stored = await this.#redis.hget(this.#key, idToken);
    return stored === null ? 'Invalid' : (JSON.parse(stored) as IdTokenRecord).status;
  }
}

/** For logs: a short digest to correlate lines by, never the token (RFID uids are short enough to guess from a part). */
export function redactToken(idToken: string): string {
  return `sha256:${createHash('sha256').update(idToken).digest('hex').slice(0, 12)}`;
}
