import type { FieldFailure } from './errors';

export type TextCheck = (text: string) => boolean;

/** Field readers over parsed JSON. Each either returns a value of the promised type or calls `fail` (which throws). */
export class FieldReader {
  readonly #fail: FieldFailure;

  constructor(fail: FieldFailure) {
    this.#fail = fail;
  }

  fail(...args: Parameters<FieldFailure>): never {
    return this.#fail(...args);
  }

  /** A plain JSON object; when `allowed` is given, every key must be in it. */
  object(value: unknown, path: string, allowed?: readonly string[]): Readonly<Record<string, unknown>> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.#fail('TYPE', path, 'must be an object');
    }
    const record = value as Readonly<Record<string, unknown>>;
    if (allowed === undefined) return record;
    for (const key of Object.keys(record).sort()) {
      if (!allowed.includes(key)) this.#fail('UNKNOWN_FIELD', join(path, key), 'is not a known field');
    }
    return record;
  }

  array(value: unknown, path: string, nonEmpty: boolean): readonly unknown[] {
    if (!Array.isArray(value)) this.#fail('TYPE', path, 'must be an array');
    if (nonEmpty && value.length === 0) this.#fail('EMPTY', path, 'must not be empty');
    return value;
  }

  /** A required integer in [min, max]; both bounds are safe integers, so the result is one too. */
  integer(record: Readonly<Record<string, unknown>>, key: string, path: string, min: number, max: number): number {
    return this.integerValue(this.required(record, key, path), join(path, key), min, max);
  }

  optionalInteger(
    record: Readonly<Record<string, unknown>>,
    key: string,
    path: string,
    min: number,
    max: number,
  ): number | undefined {
    const value = record[key];
    return value === undefined ? undefined : this.integerValue(value, join(path, key), min, max);
  }

  integerValue(value: unknown, path: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) this.#fail('TYPE', path, 'must be an integer');
    if (value < min || value > max) this.#fail('RANGE', path, `must be between ${min} and ${max}`);
    return value;
  }

  /** A required string accepted by `wellFormed`; `form` describes the accepted form in the error. */
  string(
    record: Readonly<Record<string, unknown>>,
    key: string,
    path: string,
    wellFormed: TextCheck,
    form: string,
  ): string {
    return this.stringValue(this.required(record, key, path), join(path, key), wellFormed, form);
  }

  optionalString(
    record: Readonly<Record<string, unknown>>,
    key: string,
    path: string,
    wellFormed: TextCheck,
    form: string,
  ): string | undefined {
    const value = record[key];
    return value === undefined ? undefined : this.stringValue(value, join(path, key), wellFormed, form);
  }

  stringValue(value: unknown, path: string, wellFormed: TextCheck, form: string): string {
    if (typeof value !== 'string') this.#fail('TYPE', path, 'must be a string');
    if (!wellFormed(value)) this.#fail('FORMAT', path, `must be ${form}`);
    return value;
  }

  /** The value of a field that must be present (JSON null counts as present, and fails its type check). */
  required(record: Readonly<Record<string, unknown>>, key: string, path: string): unknown {
    const value = record[key];
    if (value === undefined) this.#fail('REQUIRED', join(path, key), 'is required');
    return value;
  }
}

/** `a.b`, or `b` at the root. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function at(path: string, index: number): string {
  return `${path}[${index}]`;
}
