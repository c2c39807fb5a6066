/**
 * Composition root of one organization's participants' service: `PARTICIPANTS_ORG=wallets|operators|operators2|prosumers|authority`,
 * on the ledger given with `--ledger fabric|embedded` (otherwise CHARGELEDGER_LEDGER; `auto` means Fabric when
 * the network's description exists). The first member of staff is `<org>-admin`, with a password made once and
 * kept (mode 600) in the participants' folder. `operators2` is the Operators' service of the second operator
 * organization (ADR 0038): the operators' routes, with Operators2MSP's identity acting for its own operator, its
 * own users (`operators2-admin`) and its own port.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, protectDataDir, repositoryRoot } from '@chargeledger/config';
import { EmbeddedGatewayClient } from '@chargeledger/embedded-ledger';
import { readNetworkDescription } from '@chargeledger/ledger-client';
import pino from 'pino';
import { embeddedOrganizationLedger, fabricOrganizationLedger, type OrganizationLedger } from './ledger/organization-ledger';
import type { MspId } from '@chargeledger/chaincode/api';
import { ORGANIZATION_MSP, ORGANIZATIONS, type Organization } from './organizations';
import { StripePaymentProvider } from './payments/stripe-provider';
import { startParticipantsService } from './service';

/** Which of the embedded ledger gateway's keys is this organization's. */
const EMBEDDED_KEY_OF = { wallets: 'Wallets', operators: 'Operators', prosumers: 'Prosumers', authority: 'Authority' } as const satisfies Record<Organization, string>;

/** The identities network/scripts/network.sh enrolls for each organization. */
const FABRIC_IDENTITY: Readonly<Record<Organization, string>> = { wallets: 'wallet-service', operators: 'bridge', prosumers: 'prosumer', authority: 'metering-authority' };

function ledgerKind(configured: 'auto' | 'fabric' | 'embedded', networkFile: string): 'fabric' | 'embedded' {
  const at = process.argv.indexOf('--ledger');
  const given = at < 0 ? configured : process.argv[at + 1];
  if (given === 'fabric' || given === 'embedded') return given;
  if (given === 'auto') return existsSync(networkFile) ? 'fabric' : 'embedded';
  throw new Error('usage: main.ts [--ledger fabric|embedded]');
}

/** What a PARTICIPANTS_ORG names: the kind of service it runs, and the organization on the ledger whose identity it acts with. */
interface ServedOrganization {
  readonly kind: Organization;
  /** The name network.sh and the network's description give the organization; also its users' file and staff name. */
  readonly name: string;
  readonly mspId: MspId;
  readonly embeddedKey: keyof ReturnType<typeof loadConfig>['embedded']['keyFiles'];
  readonly port: number;
  /** The operator or prosumer its own identity acts for, if any. */
  readonly defaultParty: string | undefined;
}

function servedOrganization(config: ReturnType<typeof loadConfig>, organization: NonNullable<ReturnType<typeof loadConfig>['participants']['organization']>): ServedOrganization {
  const { ports } = config.participants;
  if (organization === 'operators2') return { kind: 'operators', name: 'operators2', mspId: 'Operators2MSP', embeddedKey: 'Operators2', port: ports.operators2, defaultParty: config.secondOperator.operatorId };
  const defaultParty = { operators: config.fabric.operatorId, prosumers: 'pro-1', wallets: undefined, authority: undefined }[organization];
  return { kind: organization, name: organization, mspId: ORGANIZATION_MSP[organization], embeddedKey: EMBEDDED_KEY_OF[organization], port: ports[organization], defaultParty };
}

function staffPassword(dir: string, organization: string): string {
  const file = path.join(dir, `${organization}-admin-password`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  const config = loadConfig();
  const configured = config.participants.organization;
  if (configured === undefined) throw new Error(`set PARTICIPANTS_ORG to one of ${[...ORGANIZATIONS, 'operators2'].join(', ')}`);
  const served = servedOrganization(config, configured);
  const organization = served.kind;
  const logger = pino({ level: config.logLevel, base: { service: `participants-${served.name}` } });
  // Users' password hashes, names and the ids they own: 700/600 (umask 077) from their creation.
  const repaired = protectDataDir(config.dataDir);
  if (repaired.length > 0) logger.warn({ paths: repaired.length, dataDir: config.dataDir }, 'made files of the data folder readable by their owner only');
  const kind = ledgerKind(config.ledger, config.fabric.networkFile);
  const defaultParty = served.defaultParty;
  let ledger: OrganizationLedger;
  if (kind === 'embedded') {
    // This organization's key only: it admits this organization's identities and no other's.
    const keyFile = config.embedded.keyFiles[served.embeddedKey];
    const client = new EmbeddedGatewayClient({ url: `http://${config.embedded.host}:${config.embedded.port}`, key: readFileSync(keyFile, 'utf8').trim(), identity: { mspId: served.mspId } });
    ledger = embeddedOrganizationLedger(client, organization, defaultParty, served.mspId);
  } else {
    const run = promisify(execFile);
    ledger = await fabricOrganizationLedger({
      organization,
      networkOrganization: served.name,
      readDescription: () => readNetworkDescription(config.fabric.networkFile),
      identity: FABRIC_IDENTITY[organization],
      ...(defaultParty === undefined ? {} : { defaultParty }),
      enroll: async (org, name, attributes) => {
        await run('bash', [path.join(repositoryRoot, 'network/scripts/network.sh'), 'enroll', org, name, ...Object.entries(attributes).map(([key, value]) => `${key}=${value}`)]);
      },
    });
  }
  const { host, ports } = config.participants;
  const services = Object.fromEntries(ORGANIZATIONS.map((org) => [org, `http://${host}:${ports[org]}`])) as Record<Organization, string>;
  // A second operator's service keeps its users apart from the first operator's: a folder of its own.
  const dataDir = served.name === organization ? config.participants.dataDir : path.join(config.participants.dataDir, served.name);
  const service = await startParticipantsService({
    organization,
    ledger,
    ledgerKind: kind,
    ...(organization === 'wallets' && config.participants.stripe !== undefined ? { payments: new StripePaymentProvider(config.participants.stripe) } : {}),
    dataDir,
    host,
    port: served.port,
    services,
    // Only Wallets reads signed meter records (drivers' receipt proofs), so only Wallets is given that key.
    csms: { url: config.participants.csms.url, keyFile: config.participants.csms.keyFile, ...(organization === 'wallets' ? { recordsKeyFile: config.participants.csms.recordsKeyFile } : {}) },
    firstStaff: { username: `${served.name}-admin`, password: staffPassword(config.participants.dataDir, served.name), ...(organization === 'operators' && defaultParty !== undefined ? { party: defaultParty } : {}) },
    clock: { now: () => Date.now() },
    sessionTtlMs: 8 * 3_600_000,
    throttleLimits: config.participants.throttles,
    logger,
  });
  if (organization === 'wallets' && config.participants.stripe === undefined) logger.info('card top-ups are off (no STRIPE_SECRET_KEY): money comes in as bank transfers Wallets’ staff record');
  logger.info({ url: service.url, ledger: kind, mspId: served.mspId }, `participants' service of ${served.name} listening; dashboard at ${service.url}/`);
  const stop = (): void => {
    void service.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
