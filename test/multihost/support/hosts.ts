import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The multi-host suite's hosts: one network namespace per organization (support/hosts.sh), each with a data
 * folder of its own, every command of an organization run inside its namespace with that folder.
 */

export const repositoryRoot = path.resolve(__dirname, '../../..');
const HOSTS_SH = path.join(__dirname, 'hosts.sh');
const ORG_SH = path.join(repositoryRoot, 'network/scripts/org.sh');
const PARTY_TS = path.join(__dirname, 'party.ts');
const RELAY_TS = path.join(__dirname, 'relay.ts');
const SITE_TS = path.join(__dirname, 'operator-site.ts');

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: repositoryRoot, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

export class Hosts {
  readonly prefix = `clmh${randomBytes(2).toString('hex')}`;
  #guard: ChildProcess | undefined;

  /**
   * With `delayMs` > 0 every connection between two hosts goes through the receiving host's relay
   * (support/relay.ts), which holds each chunk that long in each direction.
   */
  constructor(
    readonly dataRoot: string,
    readonly names: readonly string[],
    readonly delayMs = 0,
  ) {}

  hostname(name: string): string {
    return `${name}.consortium.test`;
  }

  dataDir(name: string): string {
    return path.join(this.dataRoot, name);
  }

  /** Creates the namespaces, and a guard that removes them if this process dies before `down`. */
  async up(): Promise<void> {
    await this.down();
    const made = await run('bash', [HOSTS_SH, 'up', this.prefix, ...this.names], { RELAY: this.delayMs > 0 ? '1' : '0' });
    if (made.code !== 0) throw new Error(`hosts.sh up failed: ${made.stderr}`);
    this.#guard = spawn('bash', [HOSTS_SH, 'guard', this.prefix, String(process.pid)], { detached: true, stdio: 'ignore' });
    this.#guard.unref();
    if (this.delayMs > 0) {
      // Other hosts reach this one's peer (7051) and orderer (7050) only through its relay; the rest is local.
      await Promise.all(
        this.names.map(async (name, i) => {
          const relay = spawn('ip', ['netns', 'exec', `${this.prefix}-${name}`, process.execPath, '--import', 'tsx', RELAY_TS, `10.77.1.${i + 1}`, `10.77.0.${i + 1}`, String(this.delayMs), '7050', '7051'], { cwd: repositoryRoot, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
          relay.unref();
          await new Promise<void>((resolve, reject) => {
            let listening = 0;
            relay.stdout?.on('data', (chunk: Buffer) => {
              listening += chunk.toString().split('\n').filter((line) => line.startsWith('relay ')).length;
              if (listening >= 2) resolve();
            });
            relay.once('exit', (code) => reject(new Error(`the relay on ${name} exited (${String(code)})`)));
          });
          relay.stdout?.destroy();
        }),
      );
    }
  }

  async down(): Promise<void> {
    await run('bash', [HOSTS_SH, 'down', this.prefix]);
    if (this.#guard?.pid !== undefined) {
      try {
        process.kill(-this.#guard.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }

  /** A command on one organization's host: in its namespace, with its data folder. */
  on(name: string, command: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs?: number): Promise<CommandResult> {
    return run('ip', ['netns', 'exec', `${this.prefix}-${name}`, 'env', `CHARGELEDGER_DATA_DIR=${this.dataDir(name)}`, ...command], env, timeoutMs);
  }

  /** org.sh on the organization's host; throws with its output when it fails. */
  async org(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const result = await this.on(name, ['bash', ORG_SH, ...args], env);
    if (result.code !== 0) throw new Error(`org.sh ${args.join(' ')} on ${name} failed (${result.code}): ${result.stderr}${result.stdout}`);
    return result.stdout;
  }

  /** The organization's application (support/party.ts) on its host, as IDENTITY; its JSON answer. */
  async party<T>(name: string, identity: string, command: string, args: object = {}): Promise<T> {
    const result = await this.on(name, [process.execPath, '--import', 'tsx', PARTY_TS, name, identity, command, JSON.stringify(args)], {}, 300_000);
    if (result.code !== 0) throw new Error(`party ${command} on ${name} failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n').pop() as string) as T;
  }

  /** The same, left running: the caller ends it (e.g. through a stop file) and reads its answer. */
  partyInBackground(name: string, identity: string, command: string, args: object): { readonly done: Promise<CommandResult> } {
    return { done: this.on(name, [process.execPath, '--import', 'tsx', PARTY_TS, name, identity, command, JSON.stringify(args)], {}, 600_000) };
  }

  /** An operator's site (support/operator-site.ts: Redis, CSMS, bridge, a simulated charger) on its host, until it is done. */
  siteInBackground(name: string, args: object): { readonly done: Promise<CommandResult> } {
    return { done: this.on(name, [process.execPath, '--import', 'tsx', SITE_TS, JSON.stringify(args)], {}, 600_000) };
  }

  /** The pid of one of an organization's processes (org.sh keeps them under <data>/run). */
  pidOf(name: string, process: string): number {
    return Number(readFileSync(path.join(this.dataDir(name), 'run', `${process}.pid`), 'utf8').trim());
  }
}

export interface KeyOwnership {
  /** The file holding a private key. */
  readonly file: string;
  /** The host whose CA issued every certificate of that key ('unknown' when no certificate has it). */
  readonly owners: readonly string[];
}

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(full));
    else if (entry.isFile() && statSync(full).size < 256 * 1024) files.push(full);
  }
  return files;
}

/**
 * The public key (SPKI, hex) of a PEM private key. Fabric CA writes its Idemix revocation key as SEC1 under a
 * PKCS #8 label; a key that cannot be read at all is 'unreadable', which no certificate matches.
 */
function publicKeyOf(pem: string): string {
  for (const candidate of [pem, pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '-----$1 EC PRIVATE KEY-----')]) {
    try {
      return createPublicKey(createPrivateKey(candidate)).export({ type: 'spki', format: 'der' }).toString('hex');
    } catch {
      // try the next reading
    }
  }
  return 'unreadable';
}

const PEM = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * Every PEM private key in each host's folder, with the hosts whose CA issued a certificate of its public key
 * (a CA's own key belongs to the host whose CA certificate it is). Certificates are looked for on every host.
 */
export function privateKeyOwners(hosts: Hosts): Map<string, KeyOwnership[]> {
  // Every CA a host ran: its CA, and the CAs it retired when it rotated its root (fabric/ca-retired-*).
  const caOf: [string, X509Certificate][] = [];
  const caFolders = (name: string): string[] => readdirSync(path.join(hosts.dataDir(name), 'fabric')).filter((entry) => entry === 'ca' || entry.startsWith('ca-retired-'));
  const present = hosts.names.filter((name) => existsSync(path.join(hosts.dataDir(name), 'fabric/ca/ca-cert.pem')));
  for (const name of present) for (const folder of caFolders(name)) caOf.push([name, new X509Certificate(readFileSync(path.join(hosts.dataDir(name), 'fabric', folder, 'ca-cert.pem')))]);
  const certificates: X509Certificate[] = [];
  /** Public keys a CA wrote beside its own (its Idemix revocation key has no certificate), by the host they are on. */
  const caPublicKeys = new Map<string, string>();
  const keys = new Map<string, { file: string; spki: string }[]>();
  for (const name of present) {
    keys.set(name, []);
    for (const file of filesUnder(hosts.dataDir(name))) {
      // PEM as written, or inside JSON (connection.json, network descriptions) with its line ends escaped.
      const text = readFileSync(file, 'latin1').replaceAll('\\n', '\n');
      if (!text.includes('-----BEGIN ')) continue;
      for (const [pem, kind] of text.matchAll(PEM)) {
        if (kind === 'PUBLIC KEY' && caFolders(name).some((folder) => file.startsWith(path.join(hosts.dataDir(name), 'fabric', folder) + path.sep))) {
          caPublicKeys.set(createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex'), name);
        } else if (kind === 'CERTIFICATE') {
          try {
            certificates.push(new X509Certificate(pem));
          } catch {
            // a certificate cut by a binary file's framing: it cannot make any key look foreign or owned
          }
        } else if (kind?.endsWith('PRIVATE KEY')) {
          const spki = publicKeyOf(pem);
          keys.get(name)?.push({ file, spki });
        }
      }
    }
  }
  const issuers = (certificate: X509Certificate): string[] => caOf.filter(([, ca]) => certificate.checkIssued(ca) && certificate.verify(ca.publicKey)).map(([name]) => name);
  const result = new Map<string, KeyOwnership[]>();
  for (const [name, found] of keys) {
    result.set(
      name,
      found.map(({ file, spki }) => {
        const owners = new Set<string>();
        for (const certificate of certificates) {
          if (certificate.publicKey.export({ type: 'spki', format: 'der' }).toString('hex') === spki) for (const owner of issuers(certificate)) owners.add(owner);
        }
        const caKeyOf = caPublicKeys.get(spki);
        if (caKeyOf !== undefined) owners.add(caKeyOf);
        return { file, owners: owners.size === 0 ? ['unknown'] : [...owners] };
      }),
    );
  }
  return result;
}
