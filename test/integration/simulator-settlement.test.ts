import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IDENTITY_ATTRIBUTES } from '@chargeledger/chaincode/api';
import { loadConfig } from '@chargeledger/config';
import { type RunningBridge, SettlementListener, startBridge } from '@chargeledger/ledger-bridge';
import { ledgerQueueNames } from '@chargeledger/ledger-queue';
import { checkpointers } from '@hyperledger/fabric-gateway';
import { Redis } from 'ioredis';
import pino from 'pino';
import { ADMIN_KEY, adminRequest, LEDGER_QUERIES, type RunningCsms, startCsms } from '../support/csms';
import { ParticipantsStack } from './participants-support';

const ROOT = path.resolve(__dirname, '..', '..');

interface SimRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function sim(args: readonly string[], env: NodeJS.ProcessEnv): Promise<SimRun> {
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

interface SessionBody {
  readonly sessionId: string;
  readonly active: boolean;
  readonly settlement?: { readonly charged: number; readonly verification: string };
}

/**
 * `npm run sim` as the README shows it, end to end against what `npm start` runs: a CSMS that asks the ledger
 * at Authorize, the ledger bridge (startBridge and the settlement listener, as its process wires them) on an
 * embedded ledger, and the Wallets,
 * Operators and Authority participants' services as processes of their own. The simulator provisions the CSMS
 * through its admin API and the ledger through the services' REST APIs, runs its sessions and waits until the
 * CSMS shows each settled.
 */
describe('npm run sim settles its sessions on the ledger', () => {
  let stack: ParticipantsStack;
  let csms: RunningCsms;
  let bridge: RunningBridge;
  let listener: SettlementListener;
  let connection: Redis;
  let dataDir: string;

  beforeAll(async () => {
    stack = await ParticipantsStack.start(['wallets', 'operators', 'authority']);
    csms = await startCsms({ ledgerAuthorization: { timeoutMs: 10_000, cacheTtlMs: 30_000, whenUnavailable: 'reject' } });
    const { redis, fabric } = loadConfig();
    connection = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: null });
    bridge = startBridge({
      connection,
      prefix: csms.prefix,
      names: ledgerQueueNames({ ledgerEvents: csms.queue.name, ledgerOutcomes: 'ledger-outcomes', ledgerQueries: LEDGER_QUERIES }),
      // The operator the Operators service's staff act for is the one the bridge submits as.
      ledger: stack.ledgerAs('OperatorsMSP', { [IDENTITY_ATTRIBUTES.operatorId]: fabric.operatorId }),
      log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
      concurrency: 4,
      queryConcurrency: 2,
      orderingDelayMs: 50,
      settlementBatch: loadConfig().bridge.settlementBatch,
      progressAuditMs: loadConfig().bridge.progressAuditMs,
      retention: loadConfig().queue.retention,
    });
    const { embedded } = stack;
    listener = new SettlementListener({
      source: { events: async (checkpoint) => embedded.events(checkpoint.getBlockNumber() ?? BigInt(embedded.height()), checkpoint.getTransactionId()) },
      checkpointer: checkpointers.inMemory(),
      connection,
      prefix: csms.prefix,
      outcomesQueueName: 'ledger-outcomes',
      retention: loadConfig().queue.retention,
      log: pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    });
    listener.run();
    dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-sim-ledger-'));
  }, 90_000);

  afterAll(async () => {
    await listener?.close();
    await bridge?.close();
    connection?.disconnect();
    await csms?.stop();
    await stack?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  const run = (protocol: string): Promise<SimRun> =>
    sim(
      [
        ...['--protocol', protocol, '--chargers', '2', '--sessions', '4', '--session-minutes', '2-4', '--prefix', 'SIMS', '--settle-timeout', '60'],
        ...['--endpoint', csms.ocppEndpoint, '--admin-key', ADMIN_KEY],
        ...['--wallets-url', stack.url('wallets'), '--operators-url', stack.url('operators'), '--authority-url', stack.url('authority'), '--participants-dir', path.join(stack.dataDir, 'participants')],
      ],
      // Where the simulated meters keep their keys.
      { CHARGELEDGER_DATA_DIR: dataDir },
    );

  const sessions = async (): Promise<SessionBody[]> => (JSON.parse((await adminRequest(csms, 'GET', '/api/sessions?limit=500')).body) as { sessions: SessionBody[] }).sessions;

  it('sets up stations, tariff, meter keys and drivers through the participants’ services, and every session settles with verified meter records', async () => {
    const first = await run('2.0.1');
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toContain('registered 2 stations (0 were registered before); the Authority registered 2 meter keys and rotated 0');
    expect(first.stdout).toContain('Wallets opened 4 driver accounts (0 were open), linked 4 cards and topped up 4 accounts');
    expect(first.stdout).toContain('sessions completed: 4 of 4');
    expect(first.stdout).toContain('sessions settled: 4 of 4');
    const settled = await sessions();
    expect(settled).toHaveLength(4);
    for (const session of settled) expect(session).toMatchObject({ active: false, settlement: { verification: 'verified', charged: expect.any(Number) } });
    expect(settled.every((session) => (session.settlement?.charged ?? 0) > 0)).toBe(true);
  }, 180_000);

  it('runs again reusing what the ledger has, the meters’ kept keys too, and rotates a meter whose key was lost (1.6)', async () => {
    const keys = await readdir(path.join(dataDir, 'simulators', 'meter-keys'));
    expect(keys.sort()).toEqual(['SIMS-0001-M1.pem', 'SIMS-0002-M1.pem']);
    await rm(path.join(dataDir, 'simulators', 'meter-keys', 'SIMS-0001-M1.pem'));
    const again = await run('1.6');
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(again.stdout).toContain('registered 0 stations (2 were registered before); the Authority registered 0 meter keys and rotated 1');
    expect(again.stdout).toContain('Wallets opened 0 driver accounts (4 were open), linked 0 cards');
    expect(again.stdout).toContain('sessions settled: 4 of 4');
    const all = await sessions();
    expect(all).toHaveLength(8);
    expect(all.every((session) => session.settlement?.verification === 'verified')).toBe(true);
  }, 180_000);

  it('says which service does not answer, and that --no-ledger skips the ledger', async () => {
    const down = await sim(
      ['--chargers', '1', '--sessions', '1', '--prefix', 'SIMD', '--endpoint', csms.ocppEndpoint, '--admin-key', ADMIN_KEY, '--wallets-url', 'http://127.0.0.1:9', '--operators-url', stack.url('operators'), '--authority-url', stack.url('authority'), '--participants-dir', path.join(stack.dataDir, 'participants')],
      { CHARGELEDGER_DATA_DIR: dataDir },
    );
    expect(down.code).toBe(2);
    expect(down.stderr).toContain("the Wallets participants' service at http://127.0.0.1:9 does not answer");
    expect(down.stderr).toContain('--no-ledger');
  }, 60_000);
});
