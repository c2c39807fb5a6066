import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MspId } from '@chargeledger/chaincode/api';
import { loadConfig } from '@chargeledger/config';
import { CHANNEL_ORGANIZATIONS, EmbeddedGatewayClient } from '@chargeledger/embedded-ledger';
import { bridgeHeartbeatKey } from '@chargeledger/ledger-queue';
import { Redis } from 'ioredis';
import { endChild } from '../../support/child-process';

const root = path.resolve(__dirname, '..', '..');

/** A fresh key per organization for the embedded ledger's gateway, both operator organizations included. */
export function embeddedGatewayKeys(): Record<MspId, string> {
  return Object.fromEntries(CHANNEL_ORGANIZATIONS.map((mspId) => [mspId, randomBytes(24).toString('hex')])) as Record<MspId, string>;
}

/** Writes the keys where the gateway (ledger-bridge/src/embedded-main.ts) and the services read them: `<data>/secrets/embedded-ledger/<org>-key`. */
export async function writeEmbeddedGatewayKeys(dataDir: string, keys: Readonly<Record<MspId, string>>): Promise<void> {
  const dir = path.join(dataDir, 'secrets', 'embedded-ledger');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [mspId, key] of Object.entries(keys)) await writeFile(path.join(dir, `${mspId.replace(/MSP$/, '').toLowerCase()}-key`), key, { mode: 0o600 });
}

export interface BridgeProcessOptions {
  /** The data folder: the embedded ledger, the gateway's key, the settlement listener's checkpoint. */
  readonly dataDir: string;
  /** The embedded ledger's loopback gateway, through which the test reads and deploys. */
  readonly gatewayPort: number;
  /** The CSMS's queue prefix and names, so that the bridge consumes what the CSMS publishes. */
  readonly prefix: string;
  readonly names: { readonly events: string; readonly outcomes: string; readonly queries: string };
}

/**
 * The ledger bridge on the embedded ledger as its own OS process (ledger-bridge/src/embedded-main.ts, as `npm start`
 * runs it), so that a test can SIGKILL it in the middle of its work and start it again, as its supervisor does.
 */
export class BridgeProcess {
  readonly #options: BridgeProcessOptions;
  /** The gateway's key of each organization, written where `npm start` keeps them. */
  readonly #keys = embeddedGatewayKeys();
  #child: ChildProcess | undefined;
  #output = '';

  constructor(options: Readonly<BridgeProcessOptions>) {
    this.#options = options;
  }

  get pid(): number {
    if (this.#child?.pid === undefined) throw new Error('the bridge process is not running');
    return this.#child.pid;
  }

  /** What the process printed, for a failing test's message. */
  get output(): string {
    return this.#output;
  }

  /** The gateway of the ledger the bridge holds, acting as the given identity. */
  gateway(identity: ConstructorParameters<typeof EmbeddedGatewayClient>[0]['identity']): EmbeddedGatewayClient {
    return new EmbeddedGatewayClient({ url: `http://127.0.0.1:${this.#options.gatewayPort}`, key: this.#keys[identity.mspId] ?? '', identity });
  }

  /** Starts the process; resolves with the time its heartbeat said it serves (the heartbeat is written as the worker starts). */
  async start(): Promise<number> {
    const { dataDir, gatewayPort, prefix, names } = this.#options;
    await writeEmbeddedGatewayKeys(dataDir, this.#keys);
    const startedAt = Date.now();
    // tsx as a loader inside this one process: a SIGKILL must reach the bridge itself, not a wrapper.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'ledger-bridge', 'src', 'embedded-main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        CHARGELEDGER_DATA_DIR: dataDir,
        EMBEDDED_LEDGER_HOST: '127.0.0.1',
        EMBEDDED_LEDGER_PORT: String(gatewayPort),
        QUEUE_PREFIX: prefix,
        QUEUE_LEDGER_EVENTS: names.events,
        QUEUE_LEDGER_OUTCOMES: names.outcomes,
        QUEUE_LEDGER_QUERIES: names.queries,
        LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.#child = child;
    const { redis } = loadConfig();
    const connection = new Redis({ host: redis.host, port: redis.port });
    try {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`the bridge exited with ${child.exitCode}:\n${this.#output}`);
        const beat = await connection.get(bridgeHeartbeatKey(prefix));
        if (beat !== null && Number(beat) >= startedAt) return Number(beat);
        await sleep(10);
      }
      throw new Error(`the bridge did not serve within 30 s:\n${this.#output}`);
    } finally {
      connection.disconnect();
    }
  }

  /** SIGKILL: no shutdown hook runs; its jobs stay active under its locks. */
  async kill(): Promise<void> {
    await endChild(this.#child, 'SIGKILL');
  }

  async stop(): Promise<void> {
    await endChild(this.#child, 'SIGTERM');
  }
}
