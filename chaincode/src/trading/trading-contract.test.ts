import type { PostOfferRequest } from '../api';
import { anAccount, aNetwork, type Cast } from '../testing/fixtures';
import { TestMeter } from '../testing/ocmf-meter';
import { ocmf } from '../testing/site';
import { DELIVERY_GRACE_MS } from './offers';

const HOUR = 3_600_000;

describe('Trading contract', () => {
  let cast: Cast;
  let exportMeter: TestMeter;
  let windowStartMs: number;

  beforeEach(async () => {
    cast = aNetwork();
    await anAccount(cast, 'acc-pro1', 'prosumer', 'pro-1');
    await anAccount(cast, 'acc-op1', 'operator', 'op-1', 1000);
    await anAccount(cast, 'acc-op2', 'operator', 'op-2', 1000);
    exportMeter = new TestMeter('MTR-X1');
    await cast.network.submit(cast.authority, 'Registry:registerMeter', {
      eventId: cast.eventId(),
      meterSerial: exportMeter.serial,
      binding: { kind: 'export-point', prosumerId: 'pro-1', exportPointId: 'X1' },
      keyId: 'k1',
      publicKey: exportMeter.publicKey,
    });
    windowStartMs = cast.network.nowMs + 2 * HOUR;
  });

  /** 10 kWh at 0.20 EUR/kWh, delivered in a one-hour window starting in two hours. */
  const anOffer = (overrides: Partial<PostOfferRequest> = {}): PostOfferRequest => ({
    eventId: cast.eventId(),
    offerId: 'o-1',
    prosumerAccountId: 'acc-pro1',
    exportPointId: 'X1',
    energyWh: 10_000,
    priceMicroPerKWh: 200_000,
    currency: 'EUR',
    windowStartMs,
    windowEndMs: windowStartMs + HOUR,
    acceptUntilMs: windowStartMs,
    ...overrides,
  });
  const balance = async (accountId: string): Promise<number> => (await cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId })).balance;
  const accept = (who = cast.operator, energyWh = 6000, operatorAccountId = 'acc-op1') =>
    cast.network.submit(who, 'Trading:acceptOffer', { eventId: cast.eventId(), offerId: 'o-1', operatorAccountId, energyWh });
  const delivery = (wh: number): Record<string, string> =>
    ocmf(exportMeter.session({ timeMs: windowStartMs, registerWh: 50_000 }, { timeMs: windowStartMs + HOUR - 60_000, registerWh: 50_000 + wh }));

  it('lets a prosumer post an offer from a registered export meter', async () => {
    const offer = await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    expect(offer).toMatchObject({ offerId: 'o-1', status: 'open', remainingWh: 10_000, meterSerial: 'MTR-X1' });
    expect(offer).not.toHaveProperty('meter');
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'OfferPosted', payload: { offerId: 'o-1', energyWh: 10_000 } });
    expect((await cast.network.evaluate(cast.operator, 'Trading:listOpenOffers', {})).offers.map((o) => o.offerId)).toEqual(['o-1']);
  });

  it.each(['OperatorsMSP', 'WalletsMSP', 'AuthorityMSP'] as const)('refuses an offer posted by %s', async (msp) => {
    await expect(cast.network.submit(cast.as(msp), 'Trading:postOffer', anOffer())).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('refuses an offer from an export point without a registered meter, or paid into another prosumer account', async () => {
    await expect(cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer({ exportPointId: 'X9' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await anAccount(cast, 'acc-pro2', 'prosumer', 'pro-2');
    await expect(cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer({ prosumerAccountId: 'acc-pro2' }))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it.each(['ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'] as const)('refuses an acceptance by %s', async (msp) => {
    await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    await expect(accept(cast.as(msp))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('accepts part of an offer, escrowing its price, and refuses more than remains or more than the operator has', async () => {
    await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    const trade = await accept();
    expect(trade).toMatchObject({ tradeId: 'o-1:1', acceptedWh: 6000, escrowAmount: 120, status: 'escrowed' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'OfferAccepted', payload: { tradeId: 'o-1:1', escrowAmount: 120 } });
    expect(await balance('acc-op1')).toBe(880);
    await expect(accept(cast.rival, 5000, 'acc-op2')).rejects.toMatchObject({ code: 'OFFER_EXHAUSTED' });
    await expect(accept(cast.rival, 3000, 'acc-op1')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await anAccount(cast, 'acc-op3', 'operator', 'op-2', 10);
    await expect(accept(cast.rival, 3000, 'acc-op3')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    const offer = await cast.network.evaluate(cast.prosumer, 'Trading:getOffer', { offerId: 'o-1' });
    expect(offer).toMatchObject({ remainingWh: 4000, tradeCount: 1 });
  });

  it('pays min(accepted, delivered) × price in acceptance order and refunds the rest', async () => {
    await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    await accept();
    await accept(cast.rival, 3000, 'acc-op2');
    cast.network.advance(4 * HOUR);
    const request = { eventId: cast.eventId(), offerId: 'o-1' };
    const settlement = await cast.network.submit(cast.rival, 'Trading:settleDelivery', request, { transient: delivery(7000) });
    expect(settlement.deliveredWh).toBe(7000);
    expect(settlement.evidenceHashes).toHaveLength(2);
    expect(settlement.trades).toEqual([
      expect.objectContaining({ tradeId: 'o-1:1', deliveredWh: 6000, paid: 120, refunded: 0, status: 'settled' }),
      expect.objectContaining({ tradeId: 'o-1:2', deliveredWh: 1000, paid: 20, refunded: 40, status: 'settled' }),
    ]);
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'DeliverySettled', payload: { deliveredWh: 7000, paid: 140, refunded: 40 } });
    expect(await balance('acc-pro1')).toBe(140);
    expect(await balance('acc-op1')).toBe(880);
    expect(await balance('acc-op2')).toBe(1000 - 60 + 40);

    const before = cast.network.world.snapshot();
    expect(await cast.network.submit(cast.rival, 'Trading:settleDelivery', request, { transient: delivery(7000) })).toEqual(settlement);
    expect(cast.network.world.snapshot()).toBe(before);
    await expect(cast.network.submit(cast.prosumer, 'Trading:settleDelivery', { eventId: cast.eventId(), offerId: 'o-1' }, { transient: delivery(7000) })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
  });

  it('refuses settlement before the window ends, by a stranger, or without records inside the grace period', async () => {
    await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    await accept();
    await expect(cast.network.submit(cast.operator, 'Trading:settleDelivery', { eventId: cast.eventId(), offerId: 'o-1' }, { transient: delivery(100) })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
    cast.network.advance(4 * HOUR);
    await expect(cast.network.submit(cast.rival, 'Trading:settleDelivery', { eventId: cast.eventId(), offerId: 'o-1' }, { transient: delivery(100) })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    await expect(cast.network.submit(cast.wallets, 'Trading:settleDelivery', { eventId: cast.eventId(), offerId: 'o-1' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(cast.operator, 'Trading:settleDelivery', { eventId: cast.eventId(), offerId: 'o-1' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses export records signed by another key', async () => {
    await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    await accept();
    cast.network.advance(4 * HOUR);
    const forged = new TestMeter('MTR-X1').session({ timeMs: windowStartMs, registerWh: 0 }, { timeMs: windowStartMs + HOUR, registerWh: 6000 });
    await expect(cast.network.submit(cast.prosumer, 'Trading:settleDelivery', { eventId: cast.eventId(), offerId: 'o-1' }, { transient: ocmf(forged) })).rejects.toMatchObject({
      code: 'EVIDENCE_REJECTED',
    });
  });

  it('refunds the whole escrow when no delivery is proven after the grace period', async () => {
    await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    await accept();
    cast.network.advance(3 * HOUR + DELIVERY_GRACE_MS);
    const settlement = await cast.network.submit(cast.operator, 'Trading:settleDelivery', { eventId: cast.eventId(), offerId: 'o-1' });
    expect(settlement).toMatchObject({ deliveredWh: 0, trades: [expect.objectContaining({ paid: 0, refunded: 120 })] });
    expect(await balance('acc-op1')).toBe(1000);
  });

  it('expires an unaccepted offer once acceptance closed, and refuses acceptance after that time', async () => {
    await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    await expect(cast.network.submit(cast.prosumer, 'Trading:expireOffer', { eventId: cast.eventId(), offerId: 'o-1' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    cast.network.advance(2 * HOUR);
    expect((await cast.network.evaluate(cast.operator, 'Trading:listOpenOffers', {})).offers).toEqual([]);
    await expect(accept()).rejects.toMatchObject({ code: 'OFFER_EXPIRED' });
    const expired = await cast.network.submit(cast.prosumer, 'Trading:expireOffer', { eventId: cast.eventId(), offerId: 'o-1' });
    expect(expired).toMatchObject({ status: 'expired', remainingWh: 0 });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'OfferExpired', payload: { offerId: 'o-1', unacceptedWh: 10_000 } });
    await expect(cast.network.submit(cast.wallets, 'Trading:expireOffer', { eventId: cast.eventId(), offerId: 'o-1' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('lets only the parties expire an offer after its deadline: the prosumer who posted it and the operators who accepted part of it', async () => {
    await cast.network.submit(cast.prosumer, 'Trading:postOffer', anOffer());
    await accept(cast.rival, 3000, 'acc-op2');
    cast.network.advance(2 * HOUR);
    const expire = (who = cast.operator) => cast.network.submit(who, 'Trading:expireOffer', { eventId: cast.eventId(), offerId: 'o-1' });
    const otherProsumer = cast.network.identity('ProsumersMSP', { 'chargeledger.prosumerId': 'pro-2' });
    await expect(expire(cast.operator)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(expire(otherProsumer)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await cast.network.evaluate(cast.prosumer, 'Trading:getOffer', { offerId: 'o-1' })).toMatchObject({ status: 'open' });
    expect(await expire(cast.rival)).toMatchObject({ status: 'expired', remainingWh: 0 });
  });
});
