/**
 * The demo charging session of `npm start`, on whichever ledger the stack runs (`--ledger fabric` or
 * `--ledger embedded`). Each organization sets up what it owns with its own identity: the Authority registers
 * the demo meter's key, Wallets opens and tops up the driver's wallet and links the card, the operator
 * registers the station and publishes its tariff. Then an OCPP 1.6 charge point with a signing meter charges
 * an EV through the running CSMS, the bridge settles the session, and the demo prints the receipt read back
 * from the ledger. It exits 0 only when the driver's wallet was really debited by the receipt's amount.
 * Running it again reuses everything the first run set up.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TRANSIENT_KEYS, type Receipt } from '@chargeledger/chaincode/api';
import type { Tariff } from '@chargeledger/chaincode/pricing';
import { loadConfig } from '@chargeledger/config';
import { EmbeddedGatewayClient } from '@chargeledger/embedded-ledger';
import { blockNumberOf, type ChargingLedger, connectAs, ensureTokenPepper, LedgerRefusal, linkCard, readNetworkDescription } from '@chargeledger/ledger-client';
import { createChargePoint, generateMeterKey, ManualClock, meterKeyFromPem, MeterStateFiles } from '@chargeledger/simulators';

const IDENTITY = 'DEMO-CP-1';
const PASSWORD = 'demo-charger-password-0001';
const ID_TOKEN = '04DE40DE40DE40';
const DRIVER = 'driver-demo';
const PAYEE = 'payee-DEMO-CP-1';
const TARIFF_ID = 'DEMO-AC';
const TEMPLATE = 'voltbridge-ac22-duo';
const MINUTE_MS = 60_000;
/** Less than the 15 minutes of meter clock skew the ledger allows: the demo charger runs ahead of the wall clock. */
const CHARGING_MS = 12 * MINUTE_MS;

interface DemoLedger {
  readonly description: string;
  readonly operator: ChargingLedger;
  readonly wallets: ChargingLedger;
  readonly authority: ChargingLedger;
  blockNumberOf(transactionId: string): Promise<number | undefined>;
  /** How a person checks the balance without this demo. */
  readonly balanceCheck: string;
  close(): void;
}

const ledgerKind = (): 'fabric' | 'embedded' => {
  const at = process.argv.indexOf('--ledger');
  const kind = at < 0 ? undefined : process.argv[at + 1];
  if (kind !== 'fabric' && kind !== 'embedded') throw new Error('usage: demo.ts --ledger fabric|embedded');
  return kind;
};

async function openDemoLedger(kind: 'fabric' | 'embedded'): Promise<DemoLedger> {
  const config = loadConfig();
  if (kind === 'embedded') {
    // The demo plays every organization, each with its own gateway key (a key admits its organization only).
    const url = `http://${config.embedded.host}:${config.embedded.port}`;
    const keyOf = (organization: 'Operators' | 'Wallets' | 'Authority'): string => readFileSync(config.embedded.keyFiles[organization], 'utf8').trim();
    const client = new EmbeddedGatewayClient({ url, key: keyOf('Operators'), identity: { mspId: 'OperatorsMSP', attributes: { 'chargeledger.operatorId': config.fabric.operatorId } } });
    const as = (mspId: 'WalletsMSP' | 'AuthorityMSP'): EmbeddedGatewayClient => new EmbeddedGatewayClient({ url, key: keyOf(mspId === 'WalletsMSP' ? 'Wallets' : 'Authority'), identity: { mspId } });
    return {
      description: 'the embedded ledger (one process, for trying the system; run the Fabric network for several organizations)',
      operator: client,
      wallets: as('WalletsMSP'),
      authority: as('AuthorityMSP'),
      blockNumberOf: (transactionId) => client.blockNumberOf(transactionId),
      balanceCheck: `curl -s -H "authorization: Bearer $(cat ${config.embedded.keyFiles.Wallets})" -d '{"identity":{"mspId":"WalletsMSP"},"name":"Wallet:getAccount","request":{"accountId":"${DRIVER}"}}' http://${config.embedded.host}:${config.embedded.port}/v1/evaluate`,
      close: () => undefined,
    };
  }
  const description = await readNetworkDescription(config.fabric.networkFile);
  const operator = await connectAs(description, 'operators', 'bridge');
  const wallets = await connectAs(description, 'wallets', 'wallet-service');
  const authority = await connectAs(description, 'authority', 'metering-authority');
  return {
    description: `the Fabric network (channel ${description.channel}; each organization on its own peer)`,
    operator: operator.ledger,
    wallets: wallets.ledger,
    authority: authority.ledger,
    blockNumberOf: (transactionId) => blockNumberOf(wallets.network, transactionId),
    balanceCheck: `bash network/scripts/network.sh query wallets Wallet:getAccount '{"accountId":"${DRIVER}"}'`,
    close: () => {
      operator.close();
      wallets.close();
      authority.close();
    },
  };
}

const eventId = (): string => `demo-${randomBytes(8).toString('hex')}`;

/** Runs a setup step unless the ledger already has what it makes. */
async function ensure(what: string, exists: () => Promise<unknown>, make: () => Promise<unknown>): Promise<void> {
  try {
    await exists();
    console.log(`  ${what}: already on the ledger`);
    return;
  } catch (error) {
    if (!(error instanceof LedgerRefusal && error.code === 'NOT_FOUND')) throw error;
  }
  await make();
  console.log(`  ${what}: done`);
}

const TARIFF: Tariff = {
  id: TARIFF_ID,
  version: 1,
  currency: 'EUR',
  utcOffsetMinutes: 60,
  vatBasisPoints: 1900,
  elements: [
    { priceComponents: [{ type: 'FLAT', priceMicro: 350_000, stepSize: 1 }] },
    { priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }, { type: 'TIME', priceMicro: 600_000, stepSize: 60 }] },
  ],
};

/** The demo meters keep their keys in the data folder, so the key the Authority registered stays theirs. */
function meterKeys(dataDir: string, count: number): KeyObject[] {
  const dir = path.join(dataDir, 'demo');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return Array.from({ length: count }, (_, i) => {
    const file = path.join(dir, `meter-${i + 1}.pem`);
    if (!existsSync(file)) writeFileSync(file, generateMeterKey().export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    return meterKeyFromPem(readFileSync(file, 'utf8'));
  });
}

/**
 * Their pagination and register too: each run goes on from where the last one signed, as a real meter does,
 * since the ledger refuses a meter key's records that go back (ADR 0040).
 */
function meterStates(dataDir: string): MeterStateFiles {
  return new MeterStateFiles(path.join(dataDir, 'demo', 'meter-states'));
}

async function setUp(ledger: DemoLedger, meterPublicKey: string): Promise<void> {
  const wallets = { endorsingOrganizations: ['WalletsMSP'] };
  console.log('Each organization sets up what it owns, with its own identity:');
  await ensure(`Wallets opens the station's payee account ${PAYEE}`, () => ledger.wallets.evaluate('Wallet:getAccount', { accountId: PAYEE }), () =>
    ledger.wallets.submit('Wallet:openAccount', { eventId: eventId(), accountId: PAYEE, kind: 'operator', ownerId: loadConfig().fabric.operatorId, currency: 'EUR' }),
  );
  await ensure(`the operator publishes tariff ${TARIFF_ID}`, () => ledger.operator.evaluate('Tariff:getTariff', { tariffId: TARIFF_ID }), () => ledger.operator.submit('Tariff:publishTariff', { eventId: eventId(), tariff: TARIFF }));
  await ensure(`the operator registers station ${IDENTITY}`, () => ledger.operator.evaluate('Registry:getStation', { stationId: IDENTITY }), () =>
    ledger.operator.submit('Registry:registerStation', {
      eventId: eventId(),
      stationId: IDENTITY,
      payeeAccountId: PAYEE,
      latMicroDeg: 52_520_008,
      lonMicroDeg: 13_404_954,
      evses: [1, 2].map((evse) => ({ evseId: String(evse), connectors: [{ connectorId: '1', type: 'IEC_62196_T2' as const, maxPowerW: 22_000 }] })),
      policy: { minimumHold: 500 },
      tariffId: TARIFF_ID,
    }),
  );
  const meterSerial = `${IDENTITY}-M1`;
  await ensure(`the Authority registers meter ${meterSerial}'s key`, () => ledger.authority.evaluate('Registry:getMeter', { meterSerial }), () =>
    ledger.authority.submit('Registry:registerMeter', { eventId: eventId(), meterSerial, binding: { kind: 'evse', stationId: IDENTITY, evseId: '1' }, keyId: 'k1', publicKey: meterPublicKey }),
  );
  const meter = await ledger.authority.evaluate('Registry:getMeter', { meterSerial });
  if (!meter.keys.some((key) => key.status === 'current' && key.publicKey === meterPublicKey)) {
    await ledger.authority.submit('Registry:rotateMeterKey', { eventId: eventId(), meterSerial, keyId: `k${meter.keys.length + 1}`, publicKey: meterPublicKey });
    console.log(`  the Authority rotates meter ${meterSerial} to the demo meter's key: done`);
  }
  await ensure(`Wallets opens driver account ${DRIVER}`, () => ledger.wallets.evaluate('Wallet:getAccount', { accountId: DRIVER }), () =>
    ledger.wallets.submit('Wallet:openAccount', { eventId: eventId(), accountId: DRIVER, kind: 'driver', currency: 'EUR', sessionLimit: 2000 }),
  );
  const cardLinked = async (): Promise<unknown> => {
    try {
      return await ledger.wallets.evaluate('Wallet:resolveIdToken', {}, { ...wallets, transient: { [TRANSIENT_KEYS.idToken]: ID_TOKEN } });
    } catch (error) {
      // No pepper yet, or a card the ledger does not know: either way it is to be linked.
      if (error instanceof LedgerRefusal && (error.code === 'INVALID_STATE' || error.code === 'ID_TOKEN_REJECTED')) throw new LedgerRefusal({ code: 'NOT_FOUND', reason: error.reason, cause: error });
      throw error;
    }
  };
  await ensure(`Wallets links the driver's card to ${DRIVER}`, cardLinked, async () => {
    await ledger.wallets.submit('Wallet:setDriverProfile', { eventId: eventId(), accountId: DRIVER }, { ...wallets, transient: { [TRANSIENT_KEYS.driverProfile]: JSON.stringify({ name: 'Demo Driver', email: 'driver@example.org', salt: randomBytes(16).toString('hex') }) } });
    await ensureTokenPepper(ledger.wallets, eventId());
    await linkCard(ledger.wallets, { accountId: DRIVER, idToken: ID_TOKEN, tokenRef: 'card-1', eventIds: [eventId(), eventId()] });
  });
  const account = await ledger.wallets.evaluate('Wallet:getAccount', { accountId: DRIVER });
  if (account.available < 2000) {
    await ledger.wallets.submit('Wallet:topUp', { eventId: eventId(), accountId: DRIVER, amount: 5000, reference: `bank:demo-${Date.now()}` });
    console.log(`  Wallets records a bank transfer of 50.00 EUR to ${DRIVER}: done`);
  }
}

async function waitForReceipt(ledger: DemoLedger, sessionId: string): Promise<Receipt> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      return await ledger.operator.evaluate('Session:getReceipt', { sessionId });
    } catch (error) {
      if (!(error instanceof LedgerRefusal && error.code === 'NOT_FOUND') || Date.now() > deadline) throw error;
    }
    await sleep(250);
  }
}

const euros = (minor: number): string => `${(minor / 100).toFixed(2)} EUR`;

async function main(): Promise<number> {
  const config = loadConfig();
  const ledger = await openDemoLedger(ledgerKind());
  const base = `http://${config.csms.host}:${config.csms.port}`;
  const adminKey = readFileSync(path.join(config.dataDir, 'secrets', 'admin-api-key'), 'utf8').trim();
  const call = async (method: string, route: string, body: object, accept: readonly number[]): Promise<void> => {
    const response = await fetch(`${base}${route}`, { method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok && !accept.includes(response.status)) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  };
  const clock = new ManualClock(Date.now());
  const cp = createChargePoint({ protocol: '1.6', identity: IDENTITY, endpoint: `ws://${config.csms.host}:${config.csms.port}/ocpp`, password: PASSWORD, template: TEMPLATE, clock, meterKeys: meterKeys(config.dataDir, 2), meterStates: meterStates(config.dataDir) });
  try {
    console.log(`Ledger: ${ledger.description}`);
    await setUp(ledger, cp.meterPublicKey(1));
    await call('POST', '/api/chargers', { identity: IDENTITY, password: PASSWORD }, [409]);
    await call('PUT', `/api/id-tokens/${ID_TOKEN}`, { accountId: DRIVER }, []);
    const before = await ledger.wallets.evaluate('Wallet:getAccount', { accountId: DRIVER });

    await clock.advance(Math.max(0, Date.now() - clock.now()));
    console.log(`\ncharger ${IDENTITY} (OCPP 1.6) connects: ${await cp.connect()}`);
    await cp.plugIn(1, { batteryCapacityWh: 60_000, initialSocPercent: 25, maxPowerW: 11_000 });
    const start = await cp.authorizeAndStart(ID_TOKEN);
    if (!start.accepted) throw new Error(`the CSMS refused the demo card: ${start.status}`);
    const sessionId = `${IDENTITY}-${start.transactionId}`;
    console.log(`session ${sessionId} started on EVSE ${start.evseId}; charging for ${CHARGING_MS / MINUTE_MS} simulated minutes`);
    await cp.advance(CHARGING_MS);
    const stop = await cp.stop('EVDisconnected');
    await cp.settle();
    console.log(`session stopped: the meter signed ${stop.energyWh} Wh; waiting for the ledger to settle it`);

    const receipt = await waitForReceipt(ledger, sessionId);
    const block = await ledger.blockNumberOf(receipt.txId);
    const after = await ledger.wallets.evaluate('Wallet:getAccount', { accountId: DRIVER });
    console.log('\nReceipt, read back from the ledger:');
    console.log(`  session        ${receipt.sessionId} at ${receipt.stationId}, EVSE ${receipt.evseId}`);
    console.log(`  energy         ${receipt.energyWh} Wh (${receipt.verification}: meter ${receipt.meterSerial ?? '-'}, key ${receipt.meterKeyId ?? '-'})`);
    console.log(`  tariff         ${receipt.tariffId} version ${receipt.tariffVersion}`);
    console.log(`  amount charged ${euros(receipt.charged)} (priced ${euros(receipt.priced)}, net ${euros(receipt.totalNet)} + VAT ${euros(receipt.totalVat)}; hold ${euros(receipt.holdAmount)}, released ${euros(receipt.released)})`);
    console.log(`  transaction    ${receipt.txId}`);
    console.log(`  block          ${block ?? 'unknown'}`);
    console.log(`  driver balance ${euros(before.balance)} before, ${euros(after.balance)} after (as the Wallets organization reads it)`);
    console.log(`  check it       ${ledger.balanceCheck}`);
    console.log(`  verify it      npm run verify -- ${sessionId}   (the blocks, signatures, meter records and price, checked without trusting this operator)`);
    const debited = receipt.charged > 0 && after.balance === before.balance - receipt.charged;
    if (!debited) {
      console.error(`\nthe driver's wallet was not debited by the receipt's amount (${before.balance} → ${after.balance}, charged ${receipt.charged})`);
      return 1;
    }
    console.log(`\nThe driver's wallet was debited ${euros(receipt.charged)} on ${ledger.description.split(' (')[0]}.`);
    return 0;
  } finally {
    await cp.close();
    ledger.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
