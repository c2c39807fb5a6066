import { refuse } from './errors';

/** Identifiers (ids, event ids, references): 1-128 of [A-Za-z0-9._:-]; never contain composite-key separators. */
export const IDENTIFIER = /^[A-Za-z0-9._:-]{1,128}$/;
export const CURRENCY = /^[A-Z]{3}$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Reads one JSON object of a request. Unknown members are refused, so a misspelt optional field never
 * silently changes a transaction. Every failure is a BAD_REQUEST naming the member's path.
 */
export class Fields {
  readonly #value: Readonly<Record<string, unknown>>;
  readonly #path: string;

  constructor(value: unknown, path: string, allowed: readonly string[]) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      refuse('BAD_REQUEST', `${path || 'request'} must be a JSON object`);
    }
    const record = value as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) refuse('BAD_REQUEST', `${path || 'request'} has unknown members: ${unknown.join(', ')}`);
    this.#value = record;
    this.#path = path;
  }

  static parse(json: string, allowed: readonly string[]): Fields {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      refuse('BAD_REQUEST', 'the argument is not JSON');
    }
    return new Fields(value, '', allowed);
  }

  has(key: string): boolean {
    return this.#value[key] !== undefined;
  }

  raw(key: string): unknown {
    return this.#value[key];
  }

  id(key: string): string {
    const value = this.#value[key];
    if (typeof value !== 'string' || !IDENTIFIER.test(value)) this.#fail(key, 'must be 1-128 characters of [A-Za-z0-9._:-]');
    return value;
  }

  optionalId(key: string): string | undefined {
    return this.has(key) ? this.id(key) : undefined;
  }

  /** A SHA-256 digest as 64 lowercase hex digits. */
  sha256Hex(key: string): string {
    const value = this.#value[key];
    if (typeof value !== 'string' || !SHA256_HEX.test(value)) this.#fail(key, 'must be 64 lowercase hex digits');
    return value;
  }

  currency(key: string): string {
    const value = this.#value[key];
    if (typeof value !== 'string' || !CURRENCY.test(value)) this.#fail(key, 'must be an ISO 4217 code');
    return value;
  }

  /** A safe integer in [min, max]. */
  int(key: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
    const value = this.#value[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.#fail(key, `must be an integer in [${min}, ${max}]`);
    }
    return value;
  }

  optionalInt(key: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
    return this.has(key) ? this.int(key, min, max) : undefined;
  }

  bool(key: string): boolean {
    const value = this.#value[key];
    if (typeof value !== 'boolean') this.#fail(key, 'must be true or false');
    return value;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const value = this.#value[key];
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      this.#fail(key, `must be one of ${values.join(', ')}`);
    }
    return value as T;
  }

  object(key: string, allowed: readonly string[]): Fields {
    return new Fields(this.#value[key], this.#child(key), allowed);
  }

  optionalObject(key: string, allowed: readonly string[]): Fields | undefined {
    return this.has(key) ? this.object(key, allowed) : undefined;
  }

  /** Each element read by `read` with its path; at least `min` elements. */
  array<T>(key: string, min: number, max: number, read: (element: unknown, path: string) => T): T[] {
    const value = this.#value[key];
    if (!Array.isArray(value) || value.length < min || value.length > max) {
      this.#fail(key, `must be an array of ${min} to ${max} elements`);
    }
    return value.map((element, index) => read(element, `${this.#child(key)}[${index}]`));
  }

  /** The path of member `key`, as refusals name it. */
  pathOf(key: string): string {
    return this.#child(key);
  }

  #child(key: string): string {
    return this.#path === '' ? key : `${this.#path}.${key}`;
  }

  #fail(key: string, detail: string): never {
    refuse('BAD_REQUEST', `${this.#child(key)} ${detail}`);
  }
}
