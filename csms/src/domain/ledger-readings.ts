import { estimateAt, progressLevel } from '@chargeledger/ledger-queue';
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
 * ledger with the session's end. The estimate is the bridge's (`estimateAt` of `ledger-queue`): from the charger's start to the
 * reading, the energy since the start. A reading that cannot be priced goes to the bridge, which decides.
 */
export function ledgerMayNeed(pricing: SessionPricing, session: ReadingSession, reading: Readonly<{ timestamp: string; registerWh: number }>): boolean {
  const startMs = Date.parse(session.startedAt);
  const sampledAtMs = Date.parse(reading.timestamp);
  if (!Number.isFinite(startMs) || !Number.isFinite(sampledAtMs)) return true;
  const estimate = estimateAt(pricing.tariff.priced, startMs, sampledAtMs, reading.registerWh - session.meterStartWh);
  return estimate === undefined || progressLevel(estimate, pricing.holdAmount) >= 1;
}
