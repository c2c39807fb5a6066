import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { BridgeProcess } from '../support/bridge-process';
import { aCsmsProcess, freePort } from '../../support/csms-process';
import { call } from './participants-support';

/**
 * Everything under the data folder that holds a key, personal data or a card id is readable by its owner only,
 * from its creation, whichever process writes it: the embedded ledger (every organization's private keys,
 * drivers' names and e-mails), the participants' user store, the CSMS's secrets, Redis' append-only file and the
 * logs. What an older version left readable is repaired at start.
 */

const root = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

/** Every path under `dir` (itself included) that its group or others may read, write or enter. */
async function sharedPaths(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (target: string): Promise<void> => {
    const info = await stat(target);
    if ((info.mode & 0o077) !== 0) found.push(`${path.relative(dir, target) || '.'} ${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory()) for (const entry of await readdir(target)) await visit(path.join(target, entry));
  };
  await visit(dir);
  return found;
}

describe('the data folder', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-modes-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is 700/600 throughout after the bridge, the CSMS, a participants’ service and Redis wrote to it, an older readable file repaired', async () => {
    // What an older version left: a readable folder and log.
    await chmod(dataDir, 0o755);
    await mkdir(path.join(dataDir, 'logs'), { mode: 0o755 });
    await writeFile(path.join(dataDir, 'logs', 'old.log'), 'idTag=04A2B3C4\n', { mode: 0o644 });
    await chmod(path.join(dataDir, 'logs'), 0o755);
    await chmod(path.join(dataDir, 'logs', 'old.log'), 0o644);

    const prefix = `modes-${randomBytes(4).toString('hex')}`;
    const gatewayPort = await freePort();
    const bridge = new BridgeProcess({ dataDir, gatewayPort, prefix, names: { events: 'ledger-events', outcomes: 'ledger-outcomes', queries: 'ledger-queries' } });
    await bridge.start();
    const csms = aCsmsProcess(await freePort(), { dataDir });
    await csms.start();
    const walletsPort = await freePort();
    const wallets = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'participants', 'src', 'main.ts'), '--ledger', 'embedded'], {
      cwd: root,
      env: { ...process.env, CHARGELEDGER_DATA_DIR: dataDir, PARTICIPANTS_ORG: 'wallets', EMBEDDED_LEDGER_HOST: '127.0.0.1', EMBEDDED_LEDGER_PORT: String(gatewayPort), PARTICIPANTS_WALLETS_PORT: String(walletsPort), LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const redisPort = await freePort();
    const redisEnv = { ...process.env, CHARGELEDGER_DATA_DIR: dataDir, REDIS_PORT: String(redisPort) };
    try {
      const url = `http://127.0.0.1:${walletsPort}`;
      for (let i = 0; i < 300; i += 1) {
        if (await fetch(`${url}/health`).then((response) => response.ok).catch(() => false)) break;
        await sleep(100);
      }
      const signUp = await call(url, 'POST', '/api/drivers', { body: { username: 'dana', password: 'a long enough password', name: 'Dana Example', email: 'dana@example.org' } });
      expect(signUp.status).toBe(201);

      await run('bash', [path.join(root, 'scripts', 'redis.sh'), 'start'], { env: redisEnv });
      await run('redis-cli', ['-p', String(redisPort), 'set', 'card', '04A2B3C4D5E6F7']);
    } finally {
      await run('bash', [path.join(root, 'scripts', 'redis.sh'), 'stop'], { env: redisEnv }).catch(() => undefined);
      await new Promise<void>((resolve) => {
        if (wallets.exitCode !== null) return resolve();
        wallets.once('exit', () => resolve());
        wallets.kill('SIGTERM');
      });
      await csms.stop();
      await bridge.stop();
    }
    // What the test expects to have been written, so that an empty folder cannot pass.
    for (const written of ['embedded-ledger', 'secrets/embedded-ledger/wallets-key', 'secrets/token-digest-key', 'participants/wallets-admin-password', 'participants/embedded', 'redis', 'logs/redis.log']) {
      await expect(stat(path.join(dataDir, written))).resolves.toBeDefined();
    }
    expect(await sharedPaths(dataDir)).toEqual([]);
  });
});
