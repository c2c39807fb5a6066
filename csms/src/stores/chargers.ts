import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { hashSecret, verifySecret } from '../domain/secrets';
import { assessHandshake, type HandshakeEvidence, type HandshakeOutcome, type SecurityProfile } from '../domain/security-profiles';

export interface ChargerRecord {
  readonly identity: string;
  readonly createdAt: string;
  /** The weakest security profile the charger is accepted with. */
  readonly securityProfile: SecurityProfile;
  /**
   * OCPP 1.6 numbers connectors across the station and has no EVSEs; the ledger (like 2.0.1 and OCPI) knows
   * EVSEs with their own connectors. Connectors per EVSE in order, e.g. [2] for one EVSE with two
   * connectors. Absent: every 1.6 connector is an EVSE of its own.
   */
  readonly evseLayout?: readonly number[];
}

/** Provisioning an identity that is already provisioned, without asking to replace its credentials. */
export class ChargerExistsError extends Error {
  override readonly name = 'ChargerExistsError';
  constructor(readonly identity: string) {
    super(`charger ${identity} is already provisioned; say rotatePassword to replace its credentials`);
  }
}

/** Replacing the credentials of an identity nobody provisioned. */
export class ChargerNotProvisionedError extends Error {
  override readonly name = 'ChargerNotProvisionedError';
  constructor(readonly identity: string) {
    super(`charger ${identity} is not provisioned; there are no credentials to rotate`);
  }
}

/** What provisioning needs: a password for profiles 1 and 2; none for profile 3, where the certificate is the credential. */
export type ChargerCredentials = { readonly securityProfile: 1 | 2; readonly password: string } | { readonly securityProfile: 3 };

export type ProvisionRequest = { readonly identity: string; readonly createdAt: Date; readonly evseLayout?: readonly number[] } & ChargerCredentials;

/** As stored in Redis. Records written before security profiles existed have no `securityProfile`: they are profile 1. */
interface StoredCharger {
  readonly identity: string;
  readonly createdAt: string;
  readonly securityProfile?: SecurityProfile;
  readonly passwordHash?: string;
  readonly evseLayout?: readonly number[];
}

const VERIFIED_CACHE_LIMIT = 200_000;

/** Checked against when an unknown identity presents a password, so an unknown identity costs what a wrong password costs. */
const DECOY_HASH = hashSecret('no such charger, no such password');

/** Chargers the CSMS knows. Only a provisioned identity proving its provisioned security profile gets past the handshake. */
export class ChargerRegistry {
  readonly #redis: Redis;
  readonly #key: string;
  /**
   * Passwords this process has already verified against a stored scrypt hash, as HMACs under a key that
   * lives and dies with the process. A reconnect storm (every charger after a CSMS restart or a network
   * blip) then costs one HMAC per charger instead of one scrypt (~40 ms of CPU). Keyed by the stored
   * hash too, so re-provisioning a charger invalidates its entry.
   */
  readonly #verified = new Set<string>();
  readonly #cacheKey = randomBytes(32);

  constructor(options: Readonly<{ redis: Redis; keyPrefix: string }>) {
    this.#redis = options.redis;
    this.#key = `${options.keyPrefix}:chargers`;
  }

  /**
   * Creates the charger; an identity that exists is refused (ChargerExistsError), so that a mistyped identity
   * never locks a working charger out. With `rotate`, the identity must exist (ChargerNotProvisionedError) and its
   * credentials, profile and layout are replaced; it keeps its creation time.
   */
  async provision(request: Readonly<ProvisionRequest>, options: Readonly<{ rotate: boolean }>): Promise<ChargerRecord> {
    const existing = options.rotate ? await this.get(request.identity) : undefined;
    if (options.rotate && existing === undefined) throw new ChargerNotProvisionedError(request.identity);
    const record: StoredCharger = {
      identity: request.identity,
      createdAt: existing?.createdAt ?? request.createdAt.toISOString(),
      securityProfile: request.securityProfile,
      ...(request.evseLayout === undefined ? {} : { evseLayout: request.evseLayout }),
      ...(request.securityProfile === 3 ? {} : { passwordHash: await hashSecret(request.password) }),
    };
    const written = options.rotate
      ? await this.#redis.eval("if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) + 1 end return 0", 1, this.#key, request.identity, JSON.stringify(record))
      : await this.#redis.hsetnx(this.#key, request.identity, JSON.stringify(record));
    if (written === 0) throw options.rotate ? new ChargerNotProvisionedError(request.identity) : new ChargerExistsError(request.identity);
    return publicRecord(record);
  }

  async authenticate(identity: string, evidence: HandshakeEvidence): Promise<HandshakeOutcome> {
    const stored = await this.#redis.hget(this.#key, identity);
    if (stored === null) {
      // As long as checking a known charger's wrong password: the answer's timing does not tell which identities exist.
      if (evidence.password !== undefined) await verifySecret(evidence.password, await DECOY_HASH);
      return { accepted: false, reason: 'UnknownCharger' };
    }
    const record = JSON.parse(stored) as StoredCharger;
    const { passwordHash } = record;
    return assessHandshake({
      identity,
      evidence,
      provisioned: publicRecord(record).securityProfile,
      passwordMatches: async (password) => passwordHash !== undefined && (await this.#passwordMatches(password, passwordHash)),
    });
  }

  async #passwordMatches(password: Buffer | string, passwordHash: string): Promise<boolean> {
    const tag = createHmac('sha256', this.#cacheKey).update(passwordHash).update('\0').update(password).digest('base64');
    if (this.#verified.has(tag)) return true;
    if (!(await verifySecret(password, passwordHash))) return false;
    if (this.#verified.size >= VERIFIED_CACHE_LIMIT) this.#verified.clear();
    this.#verified.add(tag);
    return true;
  }

  async get(identity: string): Promise<ChargerRecord | undefined> {
    const stored = await this.#redis.hget(this.#key, identity);
    return stored === null ? undefined : publicRecord(JSON.parse(stored) as StoredCharger);
  }

  async list(): Promise<ChargerRecord[]> {
    const all = await this.#redis.hvals(this.#key);
    return all.map((raw) => publicRecord(JSON.parse(raw) as StoredCharger)).sort((a, b) => a.identity.localeCompare(b.identity));
  }
}

function publicRecord(stored: StoredCharger): ChargerRecord {
  return {
    identity: stored.identity,
    createdAt: stored.createdAt,
    securityProfile: stored.securityProfile ?? 1,
    ...(stored.evseLayout === undefined ? {} : { evseLayout: stored.evseLayout }),
  };
}
