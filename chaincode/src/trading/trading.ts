import type { AcceptOfferRequest, DeliverySettlement, ExpireOfferRequest, Offer, PostOfferRequest, SettleDeliveryRequest, Trade } from '../api';
import { refuse } from '../core/errors';
import { energyAmount, sum } from '../core/money';
import type { Tx } from '../core/transaction-view';
import { currentKey, meterAt } from '../registry/meters';
import { checkWindow, transientRecords, verifiedMeasurement } from '../session/evidence';
import { activeAccount, credit, debit, fundsOf } from '../wallet/accounts';
import { allocate, DELIVERY_GRACE_MS, loadOffer, offerKey, publicOffer, tradeKey, tradesOf, type OfferRecord } from './offers';

/** An operator or prosumer caller, as requireParty read it from the certificate. */
export interface OfferParty {
  readonly mspId: 'OperatorsMSP' | 'ProsumersMSP';
  readonly partyId: string;
}

/** The parties to an offer: the prosumer who posted it and every operator who accepted part of it. */
function requireOfferParty(offer: Offer, trades: readonly Trade[], party: OfferParty): void {
  const involved = party.mspId === 'ProsumersMSP' ? offer.prosumerId === party.partyId : trades.some((trade) => trade.operatorId === party.partyId);
  if (!involved) refuse('ACCESS_DENIED', `the caller is not a party to offer ${offer.offerId}`);
}

export async function postOffer(tx: Tx, prosumerId: string, req: PostOfferRequest): Promise<Offer> {
  if ((await tx.get<OfferRecord>(offerKey(tx, req.offerId))) !== undefined) refuse('ALREADY_EXISTS', `offer ${req.offerId} exists`);
  if (!(req.windowStartMs < req.windowEndMs)) refuse('BAD_REQUEST', 'the delivery window must end after it starts');
  if (!(tx.nowMs < req.acceptUntilMs && req.acceptUntilMs <= req.windowStartMs)) refuse('BAD_REQUEST', 'acceptUntilMs must lie between now and the window start');
  const account = await activeAccount(tx, req.prosumerAccountId);
  if (account.kind !== 'prosumer' || account.ownerId !== prosumerId) refuse('ACCESS_DENIED', 'the account is not the prosumer\'s');
  if (account.currency !== req.currency) refuse('CURRENCY_MISMATCH', `the account is in ${account.currency}`);
  const meter = await meterAt(tx, { kind: 'export-point', prosumerId, exportPointId: req.exportPointId });
  const key = meter === undefined ? undefined : currentKey(meter);
  if (meter === undefined || key === undefined) refuse('NOT_FOUND', `no registered meter key at export point ${req.exportPointId}`);
  const offer: OfferRecord = {
    offerId: req.offerId,
    prosumerId,
    prosumerAccountId: req.prosumerAccountId,
    exportPointId: req.exportPointId,
    meterSerial: meter.meterSerial,
    energyWh: req.energyWh,
    remainingWh: req.energyWh,
    priceMicroPerKWh: req.priceMicroPerKWh,
    currency: req.currency,
    windowStartMs: req.windowStartMs,
    windowEndMs: req.windowEndMs,
    acceptUntilMs: req.acceptUntilMs,
    status: 'open',
    tradeCount: 0,
    meter: { meterSerial: meter.meterSerial, keyId: key.keyId, publicKey: key.publicKey },
  };
  await tx.put(offerKey(tx, req.offerId), offer);
  tx.emit('OfferPosted', { offerId: req.offerId, energyWh: req.energyWh, priceMicroPerKWh: req.priceMicroPerKWh });
  return publicOffer(offer);
}

/** Escrows the price of the accepted energy from the operator's account (a debit entry, never below zero). */
export async function acceptOffer(tx: Tx, operatorId: string, req: AcceptOfferRequest): Promise<Trade> {
  const offer = await loadOffer(tx, req.offerId);
  if (offer.status !== 'open') refuse(offer.status === 'expired' ? 'OFFER_EXPIRED' : 'INVALID_STATE', `offer ${req.offerId} is ${offer.status}`);
  if (tx.nowMs >= offer.acceptUntilMs) refuse('OFFER_EXPIRED', `offer ${req.offerId} closed for acceptance`);
  if (req.energyWh > offer.remainingWh) refuse('OFFER_EXHAUSTED', `only ${offer.remainingWh} Wh remain`);
  const account = await activeAccount(tx, req.operatorAccountId);
  if (account.kind !== 'operator' || account.ownerId !== operatorId) refuse('ACCESS_DENIED', 'the account is not the operator\'s');
  if (account.currency !== offer.currency) refuse('CURRENCY_MISMATCH', `the offer is in ${offer.currency}`);
  const escrowAmount = energyAmount(req.energyWh, offer.priceMicroPerKWh, offer.currency);
  const funds = await fundsOf(tx, account);
  if (funds.available < escrowAmount) refuse('INSUFFICIENT_FUNDS', `available ${funds.available} < escrow ${escrowAmount}`);

  const seq = offer.tradeCount + 1;
  const trade: Trade = {
    offerId: offer.offerId,
    tradeId: `${offer.offerId}:${seq}`,
    seq,
    operatorId,
    operatorAccountId: req.operatorAccountId,
    acceptedWh: req.energyWh,
    escrowAmount,
    status: 'escrowed',
  };
  // The escrow is a debit: it rewrites the operator's account record, so OperatorsMSP peers must endorse.
  await debit(tx, account, escrowAmount, 'trade-escrow', trade.tradeId);
  await tx.put(tradeKey(tx, offer.offerId, seq), trade);
  const remainingWh = offer.remainingWh - req.energyWh;
  await tx.put(offerKey(tx, offer.offerId), { ...offer, remainingWh, tradeCount: seq, status: remainingWh === 0 ? 'closed' : 'open' });
  tx.emit('OfferAccepted', { offerId: offer.offerId, tradeId: trade.tradeId, acceptedWh: req.energyWh, escrowAmount });
  return trade;
}

/**
 * Pays the prosumer min(accepted, delivered) × price per trade and refunds the rest of each escrow,
 * from the export meter's signed records; after the grace period without records, delivery counts as zero.
 */
export async function settleDelivery(
  tx: Tx,
  party: OfferParty,
  req: SettleDeliveryRequest,
  withEvidence: boolean,
): Promise<DeliverySettlement> {
  const offer = await loadOffer(tx, req.offerId);
  const trades = await tradesOf(tx, req.offerId);
  requireOfferParty(offer, trades, party);
  if (offer.status === 'settled') refuse('INVALID_STATE', `offer ${req.offerId} is settled`);
  if (trades.length === 0) refuse('INVALID_STATE', `offer ${req.offerId} has no accepted energy`);
  if (tx.nowMs < offer.windowEndMs) refuse('INVALID_STATE', 'the delivery window has not ended');

  let deliveredWh = 0;
  let evidenceHashes: readonly string[] = [];
  if (withEvidence) {
    const measurement = await verifiedMeasurement(tx, offer.meter, transientRecords(tx));
    checkWindow(measurement, offer.windowStartMs, offer.windowEndMs);
    deliveredWh = measurement.energyWh;
    evidenceHashes = measurement.evidenceHashes;
  } else if (tx.nowMs < offer.windowEndMs + DELIVERY_GRACE_MS) {
    refuse('BAD_REQUEST', 'export meter records are required until the grace period after the window has passed');
  }

  const settled = allocate(offer, trades, deliveredWh);
  for (const trade of settled) {
    await tx.put(tradeKey(tx, offer.offerId, trade.seq), trade);
    if ((trade.paid ?? 0) > 0) await credit(tx, offer.prosumerAccountId, trade.paid ?? 0, 'trade-payment', trade.tradeId, trade.seq);
    if ((trade.refunded ?? 0) > 0) await credit(tx, trade.operatorAccountId, trade.refunded ?? 0, 'trade-refund', trade.tradeId, trade.seq);
  }
  await tx.put(offerKey(tx, offer.offerId), { ...offer, status: 'settled', remainingWh: 0 });
  const paid = sum(settled.map((trade) => trade.paid ?? 0));
  const refunded = sum(settled.map((trade) => trade.refunded ?? 0));
  tx.emit('DeliverySettled', { offerId: offer.offerId, deliveredWh, paid, refunded });
  return { offerId: offer.offerId, deliveredWh, evidenceHashes, trades: settled, txId: tx.txId };
}

/**
 * Closes an offer for acceptance once acceptUntilMs has passed; accepted energy stays to be settled. Only
 * a party to the offer may record that; everyone else already sees it closed, because acceptOffer and
 * listOpenOffers apply the deadline themselves.
 */
export async function expireOffer(tx: Tx, party: OfferParty, req: ExpireOfferRequest): Promise<Offer> {
  const offer = await loadOffer(tx, req.offerId);
  requireOfferParty(offer, await tradesOf(tx, req.offerId), party);
  if (offer.status !== 'open') refuse('INVALID_STATE', `offer ${req.offerId} is ${offer.status}`);
  if (tx.nowMs < offer.acceptUntilMs) refuse('INVALID_STATE', `offer ${req.offerId} is open until ${offer.acceptUntilMs}`);
  const expired: OfferRecord = { ...offer, status: 'expired', remainingWh: 0 };
  await tx.put(offerKey(tx, offer.offerId), expired);
  tx.emit('OfferExpired', { offerId: offer.offerId, unacceptedWh: offer.remainingWh });
  return publicOffer(expired);
}
