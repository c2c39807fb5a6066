import { type PricedTariff, priceSession } from './price-session';
import type { PriceBreakdown } from './types';

/** Two readings of a session: when they were taken and the energy between them, in whole Wh. */
export interface Measurement {
  readonly startMs: number;
  readonly endMs: number;
  readonly energyWh: number;
}

/**
 * The price of a measured session under a tariff, the energy spread evenly between the two readings: how
 * the ledger prices a settlement, and how anyone re-prices a receipt. Throws PricingError as priceSession
 * does. A measurement with energy but no elapsed time cannot be priced (the caller refuses it).
 */
export function priceMeasurement(tariff: PricedTariff, measurement: Measurement): PriceBreakdown {
  const { startMs, endMs, energyWh } = measurement;
  const samples = endMs === startMs ? [{ timestampMs: startMs, registerWh: 0 }] : [{ timestampMs: startMs, registerWh: 0 }, { timestampMs: endMs, registerWh: energyWh }];
  return priceSession(tariff, { startMs, endMs, samples });
}
