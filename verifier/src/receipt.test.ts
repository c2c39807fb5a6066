import type { Verification } from '@chargeledger/chaincode/api';
import { evidenceHash } from '@chargeledger/chaincode/ocmf';
import { priceMeasurement, type Tariff } from '@chargeledger/chaincode/pricing';
import { TestMeter } from '@chargeledger/chaincode/testing';
import { compositeKey, type CommittedTransaction, type KeyVersion } from './ledger-view';
import { checkReceipt } from './receipt';
import { formatMoney } from './render';
import { CheckList } from './verdict';

/**
 * The business checks on transactions whose signatures already hold: what a settlement must have written,
 * which endorsers it needs, which meter key was in force, and what the price must be.
 */

const ORGS = ['AuthorityMSP', 'OperatorsMSP', 'ProsumersMSP', 'WalletsMSP'];
const START = Date.UTC(2026, 5, 1, 10, 0, 0);
const END = START + 30 * 60_000;
const SETTLED = END + 60_000;
const TARIFF: Tariff = {
  id: 'AC',
  version: 2,
  currency: 'EUR',
  utcOffsetMinutes: 0,
  vatBasisPoints: 1900,
  elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 400_000, stepSize: 1 }] }],
};

const meter = new TestMeter('M-1');
const records = meter.session({ timeMs: START, registerWh: 10_000 }, { timeMs: END, registerWh: 15_500 });
const price = priceMeasurement(TARIFF, { startMs: START, endMs: END, energyWh: 5_500 }).total;

const identity = (mspId: string) => ({ mspId, certificate: '' });
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

interface World {
  readonly endorsers?: readonly string[];
  readonly charged?: number;
  readonly hold?: number;
  readonly keys?: readonly Record<string, unknown>[];
  readonly meterWriter?: string;
  readonly verification?: Verification;
}

function aSettlement(world: World = {}): { settlement: CommittedTransaction; writerAt: (version: KeyVersion) => CommittedTransaction | undefined } {
  const hold = world.hold ?? 5_000;
  const charged = world.charged ?? Math.min(price, hold);
  const txId = 'tx-settle';
  const receipt = {
    sessionId: 'S-1', stationId: 'CP-1', evseId: '1', driverAccountId: 'drv', payeeAccountId: 'payee', currency: 'EUR', energyWh: 5_500, startTimeMs: START, endTimeMs: END,
    tariffId: 'AC', tariffVersion: 2, priced: price, charged, holdAmount: hold, verification: world.verification ?? 'verified', meterSerial: 'M-1', meterKeyId: 'k1', evidenceHashes: records.map(evidenceHash), txId,
  };
  const transaction = (id: string, creator: string, writes: [string, Buffer][], reads: [string, KeyVersion | null][] = []): CommittedTransaction => ({
    transactionId: id, blockNumber: 9, index: 0, validation: 'VALID', timestampMs: SETTLED, function: '', creator: identity(creator), endorsers: [], reads: new Map(reads), writes: new Map(writes),
  });
  const session = transaction('tx-open', 'OperatorsMSP', [[compositeKey('cl.session', 'S-1'), json({ sessionId: 'S-1', holdAmount: hold, tariff: { tariffId: 'AC', version: 2, tariff: TARIFF }, meter: { meterSerial: 'M-1', keyId: 'k1', publicKey: meter.publicKey } })]]);
  const keys = world.keys ?? [{ keyId: 'k1', publicKey: meter.publicKey, status: 'current', registeredAtMs: START - 86_400_000 }];
  const meterRecord = transaction('tx-meter', world.meterWriter ?? 'AuthorityMSP', [[compositeKey('cl.meter', 'M-1'), json({ meterSerial: 'M-1', keys })]]);
  const settlement: CommittedTransaction = {
    ...transaction(
      txId,
      'OperatorsMSP',
      [
        [compositeKey('cl.receipt', 'S-1'), json(receipt)],
        [compositeKey('cl.entry', 'drv', txId, '0'), json({ accountId: 'drv', amount: -charged, ref: 'S-1' })],
        [compositeKey('cl.entry', 'payee', txId, '0'), json({ accountId: 'payee', amount: charged, ref: 'S-1' })],
      ],
      [
        [compositeKey('cl.session', 'S-1'), { block: 5, tx: 0 }],
        [compositeKey('cl.meter', 'M-1'), { block: 3, tx: 1 }],
      ],
    ),
    endorsers: (world.endorsers ?? ['OperatorsMSP', 'WalletsMSP', 'AuthorityMSP']).map(identity),
  };
  const writers = new Map([['5:0', session], ['3:1', meterRecord]]);
  return { settlement, writerAt: (version) => writers.get(`${version.block}:${version.tx}`) };
}

function failures(world: World = {}, ocmf: readonly string[] = records): Record<string, string> {
  const checks = new CheckList();
  checkReceipt({ sessionId: 'S-1', ...aSettlement(world), applicationOrganizations: ORGS, ocmfRecords: ocmf }, checks);
  return Object.fromEntries(checks.results().filter((result) => !result.ok).map((result) => [result.id, result.detail]));
}

it('passes a settlement charged at the frozen tariff\'s price of the signed energy', () => {
  expect(failures()).toEqual({});
});

it('caps the price at the hold: charging the full price above the hold fails, the hold passes', () => {
  expect(failures({ hold: price - 10 })).toEqual({});
  expect(failures({ hold: price - 10, charged: price })['price']).toContain(`capped at the hold`);
});

it('needs a majority of the organizations, Wallets among them', () => {
  expect(failures({ endorsers: ['OperatorsMSP', 'AuthorityMSP', 'ProsumersMSP'] })['endorsement-policy']).toMatch(/without WalletsMSP/);
  expect(failures({ endorsers: ['OperatorsMSP', 'WalletsMSP'] })['endorsement-policy']).toMatch(/2 of 4 organizations, a majority needs 3/);
});

it('takes the meter key history as the settlement read it: revoked after the settlement passes, before it fails', () => {
  const registered = START - 86_400_000;
  expect(failures({ keys: [{ keyId: 'k1', publicKey: meter.publicKey, status: 'revoked', registeredAtMs: registered, revokedAtMs: SETTLED + 1 }] })).toEqual({});
  expect(failures({ keys: [{ keyId: 'k1', publicKey: meter.publicKey, status: 'revoked', registeredAtMs: registered, revokedAtMs: SETTLED - 1 }] })['meter-key']).toMatch(/revoked by the Authority at .*, before the settlement/);
  expect(failures({ keys: [{ keyId: 'k1', publicKey: meter.publicKey, status: 'current', registeredAtMs: SETTLED + 1 }] })['meter-key']).toMatch(/after the settlement/);
  expect(failures({ keys: [{ keyId: 'k1', publicKey: new TestMeter('M-1').publicKey, status: 'current', registeredAtMs: registered }] })['meter-key']).toMatch(/registered no key k1 with this public key/);
});

it('trusts a meter record only as the Authority wrote it', () => {
  expect(failures({ meterWriter: 'OperatorsMSP' })['meter-key']).toMatch(/written by OperatorsMSP, not AuthorityMSP/);
});

it('says when the records are validly signed but are not the ones the ledger settled', () => {
  const other = meter.session({ timeMs: START, registerWh: 10_000 }, { timeMs: END, registerWh: 15_500 });
  expect(failures({}, other)['meter-signatures']).toMatch(/not the ones the ledger settled/);
  expect(failures({}, [])['meter-signatures']).toMatch(/no signed meter records/);
});

it('says only what failed of spliced records the session\'s key signed: the gap, not a signer it cannot find', () => {
  const [begin = ''] = records;
  const [, laterEnd = ''] = meter.session({ timeMs: START, registerWh: 15_500 }, { timeMs: END, registerWh: 16_000 });
  const detail = failures({}, [begin, laterEnd])['meter-signatures'];
  expect(detail).toMatch(/^PAGINATION_GAP in record 1: expected T2, found T\d+$/);
  expect(detail).not.toMatch(/not signed/);
});

it('names the other registered key that signed records the session\'s key did not', () => {
  const impostor = new TestMeter('M-1');
  const keys = [{ keyId: 'k1', publicKey: meter.publicKey, status: 'current', registeredAtMs: START - 86_400_000 }, { keyId: 'k2', publicKey: impostor.publicKey, status: 'current', registeredAtMs: START - 86_400_000 }];
  const forged = impostor.session({ timeMs: START, registerWh: 10_000 }, { timeMs: END, registerWh: 15_500 });
  expect(failures({ keys }, forged)['meter-signatures']).toMatch(/^BAD_SIGNATURE in record 0: .*signed with key k2 \(current\), not the session's key k1$/);
  expect(failures({}, forged)['meter-signatures']).toMatch(/not signed by any key the Authority registered for meter M-1$/);
});

it('does not verify energy the meter never signed', () => {
  expect(failures({ verification: 'unverified' })['meter-signatures']).toMatch(/unsigned meter data/);
});

it('refuses a receipt whose entries do not match its charge', () => {
  const checks = new CheckList();
  const { settlement, writerAt } = aSettlement();
  const writes = new Map(settlement.writes);
  writes.set(compositeKey('cl.entry', 'drv', 'tx-settle', '0'), json({ accountId: 'drv', amount: -(price + 1), ref: 'S-1' }));
  checkReceipt({ sessionId: 'S-1', settlement: { ...settlement, writes }, writerAt, applicationOrganizations: ORGS, ocmfRecords: records }, checks);
  expect(checks.results().find((result) => result.id === 'receipt')?.detail).toBe(`the receipt states ${formatMoney(price, 'EUR')}, the transaction debited ${formatMoney(price + 1, 'EUR')} from drv and credited ${formatMoney(price, 'EUR')} to payee`);
});
