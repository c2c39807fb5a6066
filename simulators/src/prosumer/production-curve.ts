import { householdLoadW, type HouseholdProfile } from './household';
import { clearSkyPowerW, validatePvSystem, type PvSystem } from './solar';

/** Power that leaves the installation for the grid: what the export meter counts. */
export interface SurplusSource {
  /** In W, ≥ 0. */
  surplusW(atMs: number): number;
}

/** A prosumer's day: what the roof produces, what the house takes, and the surplus between them. */
export interface ProductionCurve extends SurplusSource {
  productionW(atMs: number): number;
  loadW(atMs: number): number;
}

export interface ProductionCurveOptions {
  readonly pv: PvSystem;
  readonly household: HouseholdProfile;
}

/** surplus = max(0, clear-sky production − household load): the house uses its own power first. */
export function productionCurve(options: Readonly<ProductionCurveOptions>): ProductionCurve {
  validatePvSystem(options.pv);
  const { pv, household } = options;
  return {
    productionW: (atMs) => clearSkyPowerW(pv, atMs),
    loadW: (atMs) => householdLoadW(household, atMs),
    surplusW: (atMs) => Math.max(0, clearSkyPowerW(pv, atMs) - householdLoadW(household, atMs)),
  };
}

/** Integration step: power changes little within a minute. */
const STEP_MS = 60_000;

/** The energy a source delivers in [fromMs, toMs), in whole Wh (rounded down), by the midpoint rule. */
export function energyWh(powerW: (atMs: number) => number, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return 0;
  const steps = Math.ceil((toMs - fromMs) / STEP_MS);
  const stepMs = (toMs - fromMs) / steps;
  let wms = 0;
  for (let i = 0; i < steps; i++) wms += powerW(fromMs + (i + 0.5) * stepMs) * stepMs;
  return Math.floor(wms / 3_600_000);
}
