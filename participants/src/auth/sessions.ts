import { createHash, randomBytes } from 'node:crypto';

/** What a signed-in person is: the user name and the role and party the service gave them. */
export interface Principal {
  readonly username: string;
  readonly role: Role;
  /** The driver's account id, the prosumer's id, or the operator's id; absent for staff of Wallets and the Authority. */
  readonly party?: string;
  /** Staff who may add and remove staff: the organization's first member of staff, and whom an admin made one. */
  readonly admin?: boolean;
}

export type Role = 'driver' | 'wallets-staff' | 'operator-staff' | 'prosumer' | 'authority-staff';

export interface Clock {
  now(): number;
}

export interface SessionStoreOptions {
  readonly clock: Clock;
  readonly ttlMs: number;
}

/**
 * Bearer tokens of signed-in people: 32 random bytes, kept only as their SHA-256 (a token is as long as a
 * key, so a fast hash is enough), expiring after the time to live. In memory: a restart signs everyone out.
 */
export class SessionStore {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #sessions = new Map<string, { readonly principal: Principal; readonly expiresAtMs: number }>();

  constructor(options: Readonly<SessionStoreOptions>) {
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs;
  }

  open(principal: Principal): { readonly token: string; readonly expiresAtMs: number } {
    this.#sweep();
    const token = randomBytes(32).toString('base64url');
    const expiresAtMs = this.#clock.now() + this.#ttlMs;
    this.#sessions.set(digest(token), { principal, expiresAtMs });
    return { token, expiresAtMs };
  }

  principalOf(token: string): Principal | undefined {
    const session = this.#sessions.get(digest(token));
    if (session === undefined) return undefined;
    if (session.expiresAtMs <= this.#clock.now()) {
      this.#sessions.delete(digest(token));
      return undefined;
    }
    return session.principal;
  }

  close(token: string): void {
    this.#sessions.delete(digest(token));
  }

  /** Signs a user out everywhere (removed, or their password changed), except the session `keep` if given. */
  closeAllOf(username: string, keep?: string): void {
    const kept = keep === undefined ? undefined : digest(keep);
    for (const [key, session] of this.#sessions) if (session.principal.username === username && key !== kept) this.#sessions.delete(key);
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, session] of this.#sessions) if (session.expiresAtMs <= now) this.#sessions.delete(key);
  }
}

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');
