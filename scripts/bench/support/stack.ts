import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { MspId } from '@chargeledger/chaincode/api';
import { EmbeddedGatewayClient } from '@chargeledger/embedded-ledger';
import { loadTemplate } from '@chargeledger/simulators';
import { Redis } from 'ioredis';
import { aDeployedStation, aDriverWithCard, anAcTariff, type DriverOnLedger } from '../../../support/ledger/deployment';
import { PARTY_ATTRIBUTES } from '../../../support/ledger/embedded';
import { type Party, PARTY_MSP } from '../../../support/ledger/ledgers';
import { freePort } from '../../../support/csms-process';

const root = path.resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);

export interface BenchStackOptions {
  /** The stack's own data folder, emptied at start. */
  readonly dataDir: string;
  readonly prefix: string;
  /** Settings beyond the ports, the data folder, the prefix and the admin key (retention, ...). */
  readonly settings: Readonly<Record<string, string>>;
  /** Set: each process writes its CPU profile in a folder of its own under it when it stops. */
  readonly profileDir?: string;
}

/**
 * The stack as `npm start` runs it on the embedded ledger, each part its own process, on free ports: Redis
 * through scripts/redis.sh, the ledger bridge on the embedded ledger, the CSMS. For the soak and the peer
 * comparison.
 */
export class BenchStack {
  readonly dataDir: string;
  readonly adminKey = randomBytes(24).toString('hex');
  readonly children = new Map<string, ChildProcess>();
  env: NodeJS.ProcessEnv = {};
  readonly #options: BenchStackOptions;
  redisPort = 0;
  csmsPort = 0;
  gatewayPort = 0;

  constructor(options: Readonly<BenchStackOptions>) {
    this.#options = options;
    this.dataDir = options.dataDir;
  }

  async start(): Promise<void> {
    rmSync(this.dataDir, { recursive: true, force: true });
    mkdirSync(path.join(this.dataDir, 'logs'), { recursive: true });
    [this.redisPort, this.csmsPort, this.gatewayPort] = [await freePort(), await freePort(), await freePort()];
    this.env = {
      ...process.env,
      CHARGELEDGER_DATA_DIR: this.dataDir,
      REDIS_PORT: String(this.redisPort),
      CSMS_PORT: String(this.csmsPort),
      EMBEDDED_LEDGER_PORT: String(this.gatewayPort),
      QUEUE_PREFIX: this.#options.prefix,
      CSMS_API_KEYS: `admin:${this.adminKey}`,
      CSMS_LEDGER_AUTHORIZATION: 'off',
      LOG_LEVEL: 'warn',
      ...this.#options.settings,
    };
    await run('bash', [path.join(root, 'scripts', 'redis.sh'), 'start'], { env: this.env });
    this.#spawn('bridge', path.join(root, 'embedded-ledger', 'src', 'main.ts'));
    this.#spawn('csms', path.join(root, 'csms', 'src', 'main.ts'));
    const deadline = Date.now() + 180_000;
    for (;;) {
      const csms = await fetch(`${this.csmsUrl}/ready`).then((r) => r.ok, () => false);
      const bridge = await this.#bridgeServes();
      if (csms && bridge) break;
      if (Date.now() > deadline) throw new Error(`${csms ? '' : 'the CSMS '}${bridge ? '' : 'the bridge '}did not start; see ${this.dataDir}/logs`);
      await sleep(500);
    }
  }

  get csmsUrl(): string {
    return `http://127.0.0.1:${this.csmsPort}`;
  }

  pids(): Map<string, number> {
    const pids = new Map<string, number>([['generator', process.pid]]);
    for (const [name, child] of this.children) if (child.pid !== undefined) pids.set(name, child.pid);
    const redisPid = Number(readFileSync(path.join(this.dataDir, 'redis', 'redis.pid'), 'utf8'));
    pids.set('redis', redisPid);
    return pids;
  }

  gateway(party: Party): EmbeddedGatewayClient {
    // Each organization's own key to the gateway, where the gateway wrote them (`<org>-key`).
    const mspId = PARTY_MSP[party] as MspId;
    const key = readFileSync(path.join(this.dataDir, 'secrets', 'embedded-ledger', `${mspId.replace(/MSP$/, '').toLowerCase()}-key`), 'utf8').trim();
    return new EmbeddedGatewayClient({ url: `http://127.0.0.1:${this.gatewayPort}`, key, identity: { mspId, attributes: PARTY_ATTRIBUTES[party] } });
  }

  async admin(method: string, route: string, body?: object): Promise<unknown> {
    const response = await fetch(`${this.csmsUrl}${route}`, { method, headers: { authorization: `Bearer ${this.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }

  async stop(): Promise<void> {
    for (const child of this.children.values()) child.kill('SIGTERM');
    // Each stops on its own (and writes its profile); what has not stopped in 10 s is killed.
    const deadline = Date.now() + 10_000;
    while ([...this.children.values()].some((child) => child.exitCode === null && child.signalCode === null) && Date.now() < deadline) await sleep(200);
    for (const child of this.children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await run('bash', [path.join(root, 'scripts', 'redis.sh'), 'stop'], { env: this.env }).catch(() => undefined);
  }

  #spawn(name: string, main: string): void {
    const out = path.join(this.dataDir, 'logs', `${name}.log`);
    // Each process at the caller's own priority: run the caller under `nice`, and they are too.
    // A folder per process: its main thread and tsx's loader thread each write a profile.
    const profileDir = this.#options.profileDir;
    const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', main], { cwd: root, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const flush = (): void => writeFileSync(out, Buffer.concat(chunks));
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('exit', flush);
    this.children.set(name, child);
  }

  async #bridgeServes(): Promise<boolean> {
    const redis = new Redis({ port: this.redisPort, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      return (await redis.exists(`${this.#options.prefix}:bridge:alive`)) === 1;
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  }
}

/**
 * `count` stations deployed on the ledger (unsigned readings allowed by the Authority, a tariff each) with a
 * funded driver each, provisioned at the CSMS with `password`: identities `<prefix>-0001`... and their drivers.
 */
export async function deployChargers(stack: BenchStack, count: number, identityPrefix: string, password: string): Promise<{ identities: string[]; drivers: DriverOnLedger[] }> {
  const ledger = { party: (party: Party) => stack.gateway(party) };
  const template = loadTemplate('voltbridge-ac22-duo');
  const drivers: DriverOnLedger[] = [];
  const identities: string[] = [];
  // The first alone: it sets the token pepper every later card link reads.
  for (let i = 0; i < count; i += i === 0 ? 1 : 10) {
    await Promise.all(
      Array.from({ length: Math.min(i === 0 ? 1 : 10, count - i) }, async (_, j) => {
        const identity = `${identityPrefix}-${String(i + j + 1).padStart(4, '0')}`;
        const publicKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
        // A tariff each: stations deployed side by side would otherwise rewrite one tariff key (MVCC).
        await aDeployedStation(ledger, { stationId: identity, template, meter: { serial: `${identity}-M1`, publicKey } }, { tariff: anAcTariff({ id: `AC-${identity}` }) });
        await ledger.party('authority').submit('Registry:allowUnsignedMeterData', { eventId: `allow-${identity}`, stationId: identity, validUntilMs: Date.now() + 30 * 86_400_000, maxEnergyWh: 100_000, maxPowerW: 22_000 });
        const driver = await aDriverWithCard(ledger, { topUp: 1_000_000_000, sessionLimit: 2000 });
        await stack.admin('POST', '/api/chargers', { identity, password });
        await stack.admin('PUT', `/api/id-tokens/${driver.idToken}`, { accountId: driver.accountId });
        drivers[i + j] = driver;
        identities[i + j] = identity;
      }),
    );
  }
  return { identities, drivers };
}
