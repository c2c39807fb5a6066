import { PricingError } from './errors';
import { at, FieldReader, join } from './fields';
import { MAX_SESSION_MS, MAX_TIMESTAMP_MS, type MeterSample } from './types';

/** A session that passed validation; `chargingEndMs` is resolved. */
export interface CheckedSession {
  readonly startMs: number;
  readonly endMs: number;
  readonly chargingEndMs: number;
  readonly samples: readonly MeterSample[];
}

// Annotated so that calls to `fields.fail` narrow types (TypeScript needs an explicit type for that).
const fields: FieldReader = new FieldReader((code, path, detail) => {
  throw new PricingError(code, path, detail);
});

function fail(code: 'ORDER' | 'COVERAGE' | 'ENERGY_AFTER_CHARGING_END', path: string, detail: string): never {
  throw new PricingError(code, path, detail);
}

/**
 * Checks the session and its meter samples. Guarantees on success: startMs <= chargingEndMs <= endMs,
 * endMs - startMs <= MAX_SESSION_MS; samples strictly ascending in time within [startMs, endMs], the first at
 * startMs, the last at or after chargingEndMs; registers non-decreasing and equal for every sample at or after
 * the first one at or after chargingEndMs (so no energy flows while parking).
 */
export function checkSession(input: unknown): CheckedSession {
  // Unlike a tariff, the session may carry fields of its own (ids, signed meter data); they are ignored.
  const record = fields.object(input, '');
  const startMs = fields.integer(record, 'startMs', '', 0, MAX_TIMESTAMP_MS);
  const endMs = fields.integer(record, 'endMs', '', 0, MAX_TIMESTAMP_MS);
  if (endMs < startMs) fail('ORDER', 'endMs', 'must not be before startMs');
  if (endMs - startMs > MAX_SESSION_MS) fields.fail('RANGE', 'endMs', `session must not exceed ${MAX_SESSION_MS} ms`);
  const chargingEndMs = fields.optionalInteger(record, 'chargingEndMs', '', startMs, endMs) ?? endMs;

  const samples = fields.array(fields.required(record, 'samples', ''), 'samples', true).map((value, index) => {
    const path = at('samples', index);
    const sample = fields.object(value, path);
    return {
      timestampMs: fields.integer(sample, 'timestampMs', path, startMs, endMs),
      registerWh: fields.integer(sample, 'registerWh', path, 0, Number.MAX_SAFE_INTEGER),
    };
  });

  if (samples[0]?.timestampMs !== startMs) fail('COVERAGE', 'samples[0].timestampMs', 'must equal startMs');
  samples.forEach((sample, index) => {
    const previous = samples[index - 1];
    if (previous === undefined) return;
    if (sample.timestampMs <= previous.timestampMs) {
      fail('ORDER', join(at('samples', index), 'timestampMs'), 'must be after the previous sample');
    }
    if (sample.registerWh < previous.registerWh) {
      fail('ORDER', join(at('samples', index), 'registerWh'), 'must not be below the previous sample');
    }
  });
  const last = samples.length - 1;
  if ((samples[last]?.timestampMs ?? startMs) < chargingEndMs) {
    fail('COVERAGE', join(at('samples', last), 'timestampMs'), 'the last sample must be at or after chargingEndMs');
  }
  const firstAfterEnd = samples.findIndex((sample) => sample.timestampMs >= chargingEndMs);
  const settledWh = samples[firstAfterEnd]?.registerWh;
  samples.forEach((sample, index) => {
    if (index > firstAfterEnd && sample.registerWh !== settledWh) {
      fail('ENERGY_AFTER_CHARGING_END', join(at('samples', index), 'registerWh'), 'rises after chargingEndMs');
    }
  });
  return { startMs, endMs, chargingEndMs, samples };
}
