import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock';
import { OCMF_EXPORT_REGISTER, type OcmfIdentification } from '../meter/ocmf';
import type { MeterState } from '../meter/meter-state';
import { SmartMeter, type EnergyTaker, type MeterReading, type SignedMeterReading } from '../meter/smart-meter';
import type { SurplusSource } from './production-curve';

export interface ExportMeterOptions {
  readonly clock: Clock;
  readonly serial: string;
  /** EC P-256 private key; the Authority registers its public half for the prosumer's export point. */
  readonly signingKey: KeyObject;
  /** What actually flows out to the grid (the forecast may differ: clouds). */
  readonly source: SurplusSource;
  /** Register reading when the simulation starts. */
  readonly registerWh: number;
  /** Power is re-read from the source on this time grid. */
  readonly stepMs: number;
  /** The next transaction-context pagination number. */
  readonly nextPage: number;
  /** Told the meter's state after every signed record, to keep it across runs (MeterStateStore.save). */
  readonly onSigned?: (state: MeterState) => void;
}

/** The grid takes whatever the installation exports. */
const GRID: EnergyTaker = {
  acceptanceW: () => Number.POSITIVE_INFINITY,
  absorb: (powerW, durationMs) => powerW * durationMs,
};

/** A delivery belongs to no user: OCMF's identification is empty. */
const NO_USER: OcmfIdentification = { assigned: false, level: 'NONE', flags: ['RFID_NONE'], type: 'NONE', data: '' };

/**
 * The meter at a prosumer's export point: the simulators' signing SmartMeter on the export register
 * (1-b:2.8.0), always connected, counting what the installation feeds in. A delivery window is one OCMF
 * transaction: a signed begin (B) at the window's start and end (E) at its close, with consecutive pagination,
 * which is what the chaincode verifies before it pays.
 */
export class ExportMeter {
  readonly #meter: SmartMeter;

  constructor(options: Readonly<ExportMeterOptions>) {
    this.#meter = new SmartMeter({
      clock: options.clock,
      identity: { vendor: 'ChargeLedger', model: 'SIM-EXPORT-1', serial: options.serial },
      gateway: { id: 'CL-SIM-PV', serial: `GW-${options.serial}`, version: '1.0' },
      signingKey: options.signingKey,
      registerWh: options.registerWh,
      stepMs: options.stepMs,
      nextPage: options.nextPage,
      register: OCMF_EXPORT_REGISTER,
      ...(options.onSigned === undefined ? {} : { onSigned: options.onSigned }),
    });
    this.#meter.attach({ vehicle: GRID, limitW: (atMs) => options.source.surplusW(atMs) });
  }

  get serial(): string {
    return this.#meter.identity.serial;
  }

  /** SubjectPublicKeyInfo DER in hex, as the Authority registers it. */
  get publicKeyHex(): string {
    return this.#meter.publicKeyHex;
  }

  read(): MeterReading {
    return this.#meter.read();
  }

  beginDelivery(): SignedMeterReading {
    return this.#meter.beginTransaction(NO_USER);
  }

  endDelivery(): SignedMeterReading {
    return this.#meter.endTransaction();
  }
}

export function createExportMeter(options: Readonly<ExportMeterOptions>): ExportMeter {
  return new ExportMeter(options);
}
