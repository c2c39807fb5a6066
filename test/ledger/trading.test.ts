import { setTimeout as sleep } from 'node:timers/promises';
import { TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { ExportMeter } from '../integration/participants-support';
import { anOperatorAccount as anOperatorAccountOn, balanceOn, eventId, uniqueId } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';

/**
 * A prosumer's P2P sale, each organization acting with its own identity: the Authority registers the export
 * meter's key, Wallets opens the prosumer's and the operator's accounts, the prosumer offers energy, the
 * operator accepts part of it (its price escrowed), the meter signs the delivery window, and settlement pays
 * the prosumer min(accepted, delivered) and refunds the rest of the escrow.
 */

let ledger: LedgerUnderTest;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});

/** Acceptance must fit before the window: a Fabric transaction takes a block or two, an embedded one milliseconds. */
const acceptanceMs = (): number => (ledger.kind === 'fabric' ? 15_000 : 3_000);

async function aProsumerWithExportMeter(): Promise<{ accountId: string; exportPointId: string; meter: ExportMeter }> {
  const accountId = uniqueId('acc-pro-1');
  const exportPointId = uniqueId('X');
  const meter = new ExportMeter(uniqueId('PV'));
  await ledger.party('wallets').submit('Wallet:openAccount', { eventId: eventId(), accountId, kind: 'prosumer', ownerId: 'pro-1', currency: 'EUR' });
  await ledger.party('authority').submit('Registry:registerMeter', { eventId: eventId(), meterSerial: meter.serial, binding: { kind: 'export-point', prosumerId: 'pro-1', exportPointId }, keyId: 'k1', publicKey: meter.publicKey });
  return { accountId, exportPointId, meter };
}

const anOperatorAccount = (amount: number): Promise<string> => anOperatorAccountOn(ledger, amount);
const balance = (accountId: string): Promise<number> => balanceOn(ledger, accountId);

describe('a prosumer’s P2P sale to an operator', () => {
  it('escrows the accepted energy’s price, and pays the prosumer min(accepted, delivered) from the export meter’s signed readings', async () => {
    const prosumer = await aProsumerWithExportMeter();
    const operatorAccount = await anOperatorAccount(10_000);
    const windowStartMs = Date.now() + acceptanceMs();
    const windowEndMs = windowStartMs + 1_000;
    const offerId = uniqueId('offer');
    // 10 kWh at 0.20 EUR/kWh.
    const offer = await ledger.party('prosumer').submit('Trading:postOffer', {
      eventId: eventId(),
      offerId,
      prosumerAccountId: prosumer.accountId,
      exportPointId: prosumer.exportPointId,
      energyWh: 10_000,
      priceMicroPerKWh: 200_000,
      currency: 'EUR',
      windowStartMs,
      windowEndMs,
      acceptUntilMs: windowStartMs,
    });
    expect(offer).toMatchObject({ offerId, prosumerId: 'pro-1', status: 'open', meterSerial: prosumer.meter.serial });

    const trade = await ledger.party('operator').submit('Trading:acceptOffer', { eventId: eventId(), offerId, operatorAccountId: operatorAccount, energyWh: 6_000 });
    expect(trade).toMatchObject({ operatorId: 'op-1', acceptedWh: 6_000, escrowAmount: 120, status: 'escrowed' });
    expect(await balance(operatorAccount)).toBe(10_000 - 120);
    await expect(ledger.party('rivalOperator').submit('Trading:acceptOffer', { eventId: eventId(), offerId, operatorAccountId: operatorAccount, energyWh: 1_000 })).rejects.toMatchObject({
      name: 'LedgerRefusal',
      code: 'ACCESS_DENIED',
    });
    expect(await ledger.party('prosumer').evaluate('Trading:getOffer', { offerId })).toMatchObject({ remainingWh: 4_000, trades: [expect.objectContaining({ tradeId: trade.tradeId })] });

    // The meter delivered 4 kWh in the window: less than the 6 kWh accepted.
    const records = prosumer.meter.delivery({ timeMs: windowStartMs, registerWh: 250_000 }, { timeMs: windowEndMs - 100, deliveredWh: 4_000 });
    await sleep(Math.max(0, windowEndMs + 500 - Date.now()));
    const settlement = await ledger.party('prosumer').submit('Trading:settleDelivery', { eventId: eventId(), offerId }, { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) } });
    expect(settlement).toMatchObject({ offerId, deliveredWh: 4_000, trades: [expect.objectContaining({ tradeId: trade.tradeId, deliveredWh: 4_000, paid: 80, refunded: 40, status: 'settled' })] });
    expect(settlement.evidenceHashes).toHaveLength(2);

    // Both sides see it: the prosumer paid, the operator's escrow partly refunded.
    expect(await balance(prosumer.accountId)).toBe(80);
    expect(await balance(operatorAccount)).toBe(10_000 - 120 + 40);
    const sold = await ledger.party('prosumer').evaluate('Wallet:getHistory', { accountId: prosumer.accountId });
    expect(sold.entries).toEqual([expect.objectContaining({ amount: 80, reason: 'trade-payment', ref: trade.tradeId })]);
    const bought = await ledger.party('operator').evaluate('Wallet:getHistory', { accountId: operatorAccount });
    expect(bought.entries.map((entry) => [entry.reason, entry.amount])).toEqual(expect.arrayContaining([['trade-escrow', -120], ['trade-refund', 40]]));
    expect(await ledger.party('operator').evaluate('Trading:getOffer', { offerId })).toMatchObject({ status: 'settled' });

    await expect(ledger.party('prosumer').submit('Trading:settleDelivery', { eventId: eventId(), offerId }, { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) } })).rejects.toMatchObject({
      name: 'LedgerRefusal',
      code: 'INVALID_STATE',
    });
  });

  it('refuses delivery records the export meter’s registered key did not sign', async () => {
    const prosumer = await aProsumerWithExportMeter();
    const operatorAccount = await anOperatorAccount(1_000);
    const windowStartMs = Date.now() + acceptanceMs();
    const offerId = uniqueId('offer');
    await ledger.party('prosumer').submit('Trading:postOffer', {
      eventId: eventId(),
      offerId,
      prosumerAccountId: prosumer.accountId,
      exportPointId: prosumer.exportPointId,
      energyWh: 2_000,
      priceMicroPerKWh: 200_000,
      currency: 'EUR',
      windowStartMs,
      windowEndMs: windowStartMs + 1_000,
      acceptUntilMs: windowStartMs,
    });
    await ledger.party('operator').submit('Trading:acceptOffer', { eventId: eventId(), offerId, operatorAccountId: operatorAccount, energyWh: 2_000 });
    const forged = new ExportMeter(prosumer.meter.serial).delivery({ timeMs: windowStartMs, registerWh: 0 }, { timeMs: windowStartMs + 900, deliveredWh: 2_000 });
    await sleep(Math.max(0, windowStartMs + 1_500 - Date.now()));
    await expect(ledger.party('prosumer').submit('Trading:settleDelivery', { eventId: eventId(), offerId }, { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(forged) } })).rejects.toMatchObject({
      name: 'LedgerRefusal',
      code: 'EVIDENCE_REJECTED',
    });
    expect(await balance(prosumer.accountId)).toBe(0);
  });
});
