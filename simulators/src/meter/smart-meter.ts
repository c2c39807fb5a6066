import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock';
import { MeterError } from '../errors';
import type { ElectricVehicle } from './ev';
import { assertMeterKey, publicKeySpkiDer } from './keys';
import type { MeterState } from './meter-state';
import {
  ocmfPayloadText,
  signOcmf,
  type OcmfGateway,
  type OcmfIdentification,
  type OcmfMeterIdentity,
  type OcmfReadingReason,
} from './ocmf';

const WMS_PER_WH = 3_600_000;

/** What takes the energy behind the meter: a vehicle's battery behind a charger, the grid behind an export meter. */
export type EnergyTaker = Pick<ElectricVehicle, 'acceptanceW' | 'absorb'>;

/** What is connected behind the meter while a vehicle is plugged in (or while an installation exports). */
export interface MeterLoad {
  readonly vehicle: EnergyTaker;
  /** The most the charger lets through at `atMs` (hardware, charging profiles, availability); 0 while not charging. */
  limitW(atMs: number): number;
}

export interface SmartMeterOptions {
  readonly clock: Clock;
  readonly identity: OcmfMeterIdentity;
  readonly gateway: OcmfGateway;
  /** EC P-256 private key; it never leaves the meter, only signatures and the public key do. */
  readonly signingKey: KeyObject;
  /** Register reading when the simulation starts. */
  readonly registerWh: number;
  /** Power is re-evaluated on this time grid and on every update(); 1000 follows the taper second by second. */
  readonly stepMs: number;
  /** The next transaction-context pagination number. */
  readonly nextPage: number;
  /** OBIS code of the register the meter signs; OCMF_ENERGY_REGISTER (import) when omitted. */
  readonly register?: string;
  /** Told the meter's state after every signed record, to keep it across runs (MeterStateStore.save). */
  readonly onSigned?: (state: MeterState) => void;
}

export interface MeterReading {
  readonly timestampMs: number;
  readonly registerWh: number;
  readonly powerW: number;
}

export interface SignedMeterReading extends MeterReading {
  readonly reason: OcmfReadingReason;
  readonly page: number;
  /** The complete OCMF record. */
  readonly record: string;
}

/**
 * An energy meter with its own signing key. Invariants: the register only grows and counts exactly the energy
 * the vehicle took; power is constant between grid points unless update() is called; pagination numbers are
 * consecutive across all records the meter signs, so the records of one transaction are consecutive too.
 */
export class SmartMeter {
  readonly identity: OcmfMeterIdentity;
  /** SubjectPublicKeyInfo DER of the signing key. */
  readonly publicKeySpki: Buffer;
  readonly #clock: Clock;
  readonly #gateway: OcmfGateway;
  readonly #signingKey: KeyObject;
  readonly #stepMs: number;
  readonly #register: string | undefined;
  readonly #onSigned: ((state: MeterState) => void) | undefined;
  #energyWms: number;
  #syncedMs: number;
  #holdUntilMs: number;
  #powerW = 0;
  #load: MeterLoad | undefined;
  #nextPage: number;
  #openTransaction: OcmfIdentification | undefined;

  constructor(options: Readonly<SmartMeterOptions>) {
    if (!Number.isSafeInteger(options.registerWh) || options.registerWh < 0) throw new RangeError('registerWh must be a whole number ≥ 0');
    if (!Number.isInteger(options.stepMs) || options.stepMs <= 0) throw new RangeError('stepMs must be a positive integer');
    assertMeterKey(options.signingKey, options.identity.serial);
    this.identity = options.identity;
    this.publicKeySpki = publicKeySpkiDer(options.signingKey);
    this.#clock = options.clock;
    this.#gateway = options.gateway;
    this.#signingKey = options.signingKey;
    this.#stepMs = options.stepMs;
    this.#register = options.register;
    this.#onSigned = options.onSigned;
    this.#energyWms = options.registerWh * WMS_PER_WH;
    this.#syncedMs = options.clock.now();
    this.#holdUntilMs = this.#syncedMs;
    this.#nextPage = options.nextPage;
  }

  get publicKeyHex(): string {
    return this.publicKeySpki.toString('hex');
  }

  get transactionOpen(): boolean {
    return this.#openTransaction !== undefined;
  }

  attach(load: MeterLoad): void {
    this.#sync();
    this.#load = load;
    this.#hold(this.#clock.now());
  }

  detach(): void {
    this.#sync();
    this.#load = undefined;
    this.#hold(this.#clock.now());
  }

  /**
   * Brings the register up to now under the old conditions, then applies `change` (a new limit, say) and
   * re-evaluates power at once rather than at the next grid point. Whatever limitW() reads must only change in here.
   */
  update(change?: () => void): void {
    this.#sync();
    change?.();
    this.#hold(this.#clock.now());
  }

  read(): MeterReading {
    this.#sync();
    return { timestampMs: this.#syncedMs, registerWh: Math.floor(this.#energyWms / WMS_PER_WH), powerW: this.#powerW };
  }

  beginTransaction(identification: OcmfIdentification): SignedMeterReading {
    if (this.#openTransaction !== undefined) {
      throw new MeterError('TransactionOpen', this.identity.serial, `meter ${this.identity.serial} already has an open transaction`);
    }
    this.#openTransaction = identification;
    return this.#sign('B', identification);
  }

  /** A signed reading inside the open transaction: C while charging, T at a tariff change. */
  signUpdate(reason: 'C' | 'T'): SignedMeterReading {
    return this.#sign(reason, this.#requireOpen());
  }

  endTransaction(): SignedMeterReading {
    const identification = this.#requireOpen();
    this.#openTransaction = undefined;
    return this.#sign('E', identification);
  }

  #requireOpen(): OcmfIdentification {
    if (this.#openTransaction === undefined) {
      throw new MeterError('NoTransaction', this.identity.serial, `meter ${this.identity.serial} has no open transaction`);
    }
    return this.#openTransaction;
  }

  #sign(reason: OcmfReadingReason, identification: OcmfIdentification): SignedMeterReading {
    const reading = this.read();
    const page = this.#nextPage++;
    const payload = ocmfPayloadText({
      gateway: this.#gateway,
      meter: this.identity,
      page,
      identification,
      readings: [{ timestampMs: reading.timestampMs, reason, registerWh: reading.registerWh, ...(this.#register === undefined ? {} : { register: this.#register }) }],
    });
    const record = signOcmf(payload, this.#signingKey);
    this.#onSigned?.({ nextPage: this.#nextPage, registerWh: reading.registerWh, lastSignedMs: reading.timestampMs });
    return { ...reading, reason, page, record };
  }

  /** Integrates held power up to now, re-evaluating it at each grid point crossed. */
  #sync(): void {
    const nowMs = this.#clock.now();
    while (this.#syncedMs < nowMs) {
      if (this.#load === undefined) {
        this.#syncedMs = nowMs;
        break;
      }
      if (this.#syncedMs >= this.#holdUntilMs) this.#hold(this.#syncedMs);
      const untilMs = Math.min(nowMs, this.#holdUntilMs);
      this.#energyWms += this.#load.vehicle.absorb(this.#powerW, untilMs - this.#syncedMs);
      this.#syncedMs = untilMs;
    }
  }

  #hold(atMs: number): void {
    this.#holdUntilMs = (Math.floor(atMs / this.#stepMs) + 1) * this.#stepMs;
    const load = this.#load;
    this.#powerW = load === undefined ? 0 : Math.max(0, Math.floor(Math.min(load.limitW(atMs), load.vehicle.acceptanceW())));
  }
}

/** A meter on its own, e.g. behind a prosumer's installation rather than a charge point. */
export function createSmartMeter(options: Readonly<SmartMeterOptions>): SmartMeter {
  return new SmartMeter(options);
}
