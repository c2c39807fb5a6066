import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Role } from './auth/sessions';

/** A person who may sign in at one organization's service. */
export interface UserRecord {
  readonly username: string;
  readonly role: Role;
  readonly passwordHash: string;
  /** See Principal.party. */
  readonly party?: string;
  /** See Principal.admin. */
  readonly admin?: boolean;
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

/** One line of the journal: one change. */
type Change =
  | { readonly op: 'user'; readonly user: UserRecord }
  | { readonly op: 'remove-user'; readonly username: string }
  | { readonly op: 'remember'; readonly list: string; readonly id: string }
  | { readonly op: 'keep'; readonly name: string; readonly id: string; readonly value: unknown };

export class UserExists extends Error {
  override readonly name = 'UserExists';
  constructor(readonly username: string) {
    super(`user ${username} exists`);
  }
}

/** The journal is rewritten compactly at open once it holds this many more lines than the state needs. */
const COMPACT_AFTER_EXTRA_LINES = 10_000;

/**
 * One journal per organization under the data folder (`<org>.jsonl`, mode 600: it holds password hashes): each
 * change is one JSON line appended and synced, one write at a time, so a sign-up costs one short append, not a
 * rewrite of every user. A crash leaves at most a torn last line, which the next open drops. A store of the
 * former shape (`<org>.json` beside it, the whole state rewritten on every change) is read once into the
 * journal and left in place.
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
    const state: StoredState = { users: {}, lists: {}, records: {} };
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === undefined) {
      const former = await readFormer(file.replace(/\.jsonl$/, '.json'));
      if (former !== undefined) Object.assign(state, { users: former.users, lists: former.lists, records: former.records ?? {} });
      await writeJournal(file, state);
      return new ParticipantsStore(file, state);
    }
    const lines = text.split('\n');
    let applied = 0;
    for (const [index, line] of lines.entries()) {
      if (line === '') continue;
      let change: Change;
      try {
        change = JSON.parse(line) as Change;
      } catch (error) {
        // Only the last line can be torn (a crash in the middle of an append); anything else is damage to report.
        if (index >= lines.length - 2) break;
        throw new Error(`${file}: line ${index + 1} is not JSON`, { cause: error });
      }
      apply(state, change);
      applied += 1;
    }
    const needed = Object.keys(state.users).length + Object.values(state.lists).reduce((total, list) => total + list.length, 0) + Object.keys(state.records ?? {}).length;
    // A torn last line, or a journal grown long with replaced values: written again, compactly.
    if (!text.endsWith('\n') && text !== '') await writeJournal(file, state);
    else if (applied - needed > COMPACT_AFTER_EXTRA_LINES) await writeJournal(file, state);
    return new ParticipantsStore(file, state);
  }

  user(username: string): UserRecord | undefined {
    return Object.hasOwn(this.#state.users, username) ? this.#state.users[username] : undefined;
  }

  hasUsers(): boolean {
    return Object.keys(this.#state.users).length > 0;
  }

  /** The users of one role, oldest first. */
  users(role: Role): UserRecord[] {
    return Object.values(this.#state.users)
      .filter((user) => user.role === role)
      .sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  async addUser(user: UserRecord): Promise<void> {
    if (this.user(user.username) !== undefined) throw new UserExists(user.username);
    await this.#append({ op: 'user', user });
  }

  /** Replaces a user's record (a new password hash); the user must exist. */
  async replaceUser(user: UserRecord): Promise<void> {
    if (this.user(user.username) === undefined) throw new Error(`no user ${user.username}`);
    await this.#append({ op: 'user', user });
  }

  async removeUser(username: string): Promise<void> {
    if (this.user(username) === undefined) return;
    await this.#append({ op: 'remove-user', username });
  }

  list(name: string): readonly string[] {
    return Object.hasOwn(this.#state.lists, name) ? (this.#state.lists[name] ?? []) : [];
  }

  async remember(name: string, id: string): Promise<void> {
    if (this.list(name).includes(id)) return;
    await this.#append({ op: 'remember', list: name, id });
  }

  record<T>(name: string, id: string): T | undefined {
    const records = this.#state.records ?? {};
    const key = `${name}/${id}`;
    return Object.hasOwn(records, key) ? (records[key] as T) : undefined;
  }

  async keep(name: string, id: string, value: unknown): Promise<void> {
    await this.#append({ op: 'keep', name, id, value });
  }

  /** Applies the change in memory at once (later reads see it) and appends it, after the writes before it. */
  #append(change: Change): Promise<void> {
    apply(this.#state, change);
    const line = `${JSON.stringify(change)}\n`;
    this.#writing = this.#writing.then(async () => {
      const handle = await open(this.#file, 'a', 0o600);
      try {
        await handle.appendFile(line);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    return this.#writing;
  }
}

function apply(state: StoredState, change: Change): void {
  switch (change.op) {
    case 'user':
      state.users[change.user.username] = change.user;
      return;
    case 'remove-user':
      state.users = Object.fromEntries(Object.entries(state.users).filter(([username]) => username !== change.username));
      return;
    case 'remember': {
      const list = Object.hasOwn(state.lists, change.list) ? (state.lists[change.list] ?? []) : [];
      if (!list.includes(change.id)) state.lists[change.list] = [...list, change.id];
      return;
    }
    case 'keep':
      state.records = { ...(state.records ?? {}), [`${change.name}/${change.id}`]: change.value };
      return;
  }
}

/** The state as the fewest changes, written to a temporary file and renamed over the journal. */
async function writeJournal(file: string, state: StoredState): Promise<void> {
  const changes: Change[] = [
    ...Object.values(state.users).map((user): Change => ({ op: 'user', user })),
    ...Object.entries(state.lists).flatMap(([list, ids]) => ids.map((id): Change => ({ op: 'remember', list, id }))),
    ...Object.entries(state.records ?? {}).map(([key, value]): Change => {
      const at = key.indexOf('/');
      return { op: 'keep', name: key.slice(0, at), id: key.slice(at + 1), value };
    }),
  ];
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, changes.map((change) => `${JSON.stringify(change)}\n`).join(''), { mode: 0o600 });
  await rename(temporary, file);
}

async function readFormer(file: string): Promise<StoredState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StoredState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
