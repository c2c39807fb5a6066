import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Role } from './auth/sessions';

/** A person who may sign in at one organization's service. */
export interface UserRecord {
  readonly username: string;
  readonly role: Role;
  readonly passwordHash: string;
  /** See Principal.party. */
  readonly party?: string;
  readonly createdAtMs: number;
}

/**
 * What the ledger cannot list by owner and the service must remember: the ids it created or took part in,
 * under a list name (`stations`, `offers:<prosumerId>`, ...). The ledger stays the truth about each id;
 * this is only the index a person's view starts from.
 */
interface StoredState {
  users: Record<string, UserRecord>;
  lists: Record<string, string[]>;
  /** Values the service keeps off the ledger under `<name>/<id>`, e.g. a driver's bank account for payouts. */
  records?: Record<string, unknown>;
}

export class UserExists extends Error {
  override readonly name = 'UserExists';
  constructor(readonly username: string) {
    super(`user ${username} exists`);
  }
}

/**
 * One JSON file per organization under the data folder (mode 600: it holds password hashes). Every change is
 * written to a temporary file and renamed over the old one, one write at a time, so a crash leaves either the
 * old or the new state.
 */
export class ParticipantsStore {
  readonly #file: string;
  readonly #state: StoredState;
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: string, state: StoredState) {
    this.#file = file;
    this.#state = state;
  }

  static async open(file: string): Promise<ParticipantsStore> {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    let state: StoredState = { users: {}, lists: {} };
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as StoredState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new ParticipantsStore(file, state);
  }

  user(username: string): UserRecord | undefined {
    return Object.hasOwn(this.#state.users, username) ? this.#state.users[username] : undefined;
  }

  hasUsers(): boolean {
    return Object.keys(this.#state.users).length > 0;
  }

  async addUser(user: UserRecord): Promise<void> {
    if (this.user(user.username) !== undefined) throw new UserExists(user.username);
    this.#state.users[user.username] = user;
    await this.#save();
  }

  list(name: string): readonly string[] {
    return Object.hasOwn(this.#state.lists, name) ? (this.#state.lists[name] ?? []) : [];
  }

  async remember(name: string, id: string): Promise<void> {
    const list = this.list(name);
    if (list.includes(id)) return;
    this.#state.lists[name] = [...list, id];
    await this.#save();
  }

  record<T>(name: string, id: string): T | undefined {
    const records = this.#state.records ?? {};
    const key = `${name}/${id}`;
    return Object.hasOwn(records, key) ? (records[key] as T) : undefined;
  }

  async keep(name: string, id: string, value: unknown): Promise<void> {
    this.#state.records = { ...(this.#state.records ?? {}), [`${name}/${id}`]: value };
    await this.#save();
  }

  #save(): Promise<void> {
    const text = `${JSON.stringify(this.#state, null, 2)}\n`;
    this.#writing = this.#writing.then(async () => {
      const temporary = `${this.#file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, this.#file);
    });
    return this.#writing;
  }
}

