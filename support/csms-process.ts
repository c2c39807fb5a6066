import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { endChild } from './child-process';

const root = path.resolve(__dirname, '..');

export interface CsmsProcessOptions {
  readonly port: number;
  readonly prefix: string;
  readonly adminKey: string;
  readonly nodeId: string;
  /** What the process logs; warn unless a test reads the log itself. */
  readonly logLevel?: 'warn' | 'info' | 'debug' | 'trace';
  /** The data folder (its secrets among it); undefined: the stack's own. */
  readonly dataDir?: string;
}

/** The CSMS as its own OS process (the composition root, main.ts), so a test can SIGKILL it like a crash would. */
export class CsmsProcess {
  #child: ChildProcess | undefined;
  #output = '';

  constructor(readonly options: Readonly<CsmsProcessOptions>) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get ocppEndpoint(): string {
    return `ws://127.0.0.1:${this.options.port}/ocpp`;
  }

  get pid(): number {
    if (this.#child?.pid === undefined) throw new Error('the CSMS process is not running');
    return this.#child.pid;
  }

  /** Whether the process is still there (it has neither exited nor been killed). */
  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What the process printed, for a failing test's message. */
  get output(): string {
    return this.#output;
  }

  async start(): Promise<void> {
    // tsx as a loader inside this one process: a SIGKILL must reach the CSMS itself, not a wrapper.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'csms', 'src', 'main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        CSMS_HOST: '127.0.0.1',
        CSMS_PORT: String(this.options.port),
        QUEUE_PREFIX: this.options.prefix,
        CSMS_API_KEYS: `admin:${this.options.adminKey}`,
        CSMS_NODE_ID: this.options.nodeId,
        LOG_LEVEL: this.options.logLevel ?? 'warn',
        ...(this.options.dataDir === undefined ? {} : { CHARGELEDGER_DATA_DIR: this.options.dataDir }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.#child = child;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the CSMS exited with ${child.exitCode}:\n${this.#output}`);
      const ready = await fetch(`${this.url}/ready`).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the CSMS was not ready within 30 s:\n${this.#output}`);
  }

  /** SIGKILL: no shutdown hook runs, sockets drop mid-call. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM, and the exit code once the process has gone by itself (null if it had to be killed after 10 s). */
  async terminate(): Promise<number | null> {
    return endChild(this.#child, 'SIGTERM');
  }

  async stop(): Promise<void> {
    await endChild(this.#child, 'SIGTERM', 5000);
  }
}

export function aCsmsProcess(port: number, overrides: Partial<Pick<CsmsProcessOptions, 'logLevel' | 'dataDir'>> = {}): CsmsProcess {
  return new CsmsProcess({ port, prefix: `test-${randomBytes(6).toString('hex')}`, adminKey: `admin-${randomBytes(16).toString('hex')}`, nodeId: 'crash-test', ...overrides });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
