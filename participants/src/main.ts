/**
 * Composition root of one organization's participants' service: `PARTICIPANTS_ORG=wallets|operators|prosumers|authority`,
 * on the ledger given with `--ledger fabric|embedded` (otherwise CHARGELEDGER_LEDGER; `auto` means Fabric when
 * the network's description exists). The first member of staff is `<org>-admin`, with a password made once and
 * kept (mode 600) in the participants' folder.
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

function staffPassword(dir: string, organization: Organization): string {
  const file = path.join(dir, `${organization}-admin-password`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  const config = loadConfig();
  const organization = config.participants.organization;
  if (organization === undefined) throw new Error(`set PARTICIPANTS_ORG to one of ${ORGANIZATIONS.join(', ')}`);
  const logger = pino({ level: config.logLevel, base: { service: `participants-${organization}` } });
  // Users' password hashes, names and the ids they own: 700/600 (umask 077) from their creation.
  const repaired = protectDataDir(config.dataDir);
  if (repaired.length > 0) logger.warn({ paths: repaired.length, dataDir: config.dataDir }, 'made files of the data folder readable by their owner only');
  const kind = ledgerKind(config.ledger, config.fabric.networkFile);
  const defaultParty = { operators: config.fabric.operatorId, prosumers: 'pro-1', wallets: undefined, authority: undefined }[organization];
  let ledger: OrganizationLedger;
  if (kind === 'embedded') {
    // This organization's key only: it admits this organization's identities and no other's.
    const keyFile = config.embedded.keyFiles[EMBEDDED_KEY_OF[organization]];
    const client = new EmbeddedGatewayClient({ url: `http://${config.embedded.host}:${config.embedded.port}`, key: readFileSync(keyFile, 'utf8').trim(), identity: { mspId: ORGANIZATION_MSP[organization] } });
    ledger = embeddedOrganizationLedger(client, organization, defaultParty);
  } else {
    const run = promisify(execFile);
    ledger = await fabricOrganizationLedger({
      organization,
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
  const service = await startParticipantsService({
    organization,
    ledger,
    ledgerKind: kind,
    ...(organization === 'wallets' && config.participants.stripe !== undefined ? { payments: new StripePaymentProvider(config.participants.stripe) } : {}),
    dataDir: config.participants.dataDir,
    host,
    port: ports[organization],
    services,
    // Only Wallets reads signed meter records (drivers' receipt proofs), so only Wallets is given that key.
    csms: { url: config.participants.csms.url, keyFile: config.participants.csms.keyFile, ...(organization === 'wallets' ? { recordsKeyFile: config.participants.csms.recordsKeyFile } : {}) },
    firstStaff: { username: `${organization}-admin`, password: staffPassword(config.participants.dataDir, organization), ...(organization === 'operators' ? { party: config.fabric.operatorId } : {}) },
    clock: { now: () => Date.now() },
    sessionTtlMs: 8 * 3_600_000,
    throttleLimits: config.participants.throttles,
    logger,
  });
  if (organization === 'wallets' && config.participants.stripe === undefined) logger.info('card top-ups are off (no STRIPE_SECRET_KEY): money comes in as bank transfers Wallets’ staff record');
  logger.info({ url: service.url, ledger: kind }, `participants' service of ${organization} listening; dashboard at ${service.url}/`);
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
