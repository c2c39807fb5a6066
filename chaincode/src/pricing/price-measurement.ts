import { type PricedTariff, priceSession } from './price-session';
import type { PriceBreakdown } from './types';

/** Two readings of a session: when they were taken and the energy between them, in whole Wh. */
export interface Measurement {
  readonly startMs: number;
  readonly endMs: number;
  readonly energyWh: number;
  /** When charging ended and parking began; priced only when strictly between the readings (`parkingFrom`). */
  readonly chargingEndMs?: number;
}

/**
 * When the measurement's parking begins: its chargingEndMs if that lies strictly between the two readings,
 * else undefined (no parking: a charging end outside the readings says nothing the meter can bear out).
 */
export function parkingFrom(measurement: Measurement): number | undefined {
  const { startMs, endMs, chargingEndMs } = measurement;
  return chargingEndMs !== undefined && chargingEndMs > startMs && chargingEndMs < endMs ? chargingEndMs : undefined;
}

/**
 * The price of a measured session under a tariff, the energy spread evenly between the two readings (or between
 * the first and the end of charging, when parking followed): how
 * the ledger prices a settlement, and how anyone re-prices a receipt. Throws PricingError as priceSession
 * does. A measurement with energy but no elapsed time cannot be priced (the caller refuses it).
 */
export function priceMeasurement(tariff: PricedTariff, measurement: Measurement): PriceBreakdown {
  const { startMs, endMs, energyWh } = measurement;
  const chargingEndMs = parkingFrom(measurement);
  if (chargingEndMs !== undefined) {
    // The energy flowed evenly while charging; the register stands still while parked.
    const samples = [{ timestampMs: startMs, registerWh: 0 }, { timestampMs: chargingEndMs, registerWh: energyWh }, { timestampMs: endMs, registerWh: energyWh }];
    return priceSession(tariff, { startMs, endMs, chargingEndMs, samples });
  }
  const samples = endMs === startMs ? [{ timestampMs: startMs, registerWh: 0 }] : [{ timestampMs: startMs, registerWh: 0 }, { timestampMs: endMs, registerWh: energyWh }];
  return priceSession(tariff, { startMs, endMs, samples });
}
