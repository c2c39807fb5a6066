import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readOrCreateSecret, SecretFileError } from './secret-file';

describe('a secret kept in the data folder', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'csms-secret-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is made once, readable by its owner alone, and the same on every start after', () => {
    const file = path.join(dir, 'secrets', 'token-digest-key');
    const first = readOrCreateSecret(file, 32);
    expect(first).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readOrCreateSecret(file, 32).equals(first)).toBe(true);
  });

  it('refuses a file that does not hold a key of the expected length', () => {
    const file = path.join(dir, 'short-key');
    writeFileSync(file, 'abcd\n');
    expect(() => readOrCreateSecret(file, 32)).toThrow(SecretFileError);
  });
});
