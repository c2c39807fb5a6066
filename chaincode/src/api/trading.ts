import type { Idempotent } from './common';

/** P2P energy offers, trades and delivery settlement. */

export interface PostOfferRequest extends Idempotent {
  readonly offerId: string;
  readonly prosumerAccountId: string;
  readonly exportPointId: string;
  readonly energyWh: number;
  /** Micro-units of the currency's major unit per kWh (EUR 0.25/kWh = 250000). */
  readonly priceMicroPerKWh: number;
  readonly currency: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Accepting is refused from this time on; at most windowStartMs. */
  readonly acceptUntilMs: number;
}
export interface Offer {
  readonly offerId: string;
  readonly prosumerId: string;
  readonly prosumerAccountId: string;
  readonly exportPointId: string;
  readonly meterSerial: string;
  readonly energyWh: number;
  readonly remainingWh: number;
  readonly priceMicroPerKWh: number;
  readonly currency: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly acceptUntilMs: number;
  readonly status: 'open' | 'closed' | 'expired' | 'settled';
  readonly tradeCount: number;
}
export interface AcceptOfferRequest extends Idempotent {
  readonly offerId: string;
  readonly operatorAccountId: string;
  readonly energyWh: number;
}
export interface Trade {
  readonly offerId: string;
  readonly tradeId: string;
  /** Order of acceptance within the offer (delivery is allocated in this order). */
  readonly seq: number;
  readonly operatorId: string;
  readonly operatorAccountId: string;
  readonly acceptedWh: number;
  readonly escrowAmount: number;
  readonly status: 'escrowed' | 'settled';
  readonly deliveredWh?: number;
  readonly paid?: number;
  readonly refunded?: number;
}
export interface SettleDeliveryRequest extends Idempotent {
  readonly offerId: string;
}
export interface DeliverySettlement {
  readonly offerId: string;
  readonly deliveredWh: number;
  readonly evidenceHashes: readonly string[];
  readonly trades: readonly Trade[];
  readonly txId: string;
}
export interface ExpireOfferRequest extends Idempotent {
  readonly offerId: string;
}
export interface OfferQuery {
  readonly offerId: string;
}
export interface OpenOffersResult {
  readonly offers: readonly Offer[];
}
