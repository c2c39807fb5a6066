import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MspId } from '@chargeledger/chaincode/api';
import { type EmbeddedLedger, openEmbeddedLedger, startEmbeddedGateway } from '@chargeledger/embedded-ledger';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import type { Organization } from '@chargeledger/participants';
import { embeddedGatewayKeys, writeEmbeddedGatewayKeys } from '../support/bridge-process';
import { type Clock, createExportMeter, generateMeterKey, publicKeySpkiDer, type SurplusSource } from '@chargeledger/simulators';

const root = path.resolve(__dirname, '..', '..');

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  /** Whether the service answered a retry with its first answer (the Idempotent-Replayed header). */
  readonly replayed: boolean;
}

/** An HTTP call as a browser or curl makes it: JSON in, JSON out, a bearer token when signed in. */
export async function call<T = Record<string, unknown>>(url: string, method: string, route: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${route}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T, replayed: response.headers.get('idempotent-replayed') === 'true' };
}

/**
 * An embedded ledger in this process behind its loopback gateway (random port, temporary data folder), and
 * each organization's participants' service as its own OS process (participants/src/main.ts) reaching the
 * ledger through that gateway, as `npm start` runs them.
 */
export class ParticipantsStack {
  readonly #children = new Map<Organization, ChildProcess>();
  readonly #output = new Map<Organization, string>();

  private constructor(
    readonly dataDir: string,
    readonly embedded: EmbeddedLedger,
    readonly gateway: { readonly close: () => Promise<void>; readonly port: number },
    readonly ports: Readonly<Record<Organization, number>>,
    readonly csmsUrl: string | undefined,
    /** More of the services' environment, e.g. a payment provider's settings. */
    readonly env: Readonly<Record<string, string>>,
  ) {}

  /**
   * `csms`: a CSMS the services read chargers' live state from, with a read-only key of it (written where
   * `npm start` keeps it, `<data>/secrets/csms-read-only-key`). Without it the services have no key.
   */
  static async start(organizations: readonly Organization[], options: { readonly csms?: { readonly url: string; readonly readOnlyKey: string; readonly recordsKey?: string }; readonly env?: Readonly<Record<string, string>> } = {}): Promise<ParticipantsStack> {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-participants-'));
    const embedded = await openEmbeddedLedger({ dataDir: path.join(dataDir, 'embedded-ledger'), client: { mspId: 'OperatorsMSP', attributes: {} }, clock: { now: () => Date.now() } });
    const keys = embeddedGatewayKeys();
    await writeEmbeddedGatewayKeys(dataDir, keys);
    if (options.csms !== undefined) await writeFile(path.join(dataDir, 'secrets', 'csms-read-only-key'), options.csms.readOnlyKey, { mode: 0o600 });
    if (options.csms?.recordsKey !== undefined) await writeFile(path.join(dataDir, 'secrets', 'csms-records-key'), options.csms.recordsKey, { mode: 0o600 });
    const { server, url } = await startEmbeddedGateway({ ledger: embedded, host: '127.0.0.1', port: 0, keys });
    const gateway = { port: Number(new URL(url).port), close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    const ports = { wallets: await freePort(), operators: await freePort(), prosumers: await freePort(), authority: await freePort() };
    const stack = new ParticipantsStack(dataDir, embedded, gateway, ports, options.csms?.url, options.env ?? {});
    try {
      await Promise.all(organizations.map((organization) => stack.#startService(organization)));
    } catch (error) {
      await stack.close();
      throw error;
    }
    return stack;
  }

  url(organization: Organization): string {
    return `http://127.0.0.1:${this.ports[organization]}`;
  }

  /** The ledger as an organization's own application reaches it, for what another organization sets up. */
  ledgerAs(mspId: MspId, attributes: Readonly<Record<string, string>> = {}): ChargingLedger {
    return this.embedded.asOrganization(mspId, attributes);
  }

  /** Signs in the first member of staff, `<org>-admin`, with the password the service made in its folder. */
  async staffToken(organization: Organization): Promise<string> {
    const password = (await readFile(path.join(this.dataDir, 'participants', `${organization}-admin-password`), 'utf8')).trim();
    const reply = await call<{ token: string }>(this.url(organization), 'POST', '/api/session', { body: { username: `${organization}-admin`, password } });
    if (reply.status !== 200) throw new Error(`staff sign-in at ${organization}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.token;
  }

  /** Stops one organization's service, lets `meanwhile` change its store (the journal `participants/embedded/<org>.jsonl`), and starts it again. */
  async restart(organization: Organization, meanwhile: (storeFile: string) => Promise<void>): Promise<void> {
    const child = this.#children.get(organization);
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    await meanwhile(path.join(this.dataDir, 'participants', 'embedded', `${organization}.jsonl`));
    await this.#startService(organization);
  }

  async #startService(organization: Organization): Promise<void> {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      CHARGELEDGER_DATA_DIR: this.dataDir,
      PARTICIPANTS_ORG: organization,
      EMBEDDED_LEDGER_HOST: '127.0.0.1',
      EMBEDDED_LEDGER_PORT: String(this.gateway.port),
      LOG_LEVEL: 'warn',
      // Every test signs up and in from 127.0.0.1, many times a minute: the throttles are tested on their own.
      PARTICIPANTS_SIGN_IN_PER_ACCOUNT: '1000',
      PARTICIPANTS_SIGN_IN_PER_ADDRESS: '1000',
      PARTICIPANTS_SIGN_UP_PER_ADDRESS: '1000',
      ...this.env,
    };
    if (this.csmsUrl !== undefined) env['PARTICIPANTS_CSMS_URL'] = this.csmsUrl;
    for (const [org, port] of Object.entries(this.ports)) env[`PARTICIPANTS_${org.toUpperCase()}_PORT`] = String(port);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'participants', 'src', 'main.ts'), '--ledger', 'embedded'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.set(organization, child);
    this.#output.set(organization, '');
    const append = (chunk: Buffer): void => void this.#output.set(organization, `${this.#output.get(organization) ?? ''}${chunk.toString()}`);
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    // Four services compile and start at once on a shared 2-core machine: allow for a slow start.
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the ${organization} service exited: ${this.#output.get(organization) ?? ''}`);
      try {
        if ((await fetch(`${this.url(organization)}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the ${organization} service did not start: ${this.#output.get(organization) ?? ''}`);
      await sleep(100);
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.#children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await this.gateway.close();
    await this.embedded.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * A prosumer's export meter: the simulators' export meter, an Eichrecht-style P-256 meter that signs the begin
 * and end of a delivery window as OCMF records, with the key the Authority registers for its export point.
 */
export class ExportMeter {
  readonly #key = generateMeterKey();
  #page = 1;

  constructor(readonly serial: string) {}

  get publicKey(): string {
    return publicKeySpkiDer(this.#key).toString('hex');
  }

  /** The register at the window's start and, `deliveredWh` later, at its end: exported evenly in between. */
  delivery(start: { timeMs: number; registerWh: number }, end: { timeMs: number; deliveredWh: number }): string[] {
    // The meter's time, set by hand: it reads the register when it signs.
    let nowMs = start.timeMs;
    const clock: Clock = { now: () => nowMs, schedule: () => ({ cancel: () => undefined }), advance: async (ms) => void (nowMs += ms) };
    const source = evenly(end.deliveredWh, start.timeMs, end.timeMs);
    const meter = createExportMeter({ clock, serial: this.serial, signingKey: this.#key, source, registerWh: start.registerWh, stepMs: 1, nextPage: this.#page });
    const begin = meter.beginDelivery();
    nowMs = end.timeMs;
    const records = [begin.record, meter.endDelivery().record];
    this.#page += records.length;
    return records;
  }
}

/** Whole watts on a 1 ms grid that add up to exactly `wh` over [fromMs, toMs). */
function evenly(wh: number, fromMs: number, toMs: number): SurplusSource {
  const wms = wh * 3_600_000;
  const durationMs = toMs - fromMs;
  const base = Math.floor(wms / durationMs);
  const extraMs = wms - base * durationMs;
  return { surplusW: (atMs) => base + (atMs - fromMs < extraMs ? 1 : 0) };
}
