import type { Offer, Trade } from '../api';
import { refuse } from '../core/errors';
import { KEY, padSeq } from '../core/keys';
import { energyAmount } from '../core/money';
import type { Tx } from '../core/transaction-view';
import type { FrozenMeter } from '../session/records';

/** An offer as stored: the export meter's key in force when it was posted settles its delivery. */
export interface OfferRecord extends Offer {
  readonly meter: FrozenMeter;
}

/** Without evidence, a delivery can be settled as zero this long after the window closed, so escrow never sticks. */
export const DELIVERY_GRACE_MS = 24 * 3_600_000;

export function offerKey(tx: Tx, offerId: string): string {
  return tx.key(KEY.offer, offerId);
}

export function tradeKey(tx: Tx, offerId: string, seq: number): string {
  return tx.key(KEY.trade, offerId, padSeq(seq));
}

export async function loadOffer(tx: Tx, offerId: string): Promise<OfferRecord> {
  return tx.must<OfferRecord>(offerKey(tx, offerId), `offer ${offerId}`);
}

export async function tradesOf(tx: Tx, offerId: string): Promise<Trade[]> {
  return (await tx.list<Trade>(KEY.trade, offerId)).map((listed) => listed.value);
}

export function publicOffer(offer: OfferRecord): Offer {
  return {
    offerId: offer.offerId,
    prosumerId: offer.prosumerId,
    prosumerAccountId: offer.prosumerAccountId,
    exportPointId: offer.exportPointId,
    meterSerial: offer.meterSerial,
    energyWh: offer.energyWh,
    remainingWh: offer.remainingWh,
    priceMicroPerKWh: offer.priceMicroPerKWh,
    currency: offer.currency,
    windowStartMs: offer.windowStartMs,
    windowEndMs: offer.windowEndMs,
    acceptUntilMs: offer.acceptUntilMs,
    status: offer.status,
    tradeCount: offer.tradeCount,
  };
}

/**
 * Splits delivered energy over the trades in acceptance order. Each trade is paid
 * energyAmount(min(accepted, its share)) and refunded the rest of its escrow; because energyAmount is
 * monotone, paid never exceeds escrow and paid + refunded = escrow for every trade.
 */
export function allocate(offer: Offer, trades: readonly Trade[], deliveredWh: number): Trade[] {
  let left = deliveredWh;
  return trades.map((trade) => {
    const share = Math.min(trade.acceptedWh, left);
    left -= share;
    const paid = energyAmount(share, offer.priceMicroPerKWh, offer.currency);
    if (paid > trade.escrowAmount) refuse('INVALID_STATE', `trade ${trade.tradeId} would pay more than its escrow`);
    return { ...trade, status: 'settled' as const, deliveredWh: share, paid, refunded: trade.escrowAmount - paid };
  });
}
