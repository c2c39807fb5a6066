import { verifyTransactionEvidence } from '@chargeledger/chaincode/ocmf';
import { ManualClock, type Clock } from '../clock';
import { generateMeterKey } from '../meter/keys';
import { createExportMeter } from './export-meter';
import type { DeliverySettlement, OfferDraft, OfferTrade, OfferWithTrades, PostedOffer, ProsumerPort } from './port';
import { productionCurve, type SurplusSource } from './production-curve';
import { createProsumer, upcomingWindows, type DeliveryWindow, type Prosumer } from './prosumer';
import { solarNoonMs } from './solar';

const MINUTE = 60_000;
const MIDSUMMER = Date.parse('2025-06-21T00:00:00Z');
const NOON = solarNoonMs(MIDSUMMER, 8.7);
const PRICE = 200_000;
/** Cents for Wh at PRICE micro-EUR per kWh, rounded down. */
const cents = (wh: number): number => Math.floor((wh * PRICE) / 1_000 / 10_000);

/**
 * The Prosumers' service and the ledger behind it, in process: offers with the operators' acceptances (an
 * operator policy decides how much of each offer is accepted when it is posted), and a settlement that
 * verifies the export meter's records as the chaincode does and pays min(accepted, delivered).
 */
class FakeProsumersService implements ProsumerPort {
  readonly offers = new Map<string, { offer: PostedOffer; trades: OfferTrade[] }>();
  readonly settlements: { offerId: string; records: readonly string[] }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly meterKey: () => string,
    private readonly operatorAccepts: (offer: PostedOffer) => number,
  ) {}

  async postOffer(draft: OfferDraft): Promise<PostedOffer> {
    if (!(this.clock.now() < draft.acceptUntilMs && draft.acceptUntilMs <= draft.windowStartMs)) throw new Error('BAD_REQUEST');
    const offer: PostedOffer = { ...draft, meterSerial: 'PV-1', remainingWh: draft.energyWh, status: 'open' };
    const acceptedWh = Math.min(this.operatorAccepts(offer), offer.energyWh);
    const trades: OfferTrade[] = acceptedWh === 0 ? [] : [{ tradeId: `${offer.offerId}:1`, operatorId: 'op-1', acceptedWh, escrowAmount: cents(acceptedWh), status: 'escrowed' }];
    this.offers.set(offer.offerId, { offer: { ...offer, remainingWh: offer.energyWh - acceptedWh }, trades });
    return offer;
  }

  async getOffer(offerId: string): Promise<OfferWithTrades> {
    const found = this.offers.get(offerId) ?? fail('NOT_FOUND');
    return { ...found.offer, trades: found.trades };
  }

  async settleDelivery(offerId: string, records: readonly string[]): Promise<DeliverySettlement> {
    const found = this.offers.get(offerId) ?? fail('NOT_FOUND');
    if (this.clock.now() < found.offer.windowEndMs) fail('INVALID_STATE');
    const evidence = verifyTransactionEvidence(records, this.meterKey());
    if (evidence.startTimeMs < found.offer.windowStartMs || evidence.endTimeMs > found.offer.windowEndMs) fail('EVIDENCE_REJECTED');
    this.settlements.push({ offerId, records });
    let left = evidence.energyWh;
    const trades = found.trades.map((trade): OfferTrade => {
      const deliveredWh = Math.min(trade.acceptedWh, left);
      left -= deliveredWh;
      return { ...trade, deliveredWh, paid: cents(deliveredWh), refunded: trade.escrowAmount - cents(deliveredWh), status: 'settled' };
    });
    return { offerId, deliveredWh: evidence.energyWh, trades, txId: `tx-${offerId}` };
  }
}

function fail(code: string): never {
  throw Object.assign(new Error(code), { code });
}

const roof = productionCurve({ pv: { capacityKwp: 8, latitudeDeg: 50.1, longitudeDeg: 8.7, performanceRatio: 0.85 }, household: { annualKwh: 4_000, utcOffsetMinutes: 120 } });
const half: SurplusSource = { surplusW: (t) => roof.surplusW(t) / 2 };
/** The quarter hour after solar noon. */
const window: DeliveryWindow = { startMs: NOON, endMs: NOON + 15 * MINUTE };

function aProsumer(options: { exports?: SurplusSource; operatorAccepts: (offer: PostedOffer) => number; minOfferWh?: number }): { prosumer: Prosumer; service: FakeProsumersService; clock: ManualClock } {
  const clock = new ManualClock(NOON - 60 * MINUTE);
  const meter = createExportMeter({ clock, serial: 'PV-1', signingKey: generateMeterKey(), source: options.exports ?? roof, registerWh: 120_000, stepMs: 1_000, nextPage: 1 });
  const service = new FakeProsumersService(clock, () => meter.publicKeyHex, options.operatorAccepts);
  let offers = 0;
  const prosumer = createProsumer({
    clock,
    port: service,
    meter,
    forecast: roof,
    account: { prosumerAccountId: 'acc-pro-1', exportPointId: 'X1', currency: 'EUR' },
    priceMicroPerKWh: PRICE,
    minOfferWh: options.minOfferWh ?? 100,
    settleAfterMs: 1_000,
    newOfferId: () => `offer-${++offers}`,
  });
  return { prosumer, service, clock };
}

describe('the prosumer agent', () => {
  it('offers the surplus it forecasts for a window, acceptance closing when the window starts', async () => {
    const { prosumer, service } = aProsumer({ operatorAccepts: () => 0 });
    const offer = await prosumer.offer(window);
    // 8 kWp at midsummer noon, less the house's ~0.5 kW, for a quarter hour: about 1.4 kWh.
    expect(offer).toMatchObject({ offerId: 'offer-1', prosumerAccountId: 'acc-pro-1', exportPointId: 'X1', currency: 'EUR', priceMicroPerKWh: PRICE, windowStartMs: window.startMs, windowEndMs: window.endMs, acceptUntilMs: window.startMs });
    expect(offer?.energyWh).toBe(prosumer.forecastWh(window));
    expect(offer?.energyWh).toBeGreaterThan(1_200);
    expect(offer?.energyWh).toBeLessThan(1_600);
    expect(service.offers.size).toBe(1);
  });

  it('offers nothing for a window at night or below its minimum', async () => {
    const { prosumer, service } = aProsumer({ operatorAccepts: () => 1_000 });
    expect(await prosumer.trade({ startMs: MIDSUMMER + 22 * 3_600_000, endMs: MIDSUMMER + 22.25 * 3_600_000 })).toEqual({ kind: 'no-surplus', window: expect.anything(), forecastWh: 0 });
    const { prosumer: choosy } = aProsumer({ operatorAccepts: () => 1_000, minOfferWh: 5_000 });
    expect(await choosy.trade(window)).toMatchObject({ kind: 'no-surplus' });
    expect(service.offers.size).toBe(0);
  });

  it('is paid for the accepted energy when it delivers more', async () => {
    const { prosumer, service, clock } = aProsumer({ operatorAccepts: () => 600 });
    const outcome = await prosumer.trade(window);
    if (outcome.kind !== 'settled') throw new Error(`not settled: ${outcome.kind}`);
    expect(outcome.meteredWh).toBeGreaterThan(1_200);
    expect(outcome).toMatchObject({ acceptedWh: 600, settlement: { deliveredWh: outcome.meteredWh, trades: [expect.objectContaining({ deliveredWh: 600, paid: cents(600), refunded: 0 })] }, paid: cents(600) });
    expect(service.settlements).toEqual([{ offerId: 'offer-1', records: outcome.records }]);
    expect(clock.now()).toBe(window.endMs + 1_000);
  });

  it('is paid for the delivered energy when a cloud halves its export', async () => {
    const { prosumer } = aProsumer({ exports: half, operatorAccepts: (offer) => offer.energyWh });
    const outcome = await prosumer.trade(window);
    if (outcome.kind !== 'settled') throw new Error(`not settled: ${outcome.kind}`);
    expect(outcome.meteredWh).toBeLessThan(outcome.acceptedWh * 0.55);
    expect(outcome.meteredWh).toBeGreaterThan(outcome.acceptedWh * 0.45);
    expect(outcome.settlement.trades).toEqual([expect.objectContaining({ deliveredWh: outcome.meteredWh, paid: cents(outcome.meteredWh), refunded: cents(outcome.acceptedWh) - cents(outcome.meteredWh) })]);
  });

  it('settles with the export meter’s signed begin and end of the window', async () => {
    const { prosumer } = aProsumer({ operatorAccepts: () => 1_000 });
    const outcome = await prosumer.trade(window);
    if (outcome.kind !== 'settled') throw new Error(`not settled: ${outcome.kind}`);
    expect(outcome.records).toHaveLength(2);
    expect(outcome.records.map((record) => record.match(/"TX":"(\w)"/)?.[1])).toEqual(['B', 'E']);
  });

  it('neither meters nor settles a window nobody accepted', async () => {
    const { prosumer, service, clock } = aProsumer({ operatorAccepts: () => 0 });
    expect(await prosumer.trade(window)).toMatchObject({ kind: 'unaccepted', offer: { offerId: 'offer-1' } });
    expect(service.settlements).toEqual([]);
    expect(clock.now()).toBe(window.startMs);
  });

  it('trades window after window with the same meter', async () => {
    const { prosumer, service } = aProsumer({ operatorAccepts: () => 500 });
    const windows = upcomingWindows(NOON - 60 * MINUTE, { windowMs: 15 * MINUTE, leadMs: 10 * MINUTE, count: 3 });
    const outcomes = await prosumer.run(windows);
    expect(outcomes.map((outcome) => outcome.kind === 'settled' && outcome.paid)).toEqual([cents(500), cents(500), cents(500)]);
    expect(service.settlements.map((settlement) => settlement.records.map((record) => record.match(/"PG":"(T\d+)"/)?.[1]))).toEqual([
      ['T1', 'T2'],
      ['T3', 'T4'],
      ['T5', 'T6'],
    ]);
  });
});

describe('upcoming windows', () => {
  it('are back to back, aligned to their length, and leave time to accept before the first', () => {
    const now = Date.parse('2025-06-21T10:07:00Z');
    expect(upcomingWindows(now, { windowMs: 15 * MINUTE, leadMs: 10 * MINUTE, count: 2 })).toEqual([
      { startMs: Date.parse('2025-06-21T10:30:00Z'), endMs: Date.parse('2025-06-21T10:45:00Z') },
      { startMs: Date.parse('2025-06-21T10:45:00Z'), endMs: Date.parse('2025-06-21T11:00:00Z') },
    ]);
  });
});
