import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChargingLedger, connectAs, LedgerUnavailable, type NetworkDescription, readNetworkDescription } from '@chargeledger/ledger-client';
import { type Outcome, applyEvent } from '@chargeledger/ledger-bridge';
import { fabricBlockSource, gatherFabricProof, verifyProof } from '@chargeledger/verifier';
import type { SessionEnded, SessionStarted } from '@chargeledger/ledger-queue';
import { loadTemplate } from '@chargeledger/simulators';
import { aDriverWithCard, anAcTariff, eventId, uniqueId } from '../../../support/ledger/deployment';
import { ledgerEvses } from '@chargeledger/simulators';

/**
 * One organization's application on its own host of the multi-host suite: it connects to its own peer with an
 * identity of its own (<data>/fabric/network.json, written by org.sh) and prints what it did as one JSON line.
 * Nothing here reads another organization's files; what one party needs from another (an account id, a
 * station id) is passed on the command line, as the organizations would tell each other.
 *
 *   party.ts ORG IDENTITY COMMAND JSON
 */

type Command = (ledger: ChargingLedger, args: Record<string, unknown>, context: { readonly description: NetworkDescription; readonly organization: string; readonly identity: string }) => Promise<unknown>;

const str = (args: Record<string, unknown>, name: string): string => {
  const value = args[name];
  if (typeof value !== 'string') throw new Error(`argument ${name} is missing`);
  return value;
};

/** Submits, retrying what did not reach a verdict (an unreachable peer or orderer, an MVCC conflict): the same event id each time, so a retry never applies twice. */
async function withRetries<T>(call: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof LedgerUnavailable) || attempt >= attempts) throw error;
      await sleep(500);
    }
  }
}

/**
 * The ledger with every call retried while it did not reach a verdict: right after the channel is made, or with
 * an orderer down, the gateway may find too few orderers to accept a transaction. A call's request (its event
 * id) is built once, so a retry is the same transaction again.
 */
function retrying(ledger: ChargingLedger): ChargingLedger {
  return {
    submit: (name, request, options) => withRetries(() => ledger.submit(name, request, options)),
    evaluate: (name, request, options) => withRetries(() => ledger.evaluate(name, request, options)),
  } as ChargingLedger;
}

/** One session, opened and closed with unsigned readings (the Authority allowed them for the station). */
async function settleOne(ledger: ChargingLedger, stationId: string, idToken: string, n: number, startMs: number): Promise<Outcome> {
  const transactionId = String(n);
  const sessionId = `${stationId}-${transactionId}`;
  const common = { sessionId, chargerId: stationId, ocppTransactionId: transactionId, protocol: '2.0.1' as const };
  const startedAt = new Date(startMs).toISOString();
  const started: SessionStarted = { kind: 'SessionStarted', eventId: `started.${sessionId}`, ...common, evseId: 1, connectorId: 1, idToken, startedAt, meterStartWh: 0, evidence: [] };
  const opened = await withRetries(() => applyEvent(ledger, started));
  if (opened.kind !== 'session-opened') return opened;
  const ended: SessionEnded = { kind: 'SessionEnded', eventId: `ended.${sessionId}`, ...common, startedAt, meterStartWh: 0, endedAt: new Date(startMs + 60_000).toISOString(), meterStopWh: 1_000 + n, reason: 'Local', evidence: [] };
  return withRetries(() => applyEvent(ledger, ended));
}

const commands: Readonly<Record<string, Command>> = {
  /** Authority: admits an operator, bound to its organization (ADR 0038); Wallets co-endorses by the chaincode's policy. */
  'admit-operator': async (ledger, args) => {
    const operatorId = str(args, 'operatorId');
    await ledger.submit('Registry:admitOperator', { eventId: `admit-operator-${operatorId}`, operatorId, mspId: str(args, 'mspId') });
    return { operatorId };
  },
  /** Wallets: the operator's payee account and a driver with money and a linked card. */
  'wallets-setup': async (ledger) => {
    const payeeAccountId = uniqueId('payee-op-1');
    await ledger.submit('Wallet:openAccount', { eventId: eventId(), accountId: payeeAccountId, kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
    const driver = await aDriverWithCard({ party: () => ledger }, { topUp: 10_000_000, sessionLimit: 2_000 });
    return { payeeAccountId, driver };
  },
  /** Wallets: the payee account of an operator the Authority admitted. */
  'open-payee': async (ledger, args) => {
    const operatorId = str(args, 'operatorId');
    const payeeAccountId = uniqueId(`payee-${operatorId}`);
    await ledger.submit('Wallet:openAccount', { eventId: eventId(), accountId: payeeAccountId, kind: 'operator', ownerId: operatorId, currency: 'EUR' });
    return { payeeAccountId };
  },
  /** Operators: its tariff and a station (of the id given, or a new one) paying into the payee account Wallets opened. */
  'operator-setup': async (ledger, args) => {
    const tariff = anAcTariff();
    const stationId = typeof args['stationId'] === 'string' ? args['stationId'] : uniqueId('MH');
    await ledger.submit('Tariff:publishTariff', { eventId: eventId(), tariff });
    const evses = ledgerEvses(loadTemplate('voltbridge-ac22-duo'));
    await ledger.submit('Registry:registerStation', { eventId: eventId(), stationId, payeeAccountId: str(args, 'payeeAccountId'), latMicroDeg: 52_520_008, lonMicroDeg: 13_404_954, evses, policy: { minimumHold: 500 }, tariffId: tariff.id });
    return { stationId };
  },
  /** Authority: the station's meter, and its permission to settle the station's unsigned readings. */
  'authority-setup': async (ledger, args) => {
    const stationId = str(args, 'stationId');
    const publicKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
    await ledger.submit('Registry:registerMeter', { eventId: eventId(), meterSerial: `${stationId}-M1`, binding: { kind: 'evse', stationId, evseId: '1' }, keyId: 'k1', publicKey });
    await ledger.submit('Registry:allowUnsignedMeterData', { eventId: eventId(), stationId, validUntilMs: Date.now() + 86_400_000, maxEnergyWh: 100_000, maxPowerW: 22_000 });
    return { meterSerial: `${stationId}-M1` };
  },
  /** Authority: a meter of a station's first EVSE with the public key its charger reported (signed readings). */
  'register-meter': async (ledger, args) => {
    const stationId = str(args, 'stationId');
    const meterSerial = str(args, 'meterSerial');
    await ledger.submit('Registry:registerMeter', { eventId: eventId(), meterSerial, binding: { kind: 'evse', stationId, evseId: '1' }, keyId: 'k1', publicKey: str(args, 'publicKey') });
    return { meterSerial };
  },
  /**
   * Operators, as its bridge: sessions from `first` on, one after another, until `count` are done or the file
   * `stopFile` appears; each one's outcome. Every end is applied a second time (a redelivered event).
   */
  settle: async (ledger, args) => {
    const stationId = str(args, 'stationId');
    const idToken = str(args, 'idToken');
    const first = Number(args['first'] ?? 1);
    const count = Number(args['count'] ?? Number.MAX_SAFE_INTEGER);
    const stopFile = typeof args['stopFile'] === 'string' ? args['stopFile'] : undefined;
    const progressFile = typeof args['progressFile'] === 'string' ? args['progressFile'] : undefined;
    const outcomes: Outcome[] = [];
    /** Each session's open and settlement, both committed, in milliseconds. */
    const settleMs: number[] = [];
    for (let n = first; n < first + count; n++) {
      if (stopFile !== undefined && existsSync(stopFile)) break;
      // A session starts now: after the tariff was published, as the ledger requires.
      const startMs = Date.now();
      const outcome = await settleOne(ledger, stationId, idToken, n, startMs);
      settleMs.push(Date.now() - startMs);
      outcomes.push(outcome);
      if (outcome.kind === 'session-settled') outcomes.push(await settleOne(ledger, stationId, idToken, n, startMs));
      if (progressFile !== undefined) writeFileSync(progressFile, String(outcomes.length));
    }
    return { outcomes, settleMs };
  },
  /** Anyone: a session as the ledger has it, and its receipt. */
  session: async (ledger, args) => {
    const sessionId = str(args, 'sessionId');
    return { session: await ledger.evaluate('Session:getSession', { sessionId }), receipt: await ledger.evaluate('Session:getReceipt', { sessionId }) };
  },
  /**
   * A receipt's proof as `npm run verify` gathers it, from this organization's own peer and the peer of the
   * organization named (its public endpoint and TLS CA only), and the verifier's verdict on it.
   */
  'verify-receipt': async (ledger, args, { description, organization, identity }) => {
    const sessionId = str(args, 'sessionId');
    const other = args['otherPeer'] as { organization: string; mspId: string; peerEndpoint: string; hostAlias: string; tlsCaFile: string };
    const { txId } = await ledger.evaluate('Session:getReceipt', { sessionId });
    const both: NetworkDescription = { ...description, organizations: { ...description.organizations, [other.organization]: { ...other, identities: {} } } };
    const sources = [await fabricBlockSource(both, organization, organization, identity), await fabricBlockSource(both, other.organization, organization, identity)];
    try {
      return verifyProof(await gatherFabricProof({ channel: both.channel, chaincode: both.chaincode, sessionId, transactionId: txId, sources, ocmfRecords: [] }));
    } finally {
      for (const source of sources) source.close();
    }
  },
  account: async (ledger, args) => ledger.evaluate('Wallet:getAccount', { accountId: str(args, 'accountId') }),
  /** Wallets: a top-up endorsed by exactly the organizations named (a majority, Wallets among them). */
  'endorsed-top-up': async (ledger, args) => {
    const accountId = str(args, 'accountId');
    const organizations = args['organizations'] as string[];
    await ledger.submit('Wallet:topUp', { eventId: eventId(), accountId, amount: 1, reference: uniqueId('psp') }, { endorsingOrganizations: organizations });
    // The submit returned once Wallets' own peer committed; the last organization's peer commits the block a moment later.
    const committed = await ledger.evaluate('Wallet:getAccount', { accountId });
    for (let attempt = 0; ; attempt++) {
      const there = await ledger.evaluate('Wallet:getAccount', { accountId }, { endorsingOrganizations: [organizations[organizations.length - 1] as string] });
      if (there.seq >= committed.seq || attempt >= 30) return there;
      await sleep(500);
    }
  },
};

async function main(): Promise<void> {
  const [organization, identity, name, json] = process.argv.slice(2);
  const command = name === undefined ? undefined : commands[name];
  if (organization === undefined || identity === undefined || command === undefined) {
    throw new Error(`usage: party.ts ORG IDENTITY (${Object.keys(commands).join('|')}) JSON`);
  }
  const dataDir = process.env['CHARGELEDGER_DATA_DIR'];
  if (dataDir === undefined) throw new Error('CHARGELEDGER_DATA_DIR names this host\'s data folder');
  const description = await readNetworkDescription(path.join(dataDir, 'fabric', 'network.json'));
  const connection = await connectAs(description, organization, identity);
  try {
    const result = await command(retrying(connection.ledger), JSON.parse(json ?? '{}') as Record<string, unknown>, { description, organization, identity });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
