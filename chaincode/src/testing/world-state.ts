import { createHash } from 'node:crypto';

/** A committed value and the version (commit counter) that wrote it, as Fabric's MVCC compares them. */
export interface Versioned {
  readonly value: Buffer;
  readonly version: number;
}

export interface CollectionConfig {
  readonly name: string;
  readonly policy: string;
  readonly requiredPeerCount: number;
  readonly maxPeerCount: number;
  readonly blockToLive: number;
  readonly memberOnlyRead: boolean;
  readonly memberOnlyWrite: boolean;
  /** Overrides the chaincode policy for writes to this collection. */
  readonly endorsementPolicy?: { readonly signaturePolicy: string };
}

/** The MSP IDs a signature policy such as `OR('WalletsMSP.member')` names (only OR policies are used here). */
export function policyOrgs(policy: string): readonly string[] {
  return [...policy.matchAll(/'([A-Za-z0-9.-]+)\.(?:member|peer|admin|client)'/g)].map((match) => match[1] ?? '');
}

export function collectionMembers(config: CollectionConfig): readonly string[] {
  return policyOrgs(config.policy);
}

/** Fabric (LevelDB) orders keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * The committed state of one channel for one chaincode: public keys, their key-level endorsement policies,
 * and private collections. Private values are kept once here; the stub decides per peer whether the
 * executing peer may see them, while their hashes are visible to every peer, as on a real channel.
 */
export class WorldState {
  readonly #public = new Map<string, Versioned>();
  readonly #validation = new Map<string, Buffer>();
  readonly #private = new Map<string, Map<string, Versioned>>();
  #version = 0;

  get(key: string): Versioned | undefined {
    return this.#public.get(key);
  }

  /** Keys in [start, end) in key order; `end` undefined means unbounded. */
  range(start: string, end: string | undefined): string[] {
    return [...this.#public.keys()]
      .filter((key) => compareKeys(key, start) >= 0 && (end === undefined || compareKeys(key, end) < 0))
      .sort(compareKeys);
  }

  validationParameter(key: string): Buffer | undefined {
    return this.#validation.get(key);
  }

  getPrivate(collection: string, key: string): Versioned | undefined {
    return this.#private.get(collection)?.get(key);
  }

  /** Public keys, values and policies, for asserting that a transaction changed nothing. */
  snapshot(): string {
    const publicState = [...this.#public.entries()].map(([key, { value }]) => [key, value.toString('base64')]);
    const policies = [...this.#validation.entries()].map(([key, value]) => [key, value.toString('base64')]);
    const privateState = [...this.#private.entries()].map(([name, values]) => [
      name,
      [...values.entries()].map(([key, { value }]) => [key, value.toString('base64')]),
    ]);
    return JSON.stringify({ publicState, policies, privateState });
  }

  publicEntries(): [string, Buffer][] {
    return [...this.#public.entries()].map(([key, { value }]) => [key, value]);
  }

  /** Applies a validated write set atomically. */
  apply(writes: WriteSet): void {
    const version = ++this.#version;
    for (const [key, value] of writes.public) {
      if (value === null) {
        this.#public.delete(key);
        this.#validation.delete(key);
      } else this.#public.set(key, { value, version });
    }
    for (const [key, policy] of writes.validation) this.#validation.set(key, policy);
    for (const [collection, values] of writes.private) {
      const stored = this.#private.get(collection) ?? new Map<string, Versioned>();
      for (const [key, value] of values) {
        if (value === null) stored.delete(key);
        else stored.set(key, { value, version });
      }
      this.#private.set(collection, stored);
    }
  }
}

export interface WriteSet {
  readonly public: ReadonlyMap<string, Buffer | null>;
  readonly validation: ReadonlyMap<string, Buffer>;
  readonly private: ReadonlyMap<string, ReadonlyMap<string, Buffer | null>>;
}
