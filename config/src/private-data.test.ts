import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { protectDataDir } from './private-data';

describe('protectDataDir', () => {
  const umask = process.umask();
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'chargeledger-private-'));
  });

  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the group\'s and others\' bits off what an older version left readable, and names what it repaired', () => {
    const data = path.join(dir, 'data');
    mkdirSync(path.join(data, 'embedded-ledger'), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(data, 'embedded-ledger', '000005.ldb'), 'keys', { mode: 0o644 });
    writeFileSync(path.join(data, 'private'), 'x', { mode: 0o600 });
    // The modes an older version left, whatever umask this process runs under (the stack's scripts set 077).
    chmodSync(path.join(data, 'embedded-ledger'), 0o755);
    chmodSync(path.join(data, 'embedded-ledger', '000005.ldb'), 0o644);
    const repaired = protectDataDir(data);
    expect(repaired.sort()).toEqual(expect.arrayContaining([path.join(data, 'embedded-ledger'), path.join(data, 'embedded-ledger', '000005.ldb')]));
    expect(repaired).not.toContain(path.join(data, 'private'));
    expect(statSync(path.join(data, 'embedded-ledger')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(data, 'embedded-ledger', '000005.ldb')).mode & 0o777).toBe(0o600);
  });

  it('makes what the process creates afterwards 600 and 700, whatever mode the code asks for', () => {
    protectDataDir(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'log'), 'line', { mode: 0o644 });
    mkdirSync(path.join(dir, 'data', 'redis'), { mode: 0o755 });
    expect(statSync(path.join(dir, 'data')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'data', 'log')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'data', 'redis')).mode & 0o777).toBe(0o700);
  });
});
