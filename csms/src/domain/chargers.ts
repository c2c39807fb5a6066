import type { Redis } from 'ioredis';
import { hashSecret, verifySecret } from './secrets';

export interface ChargerRecord {
  readonly identity: string;
  readonly createdAt: string;
}

/** Chargers the CSMS knows. Only a provisioned identity with the right password gets past the handshake. */
export class ChargerRegistry {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(options: Readonly<{ redis: Redis; keyPrefix: string }>) {
    this.#redis = options.redis;
    this.#key = `${options.keyPrefix}:chargers`;
  }

  async provision(identity: string, password: string, createdAt: Date): Promise<ChargerRecord> {
    const record = { identity, createdAt: createdAt.toISOString(), passwordHash: await hashSecret(password) };
    await this.#redis.hset(this.#key, identity, JSON.stringify(record));
    return { identity, createdAt: record.createdAt };
  }

  async authenticate(identity: string, password: Buffer | undefined): Promise<boolean> {
    const stored = await this.#redis.hget(this.#key, identity);
    if (stored === null || password === undefined) return false;
    const { passwordHash } = JSON.parse(stored) as { passwordHash: string };
    return verifySecret(password, passwordHash);
  }

  async list(): Promise<ChargerRecord[]> {
    const all = await this.#redis.hvals(this.#key);
    return all
      .map((raw) => JSON.parse(raw) as ChargerRecord)
      .map(({ identity, createdAt }) => ({ identity, createdAt }))
      .sort((a, b) => a.identity.localeCompare(b.identity));
  }
}
