import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MeterError } from '../errors';

/**
 * What a meter must remember from one run to the next: a real meter's pagination and register never go back,
 * and the ledger refuses records that begin behind what the same meter key settled.
 */
export interface MeterState {
  /** The next transaction-context pagination counter. */
  readonly nextPage: number;
  /** The register after the last signed record, in whole Wh (what that record signed). */
  readonly registerWh: number;
  /** When the meter signed its last record (its clock's epoch ms); absent in state kept before it was recorded. */
  readonly lastSignedMs?: number;
}

/** Where meters keep their state; `save` is called after every signed record, so a killed run loses nothing. */
export interface MeterStateStore {
  load(meterSerial: string): MeterState | undefined;
  save(meterSerial: string, state: MeterState): void;
}

/** A meter serial as a file name: letters, digits, `.`, `_` and `-` only. */
const SERIAL = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * One JSON file per meter serial in `dir` (700, files 600: a state file sits beside the meters' keys). Each save
 * writes a new file and renames it over the old, so a crash leaves the old state or the new, never half of one.
 */
export class MeterStateFiles implements MeterStateStore {
  readonly #dir: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    this.#dir = dir;
  }

  load(meterSerial: string): MeterState | undefined {
    const file = this.#file(meterSerial);
    if (!existsSync(file)) return undefined;
    const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<MeterState>;
    const { nextPage, registerWh, lastSignedMs } = state;
    const whole = (value: unknown, min: number): boolean => Number.isSafeInteger(value) && (value as number) >= min;
    if (!whole(nextPage, 1) || !whole(registerWh, 0) || (lastSignedMs !== undefined && !whole(lastSignedMs, 0))) {
      throw new MeterError('InvalidState', meterSerial, `${file} holds no meter state ({"nextPage": ≥ 1, "registerWh": ≥ 0, "lastSignedMs"?: ≥ 0}); fix or remove it`);
    }
    return { nextPage: nextPage as number, registerWh: registerWh as number, ...(lastSignedMs === undefined ? {} : { lastSignedMs }) };
  }

  save(meterSerial: string, state: MeterState): void {
    const file = this.#file(meterSerial);
    const next = `${file}.next`;
    // A charger's clock may run in fractions of a millisecond: kept as the next whole one, never earlier.
    const kept = { nextPage: state.nextPage, registerWh: state.registerWh, ...(state.lastSignedMs === undefined ? {} : { lastSignedMs: Math.ceil(state.lastSignedMs) }) };
    writeFileSync(next, `${JSON.stringify(kept)}\n`, { mode: 0o600 });
    renameSync(next, file);
  }

  #file(meterSerial: string): string {
    if (!SERIAL.test(meterSerial)) throw new MeterError('InvalidState', meterSerial, `meter serial ${JSON.stringify(meterSerial)} cannot name a state file`);
    return path.join(this.#dir, `${meterSerial}.json`);
  }
}
