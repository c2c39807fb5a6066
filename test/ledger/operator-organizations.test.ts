import { TRANSIENT_KEYS, type TransactionName } from '@chargeledger/chaincode/api';
import { TestMeter } from '@chargeledger/chaincode/testing';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import { verifyProof } from '@chargeledger/verifier';
import { aDriverWithCard, anAcTariff, balanceOn, eventId, uniqueId, type DriverOnLedger } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest, type Party } from '../../support/ledger/ledgers';

/**
 * Every charging operator its own organization (ADR 0038, 0039): op-1 in OperatorsMSP and op-2 in
 * Operators2MSP, each with its own CA and peer, bound on the ledger. A driver whose card Wallets linked charges
 * at both operators' stations and each operator is paid for its own session only; an identity op-1's CA
 * issued naming op-2 acts for nobody; op-1's peer cannot endorse a change of op-2's station or account.
 */

const MINUTE_MS = 60_000;

interface OperatorSite {
  readonly party: Party;
  readonly operatorId: string;
  readonly stationId: string;
  readonly payeeAccountId: string;
  readonly meter: TestMeter;
}

let ledger: LedgerUnderTest;
let first: OperatorSite;
let second: OperatorSite;
let driver: DriverOnLedger;

beforeAll(async () => {
  ledger = await openLedgerUnderTest();
  first = await aSiteOf('operator', 'op-1');
  second = await aSiteOf('secondOperator', 'op-2');
  driver = await aDriverWithCard(ledger, { topUp: 10_000, sessionLimit: 3000 });
});
afterAll(async () => {
  await ledger.close();
});

/** As each operator deploys a station on its own identity: Wallets opens its payee account, the Authority registers the meter. */
async function aSiteOf(party: Party, operatorId: string): Promise<OperatorSite> {
  const operator = ledger.party(party);
  const stationId = uniqueId(`st-${operatorId}`);
  const payeeAccountId = uniqueId(`payee-${operatorId}`);
  const meter = new TestMeter(uniqueId('MTR'));
  const tariff = anAcTariff();
  await ledger.party('wallets').submit('Wallet:openAccount', { eventId: eventId(), accountId: payeeAccountId, kind: 'operator', ownerId: operatorId, currency: 'EUR' });
  // Money the operator had before (a bank transfer in), so a payout it asks for has funds whatever else ran.
  await ledger.party('wallets').submit('Wallet:topUp', { eventId: eventId(), accountId: payeeAccountId, amount: 1000, reference: uniqueId('bank') });
  await operator.submit('Tariff:publishTariff', { eventId: eventId(), tariff });
  await operator.submit('Registry:registerStation', {
    eventId: eventId(),
    stationId,
    payeeAccountId,
    latMicroDeg: 52_520_008,
    lonMicroDeg: 13_404_954,
    evses: [{ evseId: '1', connectors: [{ connectorId: '1', type: 'IEC_62196_T2', maxPowerW: 22_000 }] }],
    policy: { minimumHold: 500 },
    tariffId: tariff.id,
  });
  await ledger.party('authority').submit('Registry:registerMeter', { eventId: eventId(), meterSerial: meter.serial, binding: { kind: 'evse', stationId, evseId: '1' }, keyId: 'k1', publicKey: meter.publicKey });
  return { party, operatorId, stationId, payeeAccountId, meter };
}

/** A session as the operator's own bridge runs it: the card resolved at Wallets, opened and settled with the meter's signed records. */
async function chargeAt(site: OperatorSite, energyWh: number): Promise<{ sessionId: string; charged: number; txId: string; records: string[] }> {
  const operator = ledger.party(site.party);
  const sessionId = uniqueId(`s-${site.operatorId}`);
  // Started now, after the tariff was published; the meter's last reading is 10 minutes on (within the ledger's clock skew).
  const startMs = Date.now();
  const resolved = await operator.evaluate('Wallet:resolveIdToken', {}, { transient: { [TRANSIENT_KEYS.idToken]: driver.idToken }, endorsingOrganizations: ['WalletsMSP'] });
  const opened = await operator.submit(
    'Session:openSession',
    { eventId: eventId(), sessionId, stationId: site.stationId, evseId: '1', connectorId: '1', driverAccountId: resolved.accountId, tokenRef: resolved.tokenRef, startedAtMs: startMs },
    { transient: { [TRANSIENT_KEYS.tokenProof]: resolved.tokenProof } },
  );
  expect(opened.status).toBe('opened');
  const records = site.meter.session({ timeMs: startMs, registerWh: 1000 }, { timeMs: startMs + 10 * MINUTE_MS, registerWh: 1000 + energyWh }, driver.idToken);
  const closed = await operator.submit('Session:closeSession', { eventId: eventId(), sessionId, evidence: { kind: 'ocmf' } }, { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) } });
  if ('refusal' in closed) throw new Error(`the settlement was refused: ${closed.refusal.reason}`);
  return { sessionId, charged: closed.charged, txId: closed.txId, records };
}

describe('two operator organizations on one channel', () => {
  it('binds each operator to its own organization on the ledger', async () => {
    await expect(ledger.party('wallets').evaluate('Registry:getOperator', { operatorId: 'op-1' })).resolves.toMatchObject({ operatorId: 'op-1', mspId: 'OperatorsMSP' });
    await expect(ledger.party('wallets').evaluate('Registry:getOperator', { operatorId: 'op-2' })).resolves.toMatchObject({ operatorId: 'op-2', mspId: 'Operators2MSP' });
  });

  it("charges the driver at both operators' stations and pays each operator for its own session only", async () => {
    const before = { driver: await balanceOn(ledger, driver.accountId), first: await balanceOn(ledger, first.payeeAccountId), second: await balanceOn(ledger, second.payeeAccountId) };
    const atFirst = await chargeAt(first, 10_000);
    const atSecond = await chargeAt(second, 5_000);
    expect(atFirst.charged).toBeGreaterThan(0);
    expect(atSecond.charged).toBeGreaterThan(0);
    expect(atFirst.charged).not.toBe(atSecond.charged);

    expect(await balanceOn(ledger, first.payeeAccountId)).toBe(before.first + atFirst.charged);
    expect(await balanceOn(ledger, second.payeeAccountId)).toBe(before.second + atSecond.charged);
    expect(await balanceOn(ledger, driver.accountId)).toBe(before.driver - atFirst.charged - atSecond.charged);
    const session = await ledger.party('wallets').evaluate('Session:getSession', { sessionId: atSecond.sessionId });
    expect(session).toMatchObject({ stationId: second.stationId, status: 'settled' });

    // Endorsed by three organizations, the same three at any number of operators (ADR 0039): the session's
    // operator, Wallets and the Authority; never the other operator's peer. Checked from the blocks, as verify does.
    const endorsers = async (settled: { sessionId: string; txId: string; records: string[] }): Promise<string[]> => {
      const verdict = verifyProof(await ledger.proof(settled.sessionId, settled.txId, settled.records));
      expect(verdict.verified).toBe(true);
      return [...(verdict.receipt?.endorsedBy ?? [])].sort();
    };
    expect(await endorsers(atFirst)).toEqual(['AuthorityMSP', 'OperatorsMSP', 'WalletsMSP']);
    expect(await endorsers(atSecond)).toEqual(['AuthorityMSP', 'Operators2MSP', 'WalletsMSP']);
  });

  it("refuses every operator function to an identity of op-1's organization that names op-2", async () => {
    const impostor = ledger.party('impostor');
    const resolved = await ledger.party('secondOperator').evaluate('Wallet:resolveIdToken', {}, { transient: { [TRANSIENT_KEYS.idToken]: driver.idToken }, endorsingOrganizations: ['WalletsMSP'] });
    const openSessionId = uniqueId('s-open');
    await ledger.party('secondOperator').submit(
      'Session:openSession',
      { eventId: eventId(), sessionId: openSessionId, stationId: second.stationId, evseId: '1', connectorId: '1', driverAccountId: resolved.accountId, tokenRef: resolved.tokenRef, startedAtMs: Date.now() },
      { transient: { [TRANSIENT_KEYS.tokenProof]: resolved.tokenProof } },
    );
    const attempts: { [K in TransactionName]?: () => Promise<unknown> } = {
      'Registry:registerStation': () =>
        impostor.submit('Registry:registerStation', {
          eventId: eventId(),
          stationId: uniqueId('st-forged'),
          payeeAccountId: second.payeeAccountId,
          latMicroDeg: 52_520_008,
          lonMicroDeg: 13_404_954,
          evses: [{ evseId: '1', connectors: [{ connectorId: '1', type: 'IEC_62196_T2', maxPowerW: 22_000 }] }],
          policy: { minimumHold: 500 },
        }),
      'Registry:updateStation': () => impostor.submit('Registry:updateStation', { eventId: eventId(), stationId: second.stationId, payeeAccountId: first.payeeAccountId }),
      'Tariff:publishTariff': () => impostor.submit('Tariff:publishTariff', { eventId: eventId(), tariff: anAcTariff() }),
      'Session:openSession': () =>
        impostor.submit(
          'Session:openSession',
          { eventId: eventId(), sessionId: uniqueId('s-forged'), stationId: second.stationId, evseId: '1', connectorId: '1', driverAccountId: resolved.accountId, tokenRef: resolved.tokenRef, startedAtMs: Date.now() },
          { transient: { [TRANSIENT_KEYS.tokenProof]: resolved.tokenProof } },
        ),
      'Session:closeSession': () => impostor.submit('Session:closeSession', { eventId: eventId(), sessionId: openSessionId, evidence: { kind: 'ocmf' } }, { transient: { [TRANSIENT_KEYS.ocmfRecords]: '[]' } }),
      'Session:abandonSession': () => impostor.submit('Session:abandonSession', { eventId: eventId(), sessionId: openSessionId }),
      'Wallet:requestPayout': () => impostor.submit('Wallet:requestPayout', { eventId: eventId(), accountId: second.payeeAccountId, payoutId: uniqueId('po'), amount: 1, destination: 'iban:DE89370400440532013000' }),
    };
    for (const [name, attempt] of Object.entries(attempts)) {
      await expect(attempt()).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      expect(name).toBeDefined();
    }
    // Nothing moved: the second operator's session is still open and its station still pays op-2.
    await expect(ledger.party('wallets').evaluate('Session:getSession', { sessionId: openSessionId })).resolves.toMatchObject({ status: 'open', stationId: second.stationId });
    await expect(ledger.party('wallets').evaluate('Registry:getStation', { stationId: second.stationId })).resolves.toMatchObject({ payeeAccountId: second.payeeAccountId, operatorId: 'op-2' });
  });

  it("does not let op-1's peer alone, nor with the chaincode policy's organizations, endorse a change of op-2's station or account", async () => {
    const secondOperator: ChargingLedger = ledger.party('secondOperator');
    const withoutOp2 = ['OperatorsMSP', 'WalletsMSP', 'AuthorityMSP'];
    // op-2's own request, endorsed where op-2's organization has no say: refused at validation.
    await expect(
      secondOperator.submit('Registry:updateStation', { eventId: eventId(), stationId: second.stationId, policy: { minimumHold: 900 } }, { endorsingOrganizations: ['OperatorsMSP'] }),
    ).rejects.toMatchObject({ code: 'ENDORSEMENT_POLICY_FAILURE' });
    await expect(
      secondOperator.submit('Registry:updateStation', { eventId: eventId(), stationId: second.stationId, policy: { minimumHold: 900 } }, { endorsingOrganizations: withoutOp2 }),
    ).rejects.toMatchObject({ code: 'ENDORSEMENT_POLICY_FAILURE' });
    await expect(
      secondOperator.submit('Wallet:requestPayout', { eventId: eventId(), accountId: second.payeeAccountId, payoutId: uniqueId('po'), amount: 1, destination: 'iban:DE89370400440532013000' }, { endorsingOrganizations: withoutOp2 }),
    ).rejects.toMatchObject({ code: 'ENDORSEMENT_POLICY_FAILURE' });
    // The same change with op-2's peer among the endorsers commits.
    await expect(secondOperator.submit('Registry:updateStation', { eventId: eventId(), stationId: second.stationId, policy: { minimumHold: 900 } })).resolves.toMatchObject({ policy: { minimumHold: 900 } });
  });
});
