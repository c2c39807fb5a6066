/** What a plugged-in vehicle is: it, not the charger, decides how much of the offered power it takes. */
export interface EvModel {
  /** Usable battery capacity. */
  readonly batteryCapacityWh: number;
  /** State of charge when plugged in, 0–100. */
  readonly initialSocPercent: number;
  /** The most the vehicle draws, whatever the charger offers. */
  readonly maxPowerW: number;
  /** Above this state of charge the draw tapers linearly; 80 when omitted. */
  readonly taperStartSocPercent?: number;
}

const WMS_PER_WH = 3_600_000;
const DEFAULT_TAPER_START_PERCENT = 80;
/** Tapering never drops below this share of max power until the battery is full, so a session does end. */
const TAPER_FLOOR_SHARE = 0.05;

export function validateEvModel(model: EvModel): void {
  const taper = model.taperStartSocPercent ?? DEFAULT_TAPER_START_PERCENT;
  const problems = [
    model.batteryCapacityWh > 0 && Number.isInteger(model.batteryCapacityWh) ? undefined : 'batteryCapacityWh must be a positive integer',
    model.initialSocPercent >= 0 && model.initialSocPercent <= 100 ? undefined : 'initialSocPercent must be within 0..100',
    model.maxPowerW > 0 && Number.isInteger(model.maxPowerW) ? undefined : 'maxPowerW must be a positive integer',
    taper > 0 && taper < 100 ? undefined : 'taperStartSocPercent must be within 0..100 exclusive',
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new RangeError(`invalid EV model: ${problems.join('; ')}`);
}

/**
 * A battery being filled. Invariant: acceptanceW() never increases as the battery fills, and it is 0
 * exactly when the battery is full.
 */
export class ElectricVehicle {
  readonly model: EvModel;
  readonly #capacityWms: number;
  #storedWms: number;

  constructor(model: EvModel) {
    validateEvModel(model);
    this.model = model;
    this.#capacityWms = model.batteryCapacityWh * WMS_PER_WH;
    this.#storedWms = Math.round((this.#capacityWms * model.initialSocPercent) / 100);
  }

  get socPercent(): number {
    return (this.#storedWms / this.#capacityWms) * 100;
  }

  get isFull(): boolean {
    return this.#storedWms >= this.#capacityWms;
  }

  /** The power the vehicle would draw now if the charger offered unlimited power. */
  acceptanceW(): number {
    if (this.isFull) return 0;
    const taperStart = this.model.taperStartSocPercent ?? DEFAULT_TAPER_START_PERCENT;
    const soc = this.socPercent;
    if (soc <= taperStart) return this.model.maxPowerW;
    const tapered = Math.floor((this.model.maxPowerW * (100 - soc)) / (100 - taperStart));
    return Math.max(tapered, Math.ceil(this.model.maxPowerW * TAPER_FLOOR_SHARE));
  }

  /** Stores up to `powerW` for `durationMs` and returns the energy actually taken, in W·ms. */
  absorb(powerW: number, durationMs: number): number {
    const taken = Math.min(powerW * durationMs, this.#capacityWms - this.#storedWms);
    this.#storedWms += taken;
    return taken;
  }
}
