import { TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import { createExportMeter, createProsumer, generateMeterKey, productionCurve, type ProsumerPort, solarNoonMs, type SurplusSource, SystemClock } from '@chargeledger/simulators';
import { anOperatorAccount as anOperatorAccountOn, balanceOn, eventId, uniqueId } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';

/**
 * The simulated rooftop-solar prosumer trading on the ledger, each organization with its own identity: the
 * Authority registers its export meter's key, the prosumer offers the surplus it forecasts for a window, the
 * operator accepts (escrow), the meter signs the window and the prosumer settles with those records, paid
 * min(accepted, delivered).
 *
 * The ledger stamps transactions with real time, so windows last seconds rather than quarter hours, and the
 * roof is a warehouse's 1 MWp under midsummer noon sun, replayed now, so that seconds carry watt-hours.
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
const WINDOW_MS = 3_000;
const PRICE = 200_000;
/** What energyAmount charges in cents for `wh` at PRICE: half up. */
const cents = (wh: number): number => Math.round((wh * PRICE) / 10_000_000);

const MIDSUMMER_NOON = solarNoonMs(Date.parse('2025-06-21T00:00:00Z'), 8.7);
const warehouse = productionCurve({ pv: { capacityKwp: 1_000, latitudeDeg: 50.1, longitudeDeg: 8.7, performanceRatio: 0.85 }, household: { annualKwh: 400_000, utcOffsetMinutes: 120 } });
const replayedFrom = Date.now();
/** Midsummer noon's sun, as if it were now. */
const sunny: SurplusSource = { surplusW: (atMs) => warehouse.surplusW(atMs - replayedFrom + MIDSUMMER_NOON) };
const cloudy: SurplusSource = { surplusW: (atMs) => 0.4 * sunny.surplusW(atMs) };

/** The prosumer's port straight onto the ledger with the prosumer's identity (the Prosumers' service does the same). */
function ledgerPort(prosumer: ChargingLedger): ProsumerPort {
  return {
    postOffer: (draft) => prosumer.submit('Trading:postOffer', { eventId: eventId(), ...draft }),
    getOffer: (offerId) => prosumer.evaluate('Trading:getOffer', { offerId }),
    settleDelivery: (offerId, records) => prosumer.submit('Trading:settleDelivery', { eventId: eventId(), offerId }, { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) } }),
  };
}

/** pro-1 with an account Wallets opened and an export point whose meter, exporting `exports`, the Authority registered. */
async function aSimulatedProsumer(exports: SurplusSource) {
  const clock = new SystemClock();
  const accountId = uniqueId('acc-pro-1');
  const exportPointId = uniqueId('X');
  const meter = createExportMeter({ clock, serial: uniqueId('PV'), signingKey: generateMeterKey(), source: exports, registerWh: 80_000, stepMs: 100, nextPage: 1 });
  await ledger.party('wallets').submit('Wallet:openAccount', { eventId: eventId(), accountId, kind: 'prosumer', ownerId: 'pro-1', currency: 'EUR' });
  await ledger.party('authority').submit('Registry:registerMeter', { eventId: eventId(), meterSerial: meter.serial, binding: { kind: 'export-point', prosumerId: 'pro-1', exportPointId }, keyId: 'k1', publicKey: meter.publicKeyHex });
  const prosumer = createProsumer({
    clock,
    port: ledgerPort(ledger.party('prosumer')),
    meter,
    forecast: sunny,
    account: { prosumerAccountId: accountId, exportPointId, currency: 'EUR' },
    priceMicroPerKWh: PRICE,
    minOfferWh: 100,
    settleAfterMs: 1_000,
    newOfferId: () => uniqueId('offer'),
  });
  return { prosumer, accountId, meter };
}

const anOperatorAccount = (amount: number): Promise<string> => anOperatorAccountOn(ledger, amount);
const balance = (accountId: string): Promise<number> => balanceOn(ledger, accountId);
const nextWindow = (): { startMs: number; endMs: number } => {
  const startMs = Date.now() + acceptanceMs();
  return { startMs, endMs: startMs + WINDOW_MS };
};

describe('the simulated prosumer selling its solar surplus', () => {
  it('is paid for the accepted energy when its export meter delivers more', async () => {
    const seller = await aSimulatedProsumer(sunny);
    const operatorAccount = await anOperatorAccount(10_000);
    const offer = await seller.prosumer.offer(nextWindow());
    if (offer === undefined) throw new Error('no surplus offered');
    // About 730 kW for three seconds: some 600 Wh.
    expect(offer).toMatchObject({ status: 'open', meterSerial: seller.meter.serial, energyWh: expect.any(Number) });
    expect(offer.energyWh).toBeGreaterThan(400);
    const acceptedWh = Math.floor(offer.energyWh / 2);
    const trade = await ledger.party('operator').submit('Trading:acceptOffer', { eventId: eventId(), offerId: offer.offerId, operatorAccountId: operatorAccount, energyWh: acceptedWh });
    expect(trade).toMatchObject({ status: 'escrowed', escrowAmount: cents(acceptedWh) });

    const outcome = await seller.prosumer.deliver(offer);
    if (outcome.kind !== 'settled') throw new Error(`not settled: ${outcome.kind}`);
    expect(outcome.meteredWh).toBeGreaterThan(acceptedWh);
    expect(outcome.settlement).toMatchObject({ offerId: offer.offerId, deliveredWh: outcome.meteredWh, trades: [expect.objectContaining({ tradeId: trade.tradeId, deliveredWh: acceptedWh, paid: cents(acceptedWh), refunded: 0, status: 'settled' })] });
    expect(await balance(seller.accountId)).toBe(cents(acceptedWh));
    expect(await balance(operatorAccount)).toBe(10_000 - cents(acceptedWh));
    expect(await ledger.party('operator').evaluate('Trading:getOffer', { offerId: offer.offerId })).toMatchObject({ status: 'settled' });
  }, 120_000);

  it('is paid for the delivered energy when a cloud makes its export meter deliver less than was accepted', async () => {
    const seller = await aSimulatedProsumer(cloudy);
    const operatorAccount = await anOperatorAccount(10_000);
    const offer = await seller.prosumer.offer(nextWindow());
    if (offer === undefined) throw new Error('no surplus offered');
    const trade = await ledger.party('operator').submit('Trading:acceptOffer', { eventId: eventId(), offerId: offer.offerId, operatorAccountId: operatorAccount, energyWh: offer.energyWh });

    const outcome = await seller.prosumer.deliver(offer);
    if (outcome.kind !== 'settled') throw new Error(`not settled: ${outcome.kind}`);
    expect(outcome.meteredWh).toBeLessThan(offer.energyWh * 0.5);
    expect(outcome.meteredWh).toBeGreaterThan(0);
    const paid = cents(outcome.meteredWh);
    expect(outcome.settlement.trades).toEqual([expect.objectContaining({ tradeId: trade.tradeId, deliveredWh: outcome.meteredWh, paid, refunded: trade.escrowAmount - paid })]);
    expect(await balance(seller.accountId)).toBe(paid);
    expect(await balance(operatorAccount)).toBe(10_000 - paid);
    const sold = await ledger.party('prosumer').evaluate('Wallet:getHistory', { accountId: seller.accountId });
    expect(sold.entries).toEqual([expect.objectContaining({ amount: paid, reason: 'trade-payment', ref: trade.tradeId })]);
  }, 120_000);
});
