import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN_KEY, adminRequest, type RunningCsms, startCsms } from '../support/csms';

const ROOT = path.resolve(__dirname, '..', '..');

interface SimRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run sim -- <args>` as a user runs it: tsx on simulators/src/cli.ts, in a process of its own. */
function sim(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<SimRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'simulators', 'src', 'cli.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The README's `npm run sim -- --protocol 2.0.1 --chargers 50 --sessions 200`, with fewer chargers and sessions,
 * against a real CSMS without the participants' services (--no-ledger): given the admin key, the simulator
 * provisions its chargers and id tokens through the admin API, runs every session and says how many completed.
 * simulator-settlement.test.ts runs it with the ledger and the participants' services, to settlement.
 */
describe('npm run sim against our own CSMS', () => {
  let running: RunningCsms;
  let dataDir: string | undefined;

  beforeEach(async () => {
    running = await startCsms();
  });

  afterEach(async () => {
    await running.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  const sessionsOf = async (): Promise<{ active: boolean; chargerId: string }[]> => (JSON.parse((await adminRequest(running, 'GET', '/api/sessions?limit=500')).body) as { sessions: { active: boolean; chargerId: string }[] }).sessions;

  it('provisions its chargers and tokens with --admin-key and completes every session (2.0.1)', async () => {
    const run = await sim(['--protocol', '2.0.1', '--chargers', '3', '--sessions', '6', '--endpoint', running.ocppEndpoint, '--admin-key', ADMIN_KEY, '--session-minutes', '20-30', '--prefix', 'SIMT', '--no-ledger']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('3 chargers and 6 id tokens provisioned');
    expect(run.stdout).toContain('sessions completed: 6 of 6');
    const sessions = await sessionsOf();
    expect(sessions).toHaveLength(6);
    expect(sessions.every((session) => !session.active && session.chargerId.startsWith('SIMT-'))).toBe(true);
  }, 120_000);

  it('reads the admin key from <data dir>/secrets/admin-api-key, and provisions again a prefix it provisioned before (1.6)', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-sim-'));
    await mkdir(path.join(dataDir, 'secrets'));
    await writeFile(path.join(dataDir, 'secrets', 'admin-api-key'), `${ADMIN_KEY}\n`, { mode: 0o600 });
    const args = ['--protocol', '1.6', '--chargers', '2', '--sessions', '2', '--endpoint', running.ocppEndpoint, '--session-minutes', '20-30', '--prefix', 'SIMK', '--no-ledger'];
    for (const attempt of [1, 2]) {
      const run = await sim(args, { CHARGELEDGER_DATA_DIR: dataDir });
      expect({ attempt, code: run.code, stderr: run.stderr }).toEqual({ attempt, code: 0, stderr: '' });
      expect(run.stdout).toContain('sessions completed: 2 of 2');
    }
    expect(await sessionsOf()).toHaveLength(4);
  }, 120_000);

  it('says why its chargers cannot register when it has no admin key and no password', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-sim-'));
    const run = await sim(['--chargers', '1', '--sessions', '1', '--endpoint', running.ocppEndpoint, '--prefix', 'SIMN'], { CHARGELEDGER_DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('sessions completed: 0 of 1');
    expect(run.stderr).toContain('--admin-key');
  }, 60_000);
});
