import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAs, readNetworkDescription } from '@chargeledger/ledger-client';
import { bridgeHeartbeatKey } from '@chargeledger/ledger-queue';
import { createChargePoint, generateMeterKey, loadTemplate, ManualClock, publicKeySpkiDer } from '@chargeledger/simulators';
import { ledgerSettlementOf, readMeterRecords } from '@chargeledger/verifier';
import { Redis } from 'ioredis';

/**
 * A charging operator's site on its own host of the multi-host suite: the stack's own parts as separate
 * processes (Redis by scripts/redis.sh, the CSMS's main, the ledger bridge's main against the host's own peer
 * with the host's bridge identity) and a simulated charger speaking OCPP 2.0.1 over a real WebSocket, which
 * charges one driver. What another organization must do in between (the Authority registering the charger's
 * meter key) is asked for through files: the site writes the meter's public key to `meterFile` and goes on
 * once `goFile` exists. At the end it writes the session's signed meter records (as the CSMS serves them to a
 * key of its `records` role) to `recordsFile`, for the driver's verifier, and prints one JSON line.
 *
 *   operator-site.ts JSON  ({ stationId, idToken, accountId, meterFile, goFile, recordsFile })
 */

const root = path.resolve(__dirname, '../../..');
const CSMS_PORT = 8180;
const REDIS_PORT = 6390;
const WAIT_MS = 180_000;

interface SiteArgs {
  readonly stationId: string;
  readonly idToken: string;
  readonly accountId: string;
  readonly meterFile: string;
  readonly goFile: string;
  readonly recordsFile: string;
}

const children: ChildProcess[] = [];
let output = '';

function start(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  // tsx as a loader in the one process: stopping it stops the part itself.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script)], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += `${name}: ${chunk.toString()}`));
  child.stderr?.on('data', (chunk: Buffer) => (output += `${name}: ${chunk.toString()}`));
  children.push(child);
  return child;
}

function redisScript(command: 'start' | 'stop'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(root, 'scripts/redis.sh'), command], { cwd: root, env: { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(REDIS_PORT) } }, (error, stdout, stderr) =>
      error === null ? resolve() : reject(new Error(`redis.sh ${command} failed: ${stderr}${stdout}`)),
    );
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    for (const child of children) if (child.exitCode !== null) throw new Error(`a part of the stack exited while waiting for ${what}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}:\n${output}`);
    await sleep(250);
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as SiteArgs;
  const dataDir = process.env['CHARGELEDGER_DATA_DIR'];
  if (dataDir === undefined) throw new Error('CHARGELEDGER_DATA_DIR names this host\'s data folder');
  const fabric = path.join(dataDir, 'fabric');
  const description = await readNetworkDescription(path.join(fabric, 'network.json'));
  const operators = description.organizations['operators'];
  if (operators === undefined) throw new Error('this host holds no Operators organization');
  const adminKey = randomBytes(24).toString('hex');
  const recordsKey = randomBytes(24).toString('hex');
  const prefix = `site-${randomBytes(4).toString('hex')}`;
  const stack: NodeJS.ProcessEnv = { CHARGELEDGER_DATA_DIR: dataDir, CHARGELEDGER_LEDGER: 'fabric', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(REDIS_PORT), QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };

  await redisScript('start');
  const redis = new Redis({ host: '127.0.0.1', port: REDIS_PORT, maxRetriesPerRequest: 3 });
  try {
    start('csms', 'csms/src/main.ts', { ...stack, CSMS_HOST: '127.0.0.1', CSMS_PORT: String(CSMS_PORT), CSMS_API_KEYS: `admin:${adminKey},records:${recordsKey}`, CSMS_NODE_ID: 'site-1' });
    const bridgeStarted = Date.now();
    start('bridge', 'ledger-bridge/src/main.ts', {
      ...stack,
      FABRIC_GATEWAY_PEER: operators.peerEndpoint,
      FABRIC_GATEWAY_HOST_ALIAS: operators.hostAlias,
      FABRIC_MSP_ID: operators.mspId,
      FABRIC_TLS_CA_FILE: operators.tlsCaFile,
      FABRIC_CERT_FILE: path.join(fabric, 'users/bridge/msp/signcerts/cert.pem'),
      FABRIC_KEY_DIR: path.join(fabric, 'users/bridge/msp/keystore'),
    });
    const csms = `http://127.0.0.1:${CSMS_PORT}`;
    await until('the CSMS', async () => ((await fetch(`${csms}/ready`)).ok ? true : undefined));
    await until('the bridge\'s heartbeat', async () => (Number(await redis.get(bridgeHeartbeatKey(prefix))) >= bridgeStarted ? true : undefined));

    // The operator's back office: the charger's credentials and the driver's card, through the CSMS's admin API.
    const admin = async (method: string, route: string, body: object, expected: number): Promise<void> => {
      const response = await fetch(`${csms}${route}`, { method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status !== expected) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    };
    const password = randomBytes(18).toString('hex');
    await admin('POST', '/api/chargers', { identity: args.stationId, password }, 201);
    await admin('PUT', `/api/id-tokens/${encodeURIComponent(args.idToken)}`, { accountId: args.accountId }, 204);

    // The charger and its meters' keys, which never leave it; the Authority is given the first meter's public key.
    const template = loadTemplate('voltbridge-ac22-duo');
    const meterKeys = template.evses.map(() => generateMeterKey());
    const clock = new ManualClock(Date.now());
    const charger = createChargePoint({ protocol: '2.0.1', identity: args.stationId, serialNumber: args.stationId, endpoint: `ws://127.0.0.1:${CSMS_PORT}/ocpp`, password, template, clock, meterKeys, backoff: { initialDelayMs: 50, maxDelayMs: 500, factor: 2, jitter: 0 } });
    try {
      writeFileSync(args.meterFile, `${JSON.stringify({ meterSerial: `${args.stationId}-M1`, publicKey: publicKeySpkiDer(meterKeys[0] as KeyObject).toString('hex') })}\n`);
      await until('the Authority\'s registration of the meter', async () => (existsSync(args.goFile) ? true : undefined), 300_000);
      // The session starts after the meter's key was registered, on the charger's clock too.
      await clock.advance(Math.max(0, Date.now() - clock.now()) + 1_000);
      const status = await charger.connect();
      if (status !== 'Accepted') throw new Error(`the CSMS did not accept the charger: ${status}`);
      await charger.plugIn(1, { batteryCapacityWh: 60_000, initialSocPercent: 20, maxPowerW: 11_000 });
      const started = await charger.authorizeAndStart(args.idToken, 1);
      if (!started.accepted || started.transactionId === undefined) throw new Error(`the CSMS refused the driver's card: ${JSON.stringify(started)}`);
      const sessionId = `${args.stationId}-${started.transactionId}`;
      await charger.advance(10 * 60_000);
      await charger.stop('Local', 1);
      await charger.settle();

      // The bridge settles the session on the ledger; the operator reads the receipt through its own peer.
      const connection = await connectAs(description, 'operators', 'bridge');
      try {
        const receipt = await until(`the settlement of ${sessionId}`, async () => {
          const settlement = await ledgerSettlementOf(connection.ledger, sessionId);
          if (settlement.kind === 'refused') throw new Error(`the ledger refused ${sessionId}: ${settlement.refusal.code}`);
          return settlement.kind === 'settled' ? settlement.receipt : undefined;
        });
        const records = await readMeterRecords(csms, recordsKey, sessionId);
        writeFileSync(args.recordsFile, `${JSON.stringify(records)}\n`);
        process.stdout.write(`${JSON.stringify({ sessionId, charged: receipt.charged, energyWh: receipt.energyWh, txId: receipt.txId, records: records.length })}\n`);
      } finally {
        connection.close();
      }
    } finally {
      await charger.close();
    }
  } finally {
    redis.disconnect();
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)))));
    await redisScript('stop');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n${output}`);
  process.exit(1);
});
