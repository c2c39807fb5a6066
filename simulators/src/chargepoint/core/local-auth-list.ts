import type { AuthorizationStatus, IdToken, IdTokenType } from './types';

/**
 * A token as the local list names it: 2.0.1 lists carry the token type, 1.6 lists only the idTag, which then
 * matches a presented token of any type.
 */
export interface ListedToken {
  readonly value: string;
  readonly type?: IdTokenType;
}

export interface LocalListEntry {
  readonly token: ListedToken;
  readonly status: AuthorizationStatus;
  /** 1.6 idTagInfo.expiryDate, 2.0.1 idTokenInfo.cacheExpiryDateTime: after it an Accepted entry reads Expired. */
  readonly expiresAtMs?: number;
}

/** One line of a SendLocalList: without `authorization`, a Differential update removes the token. */
export interface LocalListChange {
  readonly token: ListedToken;
  readonly authorization?: { readonly status: AuthorizationStatus; readonly expiresAtMs?: number };
}

export interface LocalListUpdate {
  readonly updateType: 'Full' | 'Differential';
  /** The version the list has once the update is applied. */
  readonly version: number;
  readonly changes: readonly LocalListChange[];
}

/** The answer both versions share; 1.6 adds NotSupported, which this simulator never needs. */
export type LocalListUpdateStatus = 'Accepted' | 'Failed' | 'VersionMismatch';

export interface LocalListSnapshot {
  /** 0 while no list is installed or the installed list is empty. */
  readonly version: number;
  readonly entries: readonly LocalListEntry[];
}

/** The most entries the list holds and one update may carry: 1.6 LocalAuthListMaxLength and SendLocalListMaxLength, 2.0.1 ItemsPerMessage. */
export const LOCAL_LIST_MAX_ENTRIES = 1_000;

function keyOf(token: ListedToken): string {
  return `${token.type ?? '*'}\u0000${token.value}`;
}

/**
 * The local authorization list the CSMS manages with SendLocalList, consulted when the CSMS cannot be asked.
 * Invariants: an update is applied whole or not at all (a Failed or VersionMismatch update leaves the list as it
 * was); no two entries name the same token; `version` is 0 exactly when the list is empty, because both specs give
 * version 0 that meaning (1.6 §5.10 "the local authorization list is empty", 2.0.1 D01.FR.18 "no list installed"),
 * so the version a Differential update must exceed is the one GetLocalListVersion reports.
 */
export class LocalAuthList {
  readonly maxEntries: number;
  #entries = new Map<string, LocalListEntry>();
  #version = 0;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
  }

  get version(): number {
    return this.#entries.size === 0 ? 0 : this.#version;
  }

  get size(): number {
    return this.#entries.size;
  }

  snapshot(): LocalListSnapshot {
    return { version: this.version, entries: [...this.#entries.values()] };
  }

  /**
   * Failed: a version below 1 (2.0.1 D01.FR.18; in 1.6, 0 and -1 are reserved answers), a token named twice
   * (both specs require unique entries), a Full entry without a status (1.6: idTagInfo "Required when UpdateType
   * is Full"), or more entries, sent or resulting, than the list holds. VersionMismatch: a Differential update whose version does not
   * exceed the current one. A Full update is applied whatever the current version: it is how a CSMS resynchronises.
   */
  apply(update: LocalListUpdate): LocalListUpdateStatus {
    if (!Number.isInteger(update.version) || update.version < 1 || update.changes.length > this.maxEntries) return 'Failed';
    const changes = update.changes.map((change) => ({ key: keyOf(change.token), change }));
    if (new Set(changes.map(({ key }) => key)).size !== changes.length) return 'Failed';
    if (update.updateType === 'Full' && update.changes.some((change) => change.authorization === undefined)) return 'Failed';
    if (update.updateType === 'Differential' && update.version <= this.version) return 'VersionMismatch';

    const next = update.updateType === 'Full' ? new Map<string, LocalListEntry>() : new Map(this.#entries);
    for (const { key, change } of changes) {
      if (change.authorization === undefined) next.delete(key);
      else next.set(key, { token: change.token, ...change.authorization });
    }
    if (next.size > this.maxEntries) return 'Failed';

    this.#entries = next;
    this.#version = update.version;
    return 'Accepted';
  }

  /** The listed status of a presented token; an entry naming its type wins over one naming only its value. */
  lookup(token: IdToken, nowMs: number): AuthorizationStatus | undefined {
    const entry = this.#entries.get(keyOf(token)) ?? this.#entries.get(keyOf({ value: token.value }));
    if (entry === undefined) return undefined;
    if (entry.status === 'Accepted' && entry.expiresAtMs !== undefined && entry.expiresAtMs <= nowMs) return 'Expired';
    return entry.status;
  }
}
