import type { TariffRecord } from '@chargeledger/chaincode/api';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import { estimateAt as estimateAtReading, type ProgressLevel, progressLevel } from '@chargeledger/ledger-queue';

/** What the bridge keeps of a session's open to price its meter values (ADR 0032). */
export interface SessionPricing {
  readonly holdAmount: number;
  readonly tariffId: string;
  readonly tariffVersion: number;
  /** The charger's start of the session: where the estimate's measurement begins. */
  readonly startMs: number;
}

/** How far a session's progress has been written to the ledger. */
export interface RecordedProgress {
  /** The highest level (ProgressLevel) a progress record on the ledger reached. */
  readonly level: ProgressLevel;
  /** When the reading of the last progress record was taken; the session's start before the first. */
  readonly atMs: number;
}

export { NEARING_BASIS_POINTS, type ProgressLevel } from '@chargeledger/ledger-queue';

/** The estimate of a reading and whether the ledger must see a progress record of it. */
export interface ProgressDecision {
  readonly estimatedCost: number;
  readonly level: ProgressLevel;
  readonly holdExhausted: boolean;
  readonly record: boolean;
}

/**
 * The progress rule (ADR 0032). A reading is written to the ledger (Session:recordProgress) when its estimate
 * first reaches NEARING_BASIS_POINTS of the hold, when it first reaches the hold, and, if `auditEveryMs` is
 * above 0, when `auditEveryMs` of the charger's time passed since the last record. Every other reading is
 * priced here only: it moves no money, and the settlement prices the signed evidence again and caps the charge
 * at the hold whatever was estimated meanwhile. Integer arithmetic only.
 */
export function decideProgress(estimatedCost: number, holdAmount: number, recorded: RecordedProgress, sampledAtMs: number, auditEveryMs: number): ProgressDecision {
  const level = progressLevel(estimatedCost, holdAmount);
  const holdExhausted = level === 2;
  const audit = auditEveryMs > 0 && sampledAtMs - recorded.atMs >= auditEveryMs;
  return { estimatedCost, level, holdExhausted, record: level > recorded.level || audit };
}

/**
 * The estimate of a session's cost at a reading, with the chaincode's own pricing on the tariff frozen at the
 * open: what Session:recordProgress would compute, measured to the reading's time rather than the
 * transaction's. Undefined when the reading cannot be priced (energy without elapsed time); the ledger then
 * decides.
 */
export function estimateAt(tariff: TariffRecord, pricing: SessionPricing, sampledAtMs: number, energyWh: number): number | undefined {
  return estimateAtReading(tariff.tariff, pricing.startMs, sampledAtMs, energyWh);
}

/**
 * Tariff versions by id and version, read from the ledger once each: a published version never changes, so a
 * session's frozen tariff is the version its open named.
 */
export class TariffVersions {
  readonly #ledger: ChargingLedger;
  readonly #known = new Map<string, Promise<TariffRecord>>();

  constructor(ledger: ChargingLedger) {
    this.#ledger = ledger;
  }

  get(tariffId: string, version: number): Promise<TariffRecord> {
    const key = `${tariffId}\u0000${version}`;
    let known = this.#known.get(key);
    if (known === undefined) {
      known = this.#ledger.evaluate('Tariff:getTariff', { tariffId, version });
      // A failed read is not kept: the next reading asks again.
      known.catch(() => this.#known.delete(key));
      this.#known.set(key, known);
    }
    return known;
  }
}
