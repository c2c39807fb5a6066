import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, parseEnvFile, repositoryRoot } from '@chargeledger/config';

/**
 * docker-compose.yaml against the native stack: no Docker engine runs here, so the file is checked through
 * `docker-compose config` (Debian's docker-compose, which scripts/setup.sh installs), which validates it and
 * prints it resolved. What the native stack has is read from config/defaults.env, so neither side can drift.
 */

interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile?: string };
  readonly command?: readonly string[] | string;
  readonly environment?: Readonly<Record<string, string | null>>;
  readonly ports?: readonly (string | { readonly host_ip?: string; readonly published: number | string; readonly target: number })[];
  readonly volumes?: readonly (string | { readonly type: string; readonly source?: string; readonly target: string; readonly read_only?: boolean })[];
  readonly secrets?: readonly (string | { readonly source: string })[];
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>> | readonly string[];
}

interface ComposeConfig {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, { readonly file?: string }>>;
}

interface PublishedPort {
  readonly hostIp: string;
  readonly published: number;
  readonly target: number;
}

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  readonly named: boolean;
}

const composeFile = path.join(repositoryRoot, 'docker-compose.yaml');
const defaults = parseEnvFile(readFileSync(path.join(repositoryRoot, 'config', 'defaults.env'), 'utf8'));

function onPath(binary: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

const dockerCompose = onPath('docker-compose');

/** Debian's docker-compose prints YAML only; it is a Python program that needs python3-yaml, so that parser is there wherever it runs. */
function resolvedConfig(env: Readonly<Record<string, string>> = {}): ComposeConfig {
  const yaml = execFileSync(dockerCompose!, ['-f', composeFile, 'config'], { cwd: repositoryRoot, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const json = execFileSync('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: yaml, encoding: 'utf8' });
  return JSON.parse(json) as ComposeConfig;
}

function portsOf(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') return { hostIp: port.host_ip ?? '', published: Number(port.published), target: port.target };
    // host_ip:published:target[/protocol]; a port without a host address has fewer parts.
    const parts = port.replace(/\/\w+$/, '').split(':');
    const [target, published, hostIp] = [parts.pop(), parts.pop(), parts.join(':')];
    return { hostIp, published: Number(published), target: Number(target) };
  });
}

function mountsOf(service: ComposeService, namedVolumes: readonly string[]): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') {
      const source = volume.source ?? '';
      return { source, target: volume.target, readOnly: volume.read_only === true, named: volume.type === 'volume' && namedVolumes.includes(source) };
    }
    const [source = '', target = '', mode = 'rw'] = volume.split(':');
    return { source, target, readOnly: mode.split(',').includes('ro'), named: namedVolumes.includes(source) };
  });
}

function commandOf(service: ComposeService): string[] {
  return typeof service.command === 'string' ? service.command.split(/\s+/) : [...(service.command ?? [])];
}

function dependenciesOf(service: ComposeService): Record<string, string> {
  const dependsOn = service.depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name: string) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn as Record<string, { condition: string }>).map(([name, { condition }]) => [name, condition]));
}

// The organizations are those config/defaults.env gives a peer; MSP ids are OperatorsMSP, ProsumersMSP, ...
const organizations = Object.keys(defaults)
  .map((key) => /^FABRIC_([A-Z]+)_PEER_PORT$/.exec(key)?.[1])
  .filter((key): key is string => key !== undefined)
  .map((key) => key.toLowerCase());
const mspOf = (org: string): string => `${org[0]!.toUpperCase()}${org.slice(1)}MSP`;
const orderers = Array.from({ length: Number(defaults['FABRIC_ORDERERS'] ?? '1') }, (_, n) => `fabric-orderer${n}`);
// The organizations config/defaults.env gives a participants' service (PARTICIPANTS_<ORG>_PORT).
const participantOrganizations = Object.keys(defaults)
  .map((key) => /^PARTICIPANTS_([A-Z]+)_PORT$/.exec(key)?.[1])
  .filter((key): key is string => key !== undefined && key !== 'OPERATORS2')
  .map((key) => key.toLowerCase());

// The processes network/scripts/network.sh and scripts/start.sh run, under the names their pid files carry.
const nativeServices = [
  'redis',
  'csms',
  'ledger-bridge',
  ...orderers,
  ...organizations.flatMap((org) => [`fabric-ca-${org}`, `fabric-peer-${org}`, `chaincode-${org}`]),
  ...participantOrganizations.map((org) => `participants-${org}`),
];

// Port settings of ledgers the Fabric stack does not run: the embedded ledger serves only where no Fabric runs.
const notOnFabric = new Set(['EMBEDDED_LEDGER_PORT']);
// The compose stack runs the four founding organizations; a second operator organization joins the running
// channel as docs/consortium.md says, and the third and fourth exist for the benchmark's runs only, so their ports (its CSMS's and its Operators' service's too) are not the compose stack's.
const notInCompose = (key: string): boolean => /^FABRIC_OPERATORS[2-9]_/.test(key) || key === 'CSMS_OPERATORS2_PORT' || key === 'PARTICIPANTS_OPERATORS2_PORT';

/** Every port setting of config/defaults.env and the service that listens on it. */
function serviceOfPortSetting(key: string): string {
  if (key === 'REDIS_PORT') return 'redis';
  if (key === 'CSMS_PORT') return 'csms';
  if (/^FABRIC_ORDERER_(ADMIN_|OPERATIONS_)?PORT$/.test(key)) return 'fabric-orderer0';
  const participants = /^PARTICIPANTS_([A-Z]+)_PORT$/.exec(key);
  if (participants !== null) return `participants-${participants[1]!.toLowerCase()}`;
  const match = /^FABRIC_([A-Z]+)_(PEER|PEER_OPERATIONS|CA|CA_OPERATIONS|CHAINCODE)_PORT$/.exec(key);
  if (match !== null) {
    const org = match[1]!.toLowerCase();
    return match[2] === 'CHAINCODE' ? `chaincode-${org}` : match[2]!.startsWith('PEER') ? `fabric-peer-${org}` : `fabric-ca-${org}`;
  }
  throw new Error(`${key} in config/defaults.env belongs to no service this test knows: name its service here and in docker-compose.yaml`);
}
const portSettings = Object.entries(defaults).filter(([key]) => key.endsWith('_PORT') && !notOnFabric.has(key) && !notInCompose(key));

// One named volume per data folder of the native stack (.data/...), and the service that writes it.
const nativeVolumes: Readonly<Record<string, string>> = {
  'redis-data': 'redis', // .data/redis
  'csms-secrets': 'csms', // .data/secrets
  'bridge-data': 'ledger-bridge', // .data/bridge
  'fabric-orderer0': 'fabric-orderer0', // .data/fabric/orderers/orderer0
  'fabric-channel': 'network-bootstrap', // .data/fabric/channel
  'fabric-chaincode': 'network-bootstrap', // .data/fabric/chaincode
  'fabric-network': 'network-bootstrap', // .data/fabric (network.json)
  ...Object.fromEntries(
    organizations.flatMap((org) => [
      [`fabric-ca-${org}`, `fabric-ca-${org}`], // .data/fabric/ca/<org>
      [`fabric-org-${org}`, 'network-identities'], // .data/fabric/organizations/<org>
      [`fabric-peer-${org}`, `fabric-peer-${org}`], // .data/fabric/peers/<org>
    ]),
  ),
  // .data/participants: one folder natively, one volume per service here.
  ...Object.fromEntries(participantOrganizations.map((org) => [`participants-${org}`, `participants-${org}`])),
};

// Where the services built from the root Dockerfile keep their data, and the paths they derive from it.
const imageDataDir = /^ENV CHARGELEDGER_DATA_DIR=(\S+)$/m.exec(readFileSync(path.join(repositoryRoot, 'Dockerfile'), 'utf8'))?.[1];
const imageConfig = (env: Readonly<Record<string, string>> = {}): ReturnType<typeof loadConfig> => loadConfig({ CHARGELEDGER_DATA_DIR: imageDataDir, ...env });

const describeWithCompose = dockerCompose === undefined ? describe.skip : describe;
const title =
  dockerCompose === undefined
    ? 'docker-compose.yaml (skipped: no docker-compose binary on PATH; `npm run setup` installs Debian\'s docker-compose)'
    : 'docker-compose.yaml, as `docker-compose config` resolves it';

describeWithCompose(title, () => {
  let config: ComposeConfig;
  let namedVolumes: string[];

  beforeAll(() => {
    config = resolvedConfig();
    namedVolumes = Object.keys(config.volumes ?? {});
  });

  const service = (name: string): ComposeService => {
    const found = config.services[name];
    if (found === undefined) throw new Error(`docker-compose.yaml has no service ${name}`);
    return found;
  };

  it('reads the organizations and ports from config/defaults.env', () => {
    expect(organizations).toEqual(['operators', 'prosumers', 'wallets', 'authority']);
    expect([...participantOrganizations].sort()).toEqual([...organizations].sort());
    expect(portSettings.length).toBeGreaterThanOrEqual(2 + 3 + organizations.length * 6);
  });

  it('names every process of the native stack as a service, and the three one-shot setup steps', () => {
    expect(Object.keys(config.services).sort()).toEqual([...nativeServices, 'network-identities', 'network-bootstrap', 'network-admit'].sort());
  });

  it('starts what acts as the operator only once the Authority admitted it (ADR 0038)', () => {
    expect(service('network-admit')['depends_on']).toMatchObject({ 'network-bootstrap': { condition: 'service_completed_successfully' }, 'chaincode-wallets': { condition: 'service_started' }, 'chaincode-authority': { condition: 'service_started' } });
    for (const name of ['ledger-bridge', 'participants-operators']) {
      expect({ name, admitted: (service(name)['depends_on'] as Record<string, unknown>)['network-admit'] }).toEqual({ name, admitted: { condition: 'service_completed_successfully' } });
    }
  });

  it('publishes every port of config/defaults.env on the same port of 127.0.0.1, from the service that listens on it', () => {
    for (const [key, value] of portSettings) {
      const port = Number(value);
      expect({ key, ports: portsOf(service(serviceOfPortSetting(key))).filter((p) => p.published === port) }).toEqual({ key, ports: [{ hostIp: '127.0.0.1', published: port, target: port }] });
    }
  });

  it('binds every published port to 127.0.0.1 and publishes nothing config/defaults.env does not name', () => {
    const configured = new Set(portSettings.map(([, value]) => Number(value)));
    for (const [name, definition] of Object.entries(config.services)) {
      for (const port of portsOf(definition)) {
        expect({ service: name, ...port }).toEqual({ service: name, hostIp: '127.0.0.1', published: port.published, target: port.target });
        expect(configured.has(port.published)).toBe(true);
      }
    }
  });

  it('keeps every data folder of the native stack in a named volume of its own, mounted writable by the service that writes it', () => {
    expect(namedVolumes.sort()).toEqual(Object.keys(nativeVolumes).sort());
    for (const [volume, writer] of Object.entries(nativeVolumes)) {
      expect({ volume, mounts: mountsOf(service(writer), namedVolumes).filter((m) => m.source === volume).map((m) => m.readOnly) }).toEqual({ volume, mounts: [false] });
    }
  });

  it('mounts nothing from the Docker host but read-only files of the repository', () => {
    for (const [name, definition] of Object.entries(config.services)) {
      for (const mount of mountsOf(definition, namedVolumes).filter((m) => !m.named)) {
        expect({ service: name, source: path.relative(repositoryRoot, mount.source).startsWith('..'), readOnly: mount.readOnly }).toEqual({ service: name, source: false, readOnly: true });
        expect(existsSync(mount.source)).toBe(true);
      }
    }
  });

  it("runs Fabric's official images: CA 1.5, orderer, peer and tools 3.1", () => {
    for (const org of organizations) {
      expect(service(`fabric-ca-${org}`).image).toBe('hyperledger/fabric-ca:1.5');
      expect(service(`fabric-peer-${org}`).image).toBe('hyperledger/fabric-peer:3.1');
    }
    expect(service('fabric-orderer0').image).toBe('hyperledger/fabric-orderer:3.1');
    expect(service('network-identities').image).toBe('hyperledger/fabric-ca:1.5');
    expect(service('network-bootstrap').image).toBe('hyperledger/fabric-tools:3.1');
  });

  it("builds the CSMS, the ledger bridge, the participants' services and the chaincode services from Dockerfiles of this repository", () => {
    const built = ['csms', ...organizations.map((org) => `chaincode-${org}`)];
    for (const name of built) {
      const build = service(name).build;
      expect(build?.context).toBe(repositoryRoot);
      expect(existsSync(path.join(repositoryRoot, build?.dockerfile ?? 'Dockerfile'))).toBe(true);
    }
    // The bridge and the participants' services run the image the CSMS service builds.
    expect(service('ledger-bridge').image).toBe(service('csms').image);
    for (const org of participantOrganizations) expect(service(`participants-${org}`).image).toBe(service('csms').image);
    expect(service('chaincode-operators').build?.dockerfile).toBe('chaincode/Dockerfile');
  });

  it('runs only scripts that exist under network/docker', () => {
    for (const [name, definition] of Object.entries(config.services)) {
      for (const script of commandOf(definition).filter((arg) => arg.endsWith('.sh'))) {
        const file = path.join(repositoryRoot, 'network', 'docker', path.basename(script));
        expect({ service: name, script, exists: existsSync(file) }).toEqual({ service: name, script, exists: true });
      }
    }
  });

  it("gives each chaincode service its organization's MSP id and its chaincode port", () => {
    for (const org of organizations) {
      const environment = service(`chaincode-${org}`).environment ?? {};
      expect(environment['CORE_PEER_LOCALMSPID']).toBe(mspOf(org));
      expect(environment['CHARGELEDGER_ORG']).toBe(org);
      expect(environment['CHAINCODE_SERVER_ADDRESS']).toBe(`0.0.0.0:${defaults[`FABRIC_${org.toUpperCase()}_CHAINCODE_PORT`]}`);
    }
  });

  it('starts the nodes after their identities, the chaincode services after the chaincode is committed, and the bridge after both', () => {
    for (const node of [...orderers, ...organizations.map((org) => `fabric-peer-${org}`)]) {
      expect(dependenciesOf(service(node))['network-identities']).toBe('service_completed_successfully');
    }
    for (const org of organizations) {
      expect(dependenciesOf(service('network-identities'))[`fabric-ca-${org}`]).toBe('service_healthy');
      expect(dependenciesOf(service('network-bootstrap'))[`fabric-peer-${org}`]).toBe('service_healthy');
      expect(dependenciesOf(service(`chaincode-${org}`))['network-bootstrap']).toBe('service_completed_successfully');
      expect(dependenciesOf(service('ledger-bridge'))).toHaveProperty(`chaincode-${org}`);
    }
    expect(dependenciesOf(service('ledger-bridge'))['redis']).toBe('service_healthy');
    for (const org of participantOrganizations) {
      // network.json is written by network-bootstrap, last.
      expect(dependenciesOf(service(`participants-${org}`))['network-bootstrap']).toBe('service_completed_successfully');
      expect(dependenciesOf(service(`participants-${org}`))[`fabric-peer-${org}`]).toBe('service_healthy');
    }
  });

  it("runs each organization's participants' service on Fabric as scripts/start.sh does, listening on all interfaces of its container", () => {
    expect(imageDataDir).toBeDefined();
    for (const org of participantOrganizations) {
      const definition = service(`participants-${org}`);
      const command = commandOf(definition);
      expect(command.slice(-3)).toEqual(['participants/src/main.ts', '--ledger', 'fabric']);
      expect(existsSync(path.join(repositoryRoot, 'participants', 'src', 'main.ts'))).toBe(true);
      expect(definition.environment?.['PARTICIPANTS_ORG']).toBe(org);
      expect(definition.environment?.['PARTICIPANTS_HOST']).toBe('0.0.0.0');
      // The configuration accepts what the service is given.
      expect(imageConfig({ PARTICIPANTS_ORG: org, PARTICIPANTS_HOST: '0.0.0.0' }).participants.organization).toBe(org);
    }
  });

  it("hands the identity each participants' service acts with to the image's user, as participants/src/main.ts names it", () => {
    const main = readFileSync(path.join(repositoryRoot, 'participants', 'src', 'main.ts'), 'utf8');
    const identities = readFileSync(path.join(repositoryRoot, 'network', 'docker', 'identities.sh'), 'utf8');
    const used = Object.fromEntries([.../\bFABRIC_IDENTITY\b[^=]*=\s*\{([^}]*)\}/.exec(main)?.[1]?.matchAll(/(\w+): '([^']+)'/g) ?? []].map((m) => [m[1], m[2]]));
    const handed = Object.fromEntries([.../\bSERVICE_IDENTITY=\(([^)]*)\)/.exec(identities)?.[1]?.matchAll(/\[(\w+)\]=([\w-]+)/g) ?? []].map((m) => [m[1], m[2]]));
    expect(Object.keys(used).sort()).toEqual([...participantOrganizations].sort());
    expect(handed).toEqual(used);
    for (const [org, name] of Object.entries(used)) expect(identities).toMatch(new RegExp(`issue_client ${org} ${name}\\b`));
  });

  it("gives each participants' service its data folder, network.json and its own organization's identities, the last two read-only", () => {
    const { participants, fabric } = imageConfig();
    const networkDir = path.posix.dirname(fabric.networkFile);
    const bootstrapMounts = mountsOf(service('network-bootstrap'), namedVolumes);
    // network-bootstrap writes network.json where the services read it, with the organization volumes mounted
    // inside fabric-network: the folders the services mount them on are there.
    expect(bootstrapMounts.find((m) => m.source === 'fabric-network')).toMatchObject({ target: networkDir, readOnly: false });
    for (const org of participantOrganizations) {
      const mounts = mountsOf(service(`participants-${org}`), namedVolumes);
      expect(mounts.find((m) => m.source === `participants-${org}`)).toMatchObject({ target: participants.dataDir, readOnly: false });
      expect(mounts.find((m) => m.source === 'fabric-network')).toMatchObject({ target: networkDir, readOnly: true });
      const orgMount = mounts.find((m) => m.source === `fabric-org-${org}`);
      // Where network-identities issued the identities, which is where network.json names them.
      const issuedAt = mountsOf(service('network-identities'), namedVolumes).find((m) => m.source === `fabric-org-${org}`)?.target;
      expect(orgMount).toMatchObject({ target: issuedAt, readOnly: true });
      expect(orgMount?.target.startsWith(`${networkDir}/`)).toBe(true);
      expect(bootstrapMounts.find((m) => m.source === `fabric-org-${org}`)?.target).toBe(orgMount?.target);
      // No other organization's keys.
      expect(mounts.filter((m) => m.source.startsWith('fabric-org-')).map((m) => m.source)).toEqual([`fabric-org-${org}`]);
    }
  });

  it("connects the bridge to the Operators' peer as the identity the native network enrolls for it", () => {
    const environment = service('ledger-bridge').environment ?? {};
    expect(environment['FABRIC_GATEWAY_PEER']).toBe(`peer0.operators.chargeledger.local:${defaults['FABRIC_OPERATORS_PEER_PORT']}`);
    expect(environment['FABRIC_MSP_ID']).toBe('OperatorsMSP');
    // The identity's files are found under the data folder where config/defaults.env says they are.
    const operatorsMount = mountsOf(service('ledger-bridge'), namedVolumes).find((m) => m.source === 'fabric-org-operators');
    expect(operatorsMount).toMatchObject({ readOnly: true });
    expect(path.posix.join('/var/lib/chargeledger', defaults['FABRIC_CERT_FILE']!).startsWith(`${operatorsMount?.target}/`)).toBe(true);
  });

  it('gives the CSMS its admin key as the secret npm start keeps in .data/secrets/admin-api-key, or the file CHARGELEDGER_ADMIN_API_KEY_FILE names', () => {
    expect(service('csms').secrets?.map((secret) => (typeof secret === 'string' ? secret : secret.source))).toEqual(['admin_api_key']);
    expect(config.secrets?.['admin_api_key']?.file).toBe(path.join(repositoryRoot, '.data', 'secrets', 'admin-api-key'));
    expect(resolvedConfig({ CHARGELEDGER_ADMIN_API_KEY_FILE: '/run/keys/chargeledger-admin' }).secrets?.['admin_api_key']?.file).toBe('/run/keys/chargeledger-admin');
  });
});
