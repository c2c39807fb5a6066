import { type PricedTariff, PricingError, priceMeasurement } from '@chargeledger/chaincode/pricing';

/**
 * The progress rule's levels (ADR 0032), shared by the CSMS, which publishes a reading to the ledger events
 * queue only when the ledger may need it, and the bridge, which decides which readings the ledger records.
 */

/** 0: under NEARING_BASIS_POINTS of the hold; 1: nearing it; 2: the estimate reached the hold. */
export type ProgressLevel = 0 | 1 | 2;

/** The share of the hold, in basis points, at which the ledger is first told that a session nears its hold. */
export const NEARING_BASIS_POINTS = 8_000;

/** The level of an estimate against the hold, in integers. */
export function progressLevel(estimatedCost: number, holdAmount: number): ProgressLevel {
  if (estimatedCost >= holdAmount) return 2;
  return estimatedCost * 10_000 >= holdAmount * NEARING_BASIS_POINTS ? 1 : 0;
}

/**
 * The estimate of a session's cost at a reading, with the chaincode's own pricing on the tariff frozen at the
 * open (`priced`, TariffRecord.tariff): from the charger's start to the reading, the energy since the start.
 * Undefined when the reading cannot be priced (energy without elapsed time); the ledger then decides.
 */
export function estimateAt(priced: unknown, startMs: number, sampledAtMs: number, energyWh: number): number | undefined {
  const endMs = Math.max(sampledAtMs, startMs);
  if (endMs === startMs && energyWh > 0) return undefined;
  try {
    return priceMeasurement(priced as PricedTariff, { startMs, endMs, energyWh }).total;
  } catch (error) {
    if (error instanceof PricingError) return undefined;
    throw error;
  }
}
