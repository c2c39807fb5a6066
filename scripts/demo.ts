/**
 * The demo charging session of `npm start`, on whichever ledger the stack runs (`--ledger fabric` or
 * `--ledger embedded`). Each organization sets up what it owns with its own identity: the Authority registers
 * the demo meter's key, Wallets opens and tops up the driver's wallet and links the card, the operator
 * registers the station and publishes its tariff. There are two operators, each its own organization (op-1 in
 * OperatorsMSP, op-2 in Operators2MSP, ADR 0038), each with its own CSMS, bridge and station. The same driver,
 * whose card Wallets linked, charges at op-1's station and then roams to op-2's: an OCPP 1.6 charge point with a
 * signing meter charges an EV through that operator's CSMS, its bridge settles the session, and the demo prints
 * each receipt read back from the ledger. It exits 0 only when the driver's wallet was debited by each receipt's
 * amount and each operator's payee account was credited for its own session only. Running it again reuses
 * everything the first run set up.
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

const ID_TOKEN = '04DE40DE40DE40';
const DRIVER = 'driver-demo';
const TEMPLATE = 'voltbridge-ac22-duo';
const MINUTE_MS = 60_000;
/** Less than the 15 minutes of meter clock skew the ledger allows: the demo charger runs ahead of the wall clock. */
const CHARGING_MS = 12 * MINUTE_MS;

/** One operator's station in the demo: what it registers on the ledger, and the CSMS its charger connects to. */
interface DemoStation {
  readonly operatorId: string;
  readonly identity: string;
  readonly password: string;
  readonly payee: string;
  readonly tariffId: string;
  /** Cents per kWh before VAT, so the two receipts differ. */
  readonly energyPriceMicro: number;
  readonly latMicroDeg: number;
  readonly lonMicroDeg: number;
  readonly csmsPort: number;
  /** The CSMS's admin key file, under the data folder's secrets. */
  readonly adminKeyFile: string;
  /** Names the meters' key files and state folder, apart from the other station's. */
  readonly meterFiles: string;
}

interface DemoLedger {
  readonly description: string;
  /** Each operator's own identity, by operator id. */
  readonly operators: ReadonlyMap<string, ChargingLedger>;
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
  if (kind !== 'fabric' && kind !== 'embedded') throw new Error('usage: demo.ts --ledger fabric|embedded [--operators 1|2]');
  return kind;
};

/** How many operators run: 2 unless the Fabric network was created with one operator organization. */
const operatorCount = (): 1 | 2 => {
  const at = process.argv.indexOf('--operators');
  const count = at < 0 ? '2' : process.argv[at + 1];
  if (count !== '1' && count !== '2') throw new Error('usage: demo.ts --ledger fabric|embedded [--operators 1|2]');
  return count === '1' ? 1 : 2;
};

async function openDemoLedger(kind: 'fabric' | 'embedded', operators: 1 | 2): Promise<DemoLedger> {
  const config = loadConfig();
  if (kind === 'embedded') {
    // The demo plays every organization, each with its own gateway key (a key admits its organization only).
    const url = `http://${config.embedded.host}:${config.embedded.port}`;
    const keyOf = (organization: 'Operators' | 'Operators2' | 'Wallets' | 'Authority'): string => readFileSync(config.embedded.keyFiles[organization], 'utf8').trim();
    const client = new EmbeddedGatewayClient({ url, key: keyOf('Operators'), identity: { mspId: 'OperatorsMSP', attributes: { 'chargeledger.operatorId': config.fabric.operatorId } } });
    const second = new EmbeddedGatewayClient({ url, key: keyOf('Operators2'), identity: { mspId: config.secondOperator.mspId, attributes: { 'chargeledger.operatorId': config.secondOperator.operatorId } } });
    const as = (mspId: 'WalletsMSP' | 'AuthorityMSP'): EmbeddedGatewayClient => new EmbeddedGatewayClient({ url, key: keyOf(mspId === 'WalletsMSP' ? 'Wallets' : 'Authority'), identity: { mspId } });
    return {
      description: 'the embedded ledger (one process, for trying the system; run the Fabric network for several organizations)',
      operators: new Map([
        [config.fabric.operatorId, client],
        [config.secondOperator.operatorId, second],
      ]),
      wallets: as('WalletsMSP'),
      authority: as('AuthorityMSP'),
      blockNumberOf: (transactionId) => client.blockNumberOf(transactionId),
      balanceCheck: `curl -s -H "authorization: Bearer $(cat ${config.embedded.keyFiles.Wallets})" -d '{"identity":{"mspId":"WalletsMSP"},"name":"Wallet:getAccount","request":{"accountId":"${DRIVER}"}}' http://${config.embedded.host}:${config.embedded.port}/v1/evaluate`,
      close: () => undefined,
    };
  }
  const description = await readNetworkDescription(config.fabric.networkFile);
  const operator = await connectAs(description, 'operators', 'bridge');
  const second = operators === 2 ? await connectAs(description, 'operators2', 'bridge') : undefined;
  const wallets = await connectAs(description, 'wallets', 'wallet-service');
  const authority = await connectAs(description, 'authority', 'metering-authority');
  return {
    description: `the Fabric network (channel ${description.channel}; each organization on its own peer)`,
    operators: new Map([[config.fabric.operatorId, operator.ledger], ...(second === undefined ? [] : ([[config.secondOperator.operatorId, second.ledger]] as const))]),
    wallets: wallets.ledger,
    authority: authority.ledger,
    blockNumberOf: (transactionId) => blockNumberOf(wallets.network, transactionId),
    balanceCheck: `bash network/scripts/network.sh query wallets Wallet:getAccount '{"accountId":"${DRIVER}"}'`,
    close: () => {
      operator.close();
      second?.close();
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

const tariffOf = (station: DemoStation): Tariff => ({
  id: station.tariffId,
  version: 1,
  currency: 'EUR',
  utcOffsetMinutes: 60,
  vatBasisPoints: 1900,
  elements: [
    { priceComponents: [{ type: 'FLAT', priceMicro: 350_000, stepSize: 1 }] },
    { priceComponents: [{ type: 'ENERGY', priceMicro: station.energyPriceMicro, stepSize: 1 }, { type: 'TIME', priceMicro: 600_000, stepSize: 60 }] },
  ],
});

/** The two operators' stations: op-1's (the first station of every earlier run) and op-2's, across town. */
function demoStations(config: ReturnType<typeof loadConfig>): readonly DemoStation[] {
  return [
    { operatorId: config.fabric.operatorId, identity: 'DEMO-CP-1', password: 'demo-charger-password-0001', payee: 'payee-DEMO-CP-1', tariffId: 'DEMO-AC', energyPriceMicro: 390_000, latMicroDeg: 52_520_008, lonMicroDeg: 13_404_954, csmsPort: config.csms.port, adminKeyFile: 'admin-api-key', meterFiles: 'meter' },
    { operatorId: config.secondOperator.operatorId, identity: 'DEMO2-CP-1', password: 'demo-charger-password-0002', payee: 'payee-DEMO2-CP-1', tariffId: 'DEMO2-AC', energyPriceMicro: 450_000, latMicroDeg: 52_507_930, lonMicroDeg: 13_425_560, csmsPort: config.secondOperator.csmsPort, adminKeyFile: `${config.secondOperator.operatorId}/admin-api-key`, meterFiles: `meter-${config.secondOperator.operatorId}` },
  ];
}

/** The demo meters keep their keys in the data folder, so the key the Authority registered stays theirs. */
function meterKeys(dataDir: string, station: DemoStation, count: number): KeyObject[] {
  const dir = path.join(dataDir, 'demo');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return Array.from({ length: count }, (_, i) => {
    const file = path.join(dir, `${station.meterFiles}-${i + 1}.pem`);
    if (!existsSync(file)) writeFileSync(file, generateMeterKey().export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    return meterKeyFromPem(readFileSync(file, 'utf8'));
  });
}

/**
 * Their pagination and register too: each run goes on from where the last one signed, as a real meter does,
 * since the ledger refuses a meter key's records that go back (ADR 0040).
 */
function meterStates(dataDir: string, station: DemoStation): MeterStateFiles {
  return new MeterStateFiles(path.join(dataDir, 'demo', `${station.meterFiles}-states`));
}

const operatorLedger = (ledger: DemoLedger, station: DemoStation): ChargingLedger => {
  const operator = ledger.operators.get(station.operatorId);
  if (operator === undefined) throw new Error(`the demo has no identity of operator ${station.operatorId}`);
  return operator;
};

/** What one operator owns (its payee account at Wallets, its tariff, its station) and its meter's key at the Authority. */
async function setUpStation(ledger: DemoLedger, station: DemoStation, meterPublicKey: string): Promise<void> {
  const operator = operatorLedger(ledger, station);
  const { identity, payee, tariffId } = station;
  await ensure(`Wallets opens ${station.operatorId}'s payee account ${payee}`, () => ledger.wallets.evaluate('Wallet:getAccount', { accountId: payee }), () =>
    ledger.wallets.submit('Wallet:openAccount', { eventId: eventId(), accountId: payee, kind: 'operator', ownerId: station.operatorId, currency: 'EUR' }),
  );
  await ensure(`operator ${station.operatorId} publishes tariff ${tariffId}`, () => operator.evaluate('Tariff:getTariff', { tariffId }), () => operator.submit('Tariff:publishTariff', { eventId: eventId(), tariff: tariffOf(station) }));
  await ensure(`operator ${station.operatorId} registers station ${identity}`, () => operator.evaluate('Registry:getStation', { stationId: identity }), () =>
    operator.submit('Registry:registerStation', {
      eventId: eventId(),
      stationId: identity,
      payeeAccountId: payee,
      latMicroDeg: station.latMicroDeg,
      lonMicroDeg: station.lonMicroDeg,
      evses: [1, 2].map((evse) => ({ evseId: String(evse), connectors: [{ connectorId: '1', type: 'IEC_62196_T2' as const, maxPowerW: 22_000 }] })),
      policy: { minimumHold: 500 },
      tariffId,
    }),
  );
  const meterSerial = `${identity}-M1`;
  await ensure(`the Authority registers meter ${meterSerial}'s key`, () => ledger.authority.evaluate('Registry:getMeter', { meterSerial }), () =>
    ledger.authority.submit('Registry:registerMeter', { eventId: eventId(), meterSerial, binding: { kind: 'evse', stationId: identity, evseId: '1' }, keyId: 'k1', publicKey: meterPublicKey }),
  );
  const meter = await ledger.authority.evaluate('Registry:getMeter', { meterSerial });
  if (!meter.keys.some((key) => key.status === 'current' && key.publicKey === meterPublicKey)) {
    await ledger.authority.submit('Registry:rotateMeterKey', { eventId: eventId(), meterSerial, keyId: `k${meter.keys.length + 1}`, publicKey: meterPublicKey });
    console.log(`  the Authority rotates meter ${meterSerial} to the demo meter's key: done`);
  }
}

/** The driver's wallet and card, at Wallets: one card for every operator's stations. */
async function setUpDriver(ledger: DemoLedger): Promise<void> {
  const wallets = { endorsingOrganizations: ['WalletsMSP'] };
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
  if (account.available < 4000) {
    await ledger.wallets.submit('Wallet:topUp', { eventId: eventId(), accountId: DRIVER, amount: 5000, reference: `bank:demo-${Date.now()}` });
    console.log(`  Wallets records a bank transfer of 50.00 EUR to ${DRIVER}: done`);
  }
}

async function waitForReceipt(operator: ChargingLedger, sessionId: string): Promise<Receipt> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      return await operator.evaluate('Session:getReceipt', { sessionId });
    } catch (error) {
      if (!(error instanceof LedgerRefusal && error.code === 'NOT_FOUND') || Date.now() > deadline) throw error;
    }
    await sleep(250);
  }
}

const euros = (minor: number): string => `${(minor / 100).toFixed(2)} EUR`;

const balanceOf = async (ledger: DemoLedger, accountId: string): Promise<number> => (await ledger.wallets.evaluate('Wallet:getAccount', { accountId })).balance;

/** The station's simulated charger, with its signing meters (their keys kept in the data folder), on its own clock. */
interface DemoCharger {
  readonly cp: ReturnType<typeof createChargePoint>;
  readonly clock: ManualClock;
}

function chargerOf(station: DemoStation, config: ReturnType<typeof loadConfig>): DemoCharger {
  const clock = new ManualClock(Date.now());
  const cp = createChargePoint({ protocol: '1.6', identity: station.identity, endpoint: `ws://${config.csms.host}:${station.csmsPort}/ocpp`, password: station.password, template: TEMPLATE, clock, meterKeys: meterKeys(config.dataDir, station, 2), meterStates: meterStates(config.dataDir, station) });
  return { cp, clock };
}

/** One charging session at a station, through its operator's CSMS; the receipt as the ledger holds it. */
async function chargeAt(ledger: DemoLedger, stations: readonly DemoStation[], station: DemoStation, { cp, clock }: DemoCharger, config: ReturnType<typeof loadConfig>): Promise<boolean> {
  const base = `http://${config.csms.host}:${station.csmsPort}`;
  const adminKey = readFileSync(path.join(config.dataDir, 'secrets', station.adminKeyFile), 'utf8').trim();
  const call = async (method: string, route: string, body: object, accept: readonly number[]): Promise<void> => {
    const response = await fetch(`${base}${route}`, { method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok && !accept.includes(response.status)) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  };
  {
    console.log(`\nOperator ${station.operatorId} (its own organization, CSMS on port ${station.csmsPort}):`);
    await call('POST', '/api/chargers', { identity: station.identity, password: station.password }, [409]);
    // The card is listed in each operator's token registry; whether the driver's wallet covers the station's hold is the ledger's answer.
    await call('PUT', `/api/id-tokens/${ID_TOKEN}`, { accountId: DRIVER }, []);
    const payees = new Map(await Promise.all(stations.map(async (each) => [each.payee, await balanceOf(ledger, each.payee)] as const)));
    const before = await balanceOf(ledger, DRIVER);

    await clock.advance(Math.max(0, Date.now() - clock.now()));
    console.log(`charger ${station.identity} (OCPP 1.6) connects: ${await cp.connect()}`);
    await cp.plugIn(1, { batteryCapacityWh: 60_000, initialSocPercent: 25, maxPowerW: 11_000 });
    const start = await cp.authorizeAndStart(ID_TOKEN);
    if (!start.accepted) throw new Error(`${station.operatorId}'s CSMS refused the demo card: ${start.status}`);
    const sessionId = `${station.identity}-${start.transactionId}`;
    console.log(`session ${sessionId} started on EVSE ${start.evseId}; charging for ${CHARGING_MS / MINUTE_MS} simulated minutes`);
    await cp.advance(CHARGING_MS);
    const stop = await cp.stop('EVDisconnected');
    await cp.settle();
    console.log(`session stopped: the meter signed ${stop.energyWh} Wh; waiting for the ledger to settle it`);

    const receipt = await waitForReceipt(operatorLedger(ledger, station), sessionId);
    const block = await ledger.blockNumberOf(receipt.txId);
    const after = await balanceOf(ledger, DRIVER);
    console.log(`Receipt of ${station.operatorId}, read back from the ledger:`);
    console.log(`  session        ${receipt.sessionId} at ${receipt.stationId}, EVSE ${receipt.evseId}`);
    console.log(`  energy         ${receipt.energyWh} Wh (${receipt.verification}: meter ${receipt.meterSerial ?? '-'}, key ${receipt.meterKeyId ?? '-'})`);
    console.log(`  tariff         ${receipt.tariffId} version ${receipt.tariffVersion}`);
    console.log(`  amount charged ${euros(receipt.charged)} (priced ${euros(receipt.priced)}, net ${euros(receipt.totalNet)} + VAT ${euros(receipt.totalVat)}; hold ${euros(receipt.holdAmount)}, released ${euros(receipt.released)})`);
    console.log(`  transaction    ${receipt.txId}`);
    console.log(`  block          ${block ?? 'unknown'}`);
    console.log(`  driver balance ${euros(before)} before, ${euros(after)} after (as the Wallets organization reads it)`);
    console.log(`  check it       ${ledger.balanceCheck}`);
    console.log(`  verify it      npm run verify -- ${sessionId}   (the blocks, signatures, meter records and price, checked without trusting this operator)`);
    if (!(receipt.charged > 0 && after === before - receipt.charged)) {
      console.error(`\nthe driver's wallet was not debited by the receipt's amount (${before} → ${after}, charged ${receipt.charged})`);
      return false;
    }
    // The session pays this station's operator, and no other operator.
    for (const [payee, earlier] of payees) {
      const now = await balanceOf(ledger, payee);
      const paid = now > earlier;
      console.log(`  payee ${payee.padEnd(17)} ${euros(earlier)} before, ${euros(now)} after`);
      if (paid !== (payee === station.payee)) {
        console.error(`\n${payee} was ${paid ? '' : 'not '}credited for ${station.operatorId}'s session`);
        return false;
      }
    }
    return true;
  }
}

async function main(): Promise<number> {
  const config = loadConfig();
  const operators = operatorCount();
  const ledger = await openDemoLedger(ledgerKind(), operators);
  const stations = demoStations(config).slice(0, operators);
  const chargers = stations.map((station) => chargerOf(station, config));
  try {
    console.log(`Ledger: ${ledger.description}`);
    console.log('Each organization sets up what it owns, with its own identity:');
    await setUpDriver(ledger);
    for (const [i, station] of stations.entries()) await setUpStation(ledger, station, (chargers[i] as DemoCharger).cp.meterPublicKey(1));
    for (const [i, station] of stations.entries()) {
      if (!(await chargeAt(ledger, stations, station, chargers[i] as DemoCharger, config))) return 1;
    }
    console.log(`\nThe driver's wallet was debited at ${stations.length} operator${stations.length === 1 ? "'s station" : "s' stations"} on ${ledger.description.split(' (')[0]}; each operator was paid for its own session.`);
    return 0;
  } finally {
    for (const { cp } of chargers) await cp.close();
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
