import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { loadConfig, repositoryRoot } from '@chargeledger/config';
import { bridgeHeartbeatKey } from '@chargeledger/ledger-queue';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/**
 * A whole stack (Fabric network, Redis, the supervised ledger bridge, the CSMS) in a data folder and on a
 * block of ports of its own, so that fault runs and benchmarks never touch the standard network (.data,
 * the ports of config/defaults.env) that others use at the same time. Every setting comes from
 * config/defaults.env, each port shifted by `portOffset`; the processes are the stack's own scripts and
 * mains, started the way scripts/start.sh starts them.
 */
export interface IsolatedStackOptions {
  /** Under the repository root, matching .data*\/ (git-ignored), e.g. `.data-faults`. */
  readonly dataDir: string;
  /** Added to every port of config/defaults.env. */
  readonly portOffset: number;
  /** Start the ledger bridge with the stack, or later (startBridge), e.g. after a benchmark has queued its events. */
  readonly bridge: 'with-the-stack' | 'later';
  /** Further settings, e.g. FABRIC_BATCH_TIMEOUT; they reach every process. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

/** The stack's settings for this data folder and port block, as environment variables. */
export function isolatedEnvironment(options: Pick<IsolatedStackOptions, 'dataDir' | 'portOffset' | 'settings'>): Record<string, string> {
  if (!/^\.data[-\w]*$/.test(options.dataDir) || options.dataDir === '.data') throw new Error(`the data folder must be .data-<name>, not ${options.dataDir}`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(path.join(repositoryRoot, 'config', 'defaults.env'), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match === null) continue;
    const [, key = '', value = ''] = match;
    if (key.endsWith('_PORT')) env[key] = String(Number(value) + options.portOffset);
    else if (key === 'FABRIC_GATEWAY_PEER') env[key] = value.replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + options.portOffset}`);
  }
  return { ...env, CHARGELEDGER_DATA_DIR: options.dataDir, CHARGELEDGER_LEDGER: 'fabric', LOG_LEVEL: 'info', ...options.settings };
}

/** The stack's processes by name, as sampled and killed: what network.sh, redis.sh and this harness started. */
export type StackProcess = string;

export class IsolatedStack {
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  readonly adminKey: string;
  readonly #log: (line: string) => void;
  readonly #children: ChildProcess[] = [];

  private constructor(options: IsolatedStackOptions, settings: Record<string, string>) {
    this.env = { ...process.env, ...settings };
    this.dataDir = path.join(repositoryRoot, options.dataDir);
    this.adminKey = randomBytes(24).toString('hex');
    this.#log = options.log;
  }

  /**
   * Brings the whole stack up. The settings are also put into this process's environment, so loadConfig()
   * here (the deployment, the checks) sees the same stack.
   */
  static async start(options: IsolatedStackOptions): Promise<IsolatedStack> {
    const settings = isolatedEnvironment(options);
    Object.assign(process.env, settings);
    const stack = new IsolatedStack(options, settings);
    mkdirSync(path.join(stack.dataDir, 'logs'), { recursive: true });
    stack.#lock();
    await stack.#refuseForeignPorts();
    await stack.#stopLeftovers();
    await stack.redisUp();
    await stack.networkUp();
    if (options.bridge === 'with-the-stack') await stack.startBridge();
    await stack.#startCsms();
    return stack;
  }

  get config(): ReturnType<typeof loadConfig> {
    return loadConfig(this.env);
  }

  /** `network.sh up`: starts whatever of the network is stopped (creates the network the first time). */
  async networkUp(): Promise<void> {
    await this.#script(['network', 'scripts', 'network.sh'], ['up'], 'network');
  }

  async redisUp(): Promise<void> {
    await this.#script(['scripts', 'redis.sh'], ['start'], 'redis');
  }

  /** The pid of each process of the stack that runs now. */
  processes(): Map<StackProcess, number> {
    const found = new Map<StackProcess, number>();
    const runDir = path.join(this.dataDir, 'run');
    for (const file of existsSync(runDir) ? readdirSync(runDir) : []) {
      if (!file.endsWith('.pid')) continue;
      const name = file.slice(0, -'.pid'.length);
      const pid = Number(readFileSync(path.join(runDir, file), 'utf8').trim());
      if (!alive(pid)) continue;
      // The bridge's pid file names its supervisor; the bridge is the supervisor's child.
      if (name === 'ledger-bridge') {
        const child = childrenOf(pid)[0];
        if (child !== undefined) found.set('ledger-bridge', child);
        found.set('ledger-bridge-supervisor', pid);
      } else found.set(name, pid);
    }
    const redisPid = path.join(this.dataDir, 'redis', 'redis.pid');
    if (existsSync(redisPid)) {
      const pid = Number(readFileSync(redisPid, 'utf8').trim());
      if (alive(pid)) found.set('redis', pid);
    }
    return found;
  }

  /** kill -9 of one process of the stack; refuses a name the stack does not run. */
  kill9(name: StackProcess): number {
    const pid = this.processes().get(name);
    if (pid === undefined) throw new Error(`${name} is not running in ${this.dataDir}`);
    process.kill(pid, 'SIGKILL');
    this.#log(`kill -9 ${name} (pid ${pid})`);
    return pid;
  }

  /** Resolves once a bridge writes its heartbeat again after `sinceMs`. */
  async bridgeServing(sinceMs: number, limitMs = 120_000): Promise<void> {
    const redis = new Redis({ host: this.config.redis.host, port: this.config.redis.port, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    redis.on('error', () => undefined);
    try {
      const deadline = Date.now() + limitMs;
      while (Date.now() < deadline) {
        const beat = await redis.get(bridgeHeartbeatKey(this.config.queue.prefix)).catch(() => null);
        if (beat !== null && Number(beat) > sinceMs) return;
        await sleep(100);
      }
      throw new Error(`no bridge heartbeat within ${limitMs} ms`);
    } finally {
      redis.disconnect();
    }
  }

  /** Stops what this harness started, then the network and Redis; the data folder stays. */
  async stop(): Promise<void> {
    for (const child of this.#children.splice(0).reverse()) {
      if (child.exitCode !== null || child.pid === undefined) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await this.#script(['network', 'scripts', 'network.sh'], ['down'], 'network').catch((error: unknown) => this.#log(`network down: ${String(error)}`));
    await this.#script(['scripts', 'redis.sh'], ['stop'], 'redis').catch((error: unknown) => this.#log(`redis stop: ${String(error)}`));
    rmSync(path.join(this.dataDir, 'run', 'stack.lock'), { force: true });
  }

  async #script(where: readonly string[], args: readonly string[], what: string): Promise<void> {
    const started = Date.now();
    try {
      await run('bash', [path.join(repositoryRoot, ...where), ...args], { env: this.env, cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${what} ${args.join(' ')} failed:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`, { cause: error });
    }
    this.#log(`${what} ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** The bridge under scripts/supervise.sh, as npm start runs it: a killed bridge is started again. */
  async startBridge(): Promise<void> {
    const logFile = path.join(this.dataDir, 'logs', 'ledger-bridge.log');
    const started = Date.now();
    const supervisor = spawn('bash', [path.join(repositoryRoot, 'scripts', 'supervise.sh'), 'ledger-bridge', logFile, 'node', '--import', 'tsx', path.join(repositoryRoot, 'ledger-bridge', 'src', 'main.ts')], {
      env: this.env,
      cwd: repositoryRoot,
      stdio: 'ignore',
      detached: true,
    });
    this.#adopt(supervisor, 'ledger-bridge');
    await this.bridgeServing(started - 1);
    this.#log('ledger bridge serving');
  }

  async #startCsms(): Promise<void> {
    const out = openSync(path.join(this.dataDir, 'logs', 'csms.log'), 'a');
    const csms = spawn('node', ['--import', 'tsx', path.join(repositoryRoot, 'csms', 'src', 'main.ts')], {
      env: { ...this.env, CSMS_API_KEYS: `admin:${this.adminKey}` },
      cwd: repositoryRoot,
      stdio: ['ignore', out, out],
      detached: true,
    });
    this.#adopt(csms, 'csms');
    const { host, port } = this.config.csms;
    for (let i = 0; i < 300; i++) {
      const ready = await fetch(`http://${host}:${port}/ready`).then((r) => r.ok).catch(() => false);
      if (ready) {
        this.#log(`CSMS ready on ${host}:${port}`);
        return;
      }
      if (csms.exitCode !== null) break;
      await sleep(200);
    }
    throw new Error(`the CSMS did not become ready; see ${path.join(this.dataDir, 'logs', 'csms.log')}`);
  }

  #adopt(child: ChildProcess, name: string): void {
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    this.#children.push(child);
    // The pid file where the stack's scripts keep theirs, so processes() and the scripts find it.
    const runDir = path.join(this.dataDir, 'run');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, `${name}.pid`), String(child.pid));
    child.unref();
  }

  /** One run per data folder at a time: a second one (another test run, a benchmark) would kill the first one's processes. */
  #lock(): void {
    const file = path.join(this.dataDir, 'run', 'stack.lock');
    mkdirSync(path.dirname(file), { recursive: true });
    if (existsSync(file)) {
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (holder !== process.pid && alive(holder)) throw new Error(`another run (pid ${holder}) uses ${this.dataDir}; wait for it to finish`);
    }
    writeFileSync(file, String(process.pid));
  }

  /** A CSMS or bridge an earlier run in this data folder left running (it was killed before it stopped them). */
  async #stopLeftovers(): Promise<void> {
    for (const name of ['csms', 'ledger-bridge']) {
      const file = path.join(this.dataDir, 'run', `${name}.pid`);
      if (!existsSync(file)) continue;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (!alive(pid)) continue;
      this.#log(`stopping the ${name} an earlier run left (pid ${pid})`);
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }

  /** A port of the block held by a process this data folder did not start means another stack uses it. */
  async #refuseForeignPorts(): Promise<void> {
    const ours = this.processes();
    if (ours.size > 0) return;
    const busy: string[] = [];
    for (const [key, value] of Object.entries(this.env)) {
      if (!key.endsWith('_PORT') || value === undefined) continue;
      if (await listening(Number(value))) busy.push(`${key}=${value}`);
    }
    if (busy.length > 0) throw new Error(`ports of this stack's block are in use by something else: ${busy.join(', ')}; choose another port offset`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (killed, not yet reaped) is not running.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z';
  } catch {
    return true;
  }
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number).filter(alive);
  } catch {
    return [];
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
