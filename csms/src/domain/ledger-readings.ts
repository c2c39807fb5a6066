import { type PricedTariff, PricingError, priceMeasurement } from '@chargeledger/chaincode/pricing';
import { progressLevel } from '@chargeledger/ledger-queue';
import type { SessionPricing } from './running-cost';

/** What the estimate of a reading needs from its session: the charger's start and its register then. */
export interface ReadingSession {
  readonly startedAt: string;
  readonly meterStartWh: number;
}

/**
 * Whether the ledger may need a reading of a session the ledger has opened (ADR 0032): only one whose estimate,
 * under the tariff frozen at the open, reaches NEARING_BASIS_POINTS of the hold. Below that the bridge would
 * price it and write nothing, so the CSMS keeps it off the ledger events queue; its signed records still reach the
 * ledger with the session's end. The estimate is the bridge's (`estimateAt`): from the charger's start to the
 * reading, the energy since the start. A reading that cannot be priced goes to the bridge, which decides.
 */
export function ledgerMayNeed(pricing: SessionPricing, session: ReadingSession, reading: Readonly<{ timestamp: string; registerWh: number }>): boolean {
  const startMs = Date.parse(session.startedAt);
  const sampledAtMs = Date.parse(reading.timestamp);
  if (!Number.isFinite(startMs) || !Number.isFinite(sampledAtMs)) return true;
  const endMs = Math.max(sampledAtMs, startMs);
  const energyWh = reading.registerWh - session.meterStartWh;
  if (endMs === startMs && energyWh > 0) return true;
  let estimate: number;
  try {
    estimate = priceMeasurement(pricing.tariff.priced as PricedTariff, { startMs, endMs, energyWh }).total;
  } catch (error) {
    if (error instanceof PricingError) return true;
    throw error;
  }
  return progressLevel(estimate, pricing.holdAmount) >= 1;
}
