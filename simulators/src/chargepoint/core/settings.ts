/** Behaviour the CSMS can read and change: 1.6 configuration keys and 2.0.1 variables both map onto these. */
export interface StationSettings {
  heartbeatIntervalS: number;
  /** Period of transaction meter values; 0 sends none. */
  meterValueSampleIntervalS: number;
  /** How long an authorization waits for a cable before it lapses. */
  connectionTimeOutS: number;
  /** Authorize a remote start's token with the CSMS before starting. */
  authorizeRemoteStart: boolean;
  /** Start for any token while the CSMS cannot be asked (tokens on the local list go by their listed status). */
  allowOfflineTxForUnknownId: boolean;
  /** Consult the local authorization list while the CSMS cannot be asked; the list is kept either way. */
  localAuthListEnabled: boolean;
  /** Attach a signed OCMF record to periodic meter values too, not only to begin and end. */
  signPeriodicReadings: boolean;
  /** Stop a transaction whose token the CSMS rejects in its reply to the start. */
  stopTransactionOnInvalidId: boolean;
  /**
   * The charger has a display for prices and costs: 2.0.1 TariffCostCtrlr and DisplayMessageCtrlr enabled, 1.6
   * the OCA's California Pricing (CustomDisplayCostAndPrice). Fixed for a charger's life: no key changes it.
   */
  priceDisplay: boolean;
}

export const DEFAULT_SETTINGS: Readonly<StationSettings> = {
  heartbeatIntervalS: 300,
  meterValueSampleIntervalS: 60,
  connectionTimeOutS: 120,
  authorizeRemoteStart: false,
  allowOfflineTxForUnknownId: true,
  localAuthListEnabled: true,
  signPeriodicReadings: false,
  stopTransactionOnInvalidId: true,
  priceDisplay: false,
};

export class SettingsStore {
  readonly #values: StationSettings;
  readonly #listeners: ((key: keyof StationSettings) => void)[] = [];

  constructor(initial: Readonly<StationSettings>) {
    this.#values = { ...initial };
  }

  get<K extends keyof StationSettings>(key: K): StationSettings[K] {
    return this.#values[key];
  }

  set<K extends keyof StationSettings>(key: K, value: StationSettings[K]): void {
    if (this.#values[key] === value) return;
    this.#values[key] = value;
    for (const listener of this.#listeners) listener(key);
  }

  onChange(listener: (key: keyof StationSettings) => void): void {
    this.#listeners.push(listener);
  }
}
