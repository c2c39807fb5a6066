/**
 * What the prosumer agent needs of the ledger, as the Prosumers' participants' service offers it (and the
 * chaincode's Trading contract answers): a subset of those types, so the simulators depend on neither.
 */

export interface OfferDraft {
  readonly offerId: string;
  readonly prosumerAccountId: string;
  readonly exportPointId: string;
  readonly energyWh: number;
  /** Micro-units of the currency per kWh (EUR 0.20/kWh = 200000). */
  readonly priceMicroPerKWh: number;
  readonly currency: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Accepting closes at this time; at most windowStartMs. */
  readonly acceptUntilMs: number;
}

export interface OfferTrade {
  readonly tradeId: string;
  readonly operatorId: string;
  readonly acceptedWh: number;
  readonly escrowAmount: number;
  readonly status: 'escrowed' | 'settled';
  readonly deliveredWh?: number;
  readonly paid?: number;
  readonly refunded?: number;
}

export interface PostedOffer {
  readonly offerId: string;
  readonly meterSerial: string;
  readonly energyWh: number;
  readonly remainingWh: number;
  readonly priceMicroPerKWh: number;
  readonly currency: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly acceptUntilMs: number;
  readonly status: 'open' | 'closed' | 'expired' | 'settled';
}

/** An offer with the operators' acceptances. */
export interface OfferWithTrades extends PostedOffer {
  readonly trades: readonly OfferTrade[];
}

export interface DeliverySettlement {
  readonly offerId: string;
  /** What the export meter's signed records prove was delivered in the window. */
  readonly deliveredWh: number;
  readonly trades: readonly OfferTrade[];
  readonly txId: string;
}

export interface ProsumerPort {
  postOffer(draft: OfferDraft): Promise<PostedOffer>;
  getOffer(offerId: string): Promise<OfferWithTrades>;
  /** Settles the window from the export meter's signed records (begin and end). */
  settleDelivery(offerId: string, ocmfRecords: readonly string[]): Promise<DeliverySettlement>;
}
