import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';

export type TokenStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface IdTokenRecord {
  readonly accountId: string;
  readonly status: TokenStatus;
  /** The driver's language (RFC 5646, e.g. `de`), for what the charger shows them; absent: the charger's own. */
  readonly language?: string;
}

/** Id tokens (RFID uids, app tokens) the operator has issued, each linked to a driver's wallet account. */
export class IdTokenRegistry {
  readonly #redis: Redis;
  readonly #key: string;

  readonly #digestKey: Buffer;

  constructor(options: Readonly<{ redis: Redis; keyPrefix: string; digestKey: Buffer }>) {
    this.#redis = options.redis;
    this.#key = `${options.keyPrefix}:id-tokens`;
    this.#digestKey = options.digestKey;
  }

  /** The token as logs and the admin API show it (tokenDigest under this deployment's key). */
  digest(idToken: string): string {
    return tokenDigest(this.#digestKey, idToken);
  }

  async put(idToken: string, record: IdTokenRecord): Promise<void> {
    await this.#redis.hset(this.#key, idToken, JSON.stringify(record));
  }

  async language(idToken: string): Promise<string | undefined> {
    const stored = await this.#redis.hget(this.#key, idToken);
    return stored === null ? undefined : (JSON.parse(stored) as IdTokenRecord).language;
  }

  async status(idToken: string): Promise<TokenStatus> {
    const stored = await this.#redis.hget(this.#key, idToken);
    return stored === null ? 'Invalid' : (JSON.parse(stored) as IdTokenRecord).status;
  }
}

/** Shorter keys would weaken the digest below what guessing a token costs. */
export const TOKEN_DIGEST_KEY_BYTES = 32;

/**
 * An id token where it must be recognisable but not readable (logs, the session list): HMAC-SHA-256 under a key
 * of the deployment, 16 hex digits. RFID UIDs are short (4 to 10 bytes, often sequential), so a plain hash of one
 * is inverted by hashing every candidate; without the key there is nothing to compare candidates against.
 */
export function tokenDigest(key: Buffer, idToken: string): string {
  if (key.length < TOKEN_DIGEST_KEY_BYTES) throw new RangeError(`a token digest key needs ${TOKEN_DIGEST_KEY_BYTES} bytes or more`);
  return `hmac-sha256:${createHmac('sha256', key).update(idToken, 'utf8').digest('hex').slice(0, 16)}`;
}
