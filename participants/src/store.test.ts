import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ParticipantsStore, UserExists } from './store';

const aUser = (username: string, createdAtMs = 1) => ({ username, role: 'driver' as const, passwordHash: `scrypt$${username}`, party: `drv-${username}`, createdAtMs });

describe('ParticipantsStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'participants-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps users and lists across a reopen, in a file only its owner can read', async () => {
    const file = path.join(dir, 'nested', 'wallets.jsonl');
    const store = await ParticipantsStore.open(file);
    await store.addUser(aUser('erika'));
    await store.remember('cards:drv-1', 'card-1');
    await store.remember('cards:drv-1', 'card-1');
    const reopened = await ParticipantsStore.open(file);
    expect(reopened.user('erika')).toMatchObject({ role: 'driver', party: 'drv-erika' });
    expect(reopened.list('cards:drv-1')).toEqual(['card-1']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('appends a sign-up as one line instead of rewriting every user', async () => {
    const file = path.join(dir, 'wallets.jsonl');
    const store = await ParticipantsStore.open(file);
    for (let i = 0; i < 50; i += 1) await store.addUser(aUser(`user-${i}`));
    const before = await readFile(file, 'utf8');
    await store.addUser(aUser('one-more'));
    const after = await readFile(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length).trim().split('\n')).toHaveLength(1);
  });

  it('drops a line torn by a crash in the middle of an append, and keeps everything before it', async () => {
    const file = path.join(dir, 'wallets.jsonl');
    const store = await ParticipantsStore.open(file);
    await store.addUser(aUser('kept'));
    await appendFile(file, '{"op":"user","user":{"username":"torn"');
    const reopened = await ParticipantsStore.open(file);
    expect(reopened.user('kept')).toBeDefined();
    expect(reopened.user('torn')).toBeUndefined();
    await reopened.addUser(aUser('after'));
    expect((await ParticipantsStore.open(file)).user('after')).toBeDefined();
  });

  it('reads a store of the former shape (one JSON document) into the journal', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'wallets.json'), JSON.stringify({ users: { old: aUser('old') }, lists: { 'cards:drv-old': ['card-9'] }, records: { 'bank/drv-old': { iban: 'DE00' } } }), { mode: 0o600 });
    const store = await ParticipantsStore.open(path.join(dir, 'wallets.jsonl'));
    expect(store.user('old')).toBeDefined();
    expect(store.list('cards:drv-old')).toEqual(['card-9']);
    expect(store.record('bank', 'drv-old')).toEqual({ iban: 'DE00' });
    expect((await ParticipantsStore.open(path.join(dir, 'wallets.jsonl'))).user('old')).toBeDefined();
  });

  it('removes a user and replaces a user’s password hash, across a reopen', async () => {
    const file = path.join(dir, 'wallets.jsonl');
    const store = await ParticipantsStore.open(file);
    await store.addUser(aUser('gone'));
    await store.addUser(aUser('stays'));
    await store.removeUser('gone');
    await store.replaceUser({ ...aUser('stays'), passwordHash: 'scrypt$new' });
    const reopened = await ParticipantsStore.open(file);
    expect(reopened.user('gone')).toBeUndefined();
    expect(reopened.user('stays')?.passwordHash).toBe('scrypt$new');
  });

  it('refuses a second user of the same name, and knows no user called like an object property', async () => {
    const store = await ParticipantsStore.open(path.join(dir, 'x.jsonl'));
    await store.addUser(aUser('erika'));
    await expect(store.addUser(aUser('erika', 2))).rejects.toBeInstanceOf(UserExists);
    expect(store.user('constructor')).toBeUndefined();
    expect(store.list('__proto__')).toEqual([]);
  });
});
