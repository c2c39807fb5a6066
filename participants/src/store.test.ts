import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ParticipantsStore, UserExists } from './store';

describe('ParticipantsStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'participants-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps users and lists across a reopen, in a file only its owner can read', async () => {
    const file = path.join(dir, 'nested', 'wallets.json');
    const store = await ParticipantsStore.open(file);
    await store.addUser({ username: 'erika', role: 'driver', passwordHash: 'scrypt$x', party: 'drv-1', createdAtMs: 1 });
    await store.remember('cards:drv-1', 'card-1');
    await store.remember('cards:drv-1', 'card-1');
    const reopened = await ParticipantsStore.open(file);
    expect(reopened.user('erika')).toMatchObject({ role: 'driver', party: 'drv-1' });
    expect(reopened.list('cards:drv-1')).toEqual(['card-1']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveProperty('users.erika');
  });

  it('refuses a second user of the same name, and knows no user called like an object property', async () => {
    const store = await ParticipantsStore.open(path.join(dir, 'x.json'));
    await store.addUser({ username: 'erika', role: 'driver', passwordHash: 'h', createdAtMs: 1 });
    await expect(store.addUser({ username: 'erika', role: 'driver', passwordHash: 'h', createdAtMs: 2 })).rejects.toBeInstanceOf(UserExists);
    expect(store.user('constructor')).toBeUndefined();
    expect(store.list('__proto__')).toEqual([]);
  });
});
