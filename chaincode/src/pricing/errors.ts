/** Why a field was refused. Shared by tariff and session validation so callers can branch on one set of codes. */
export type FieldErrorCode =
  | 'REQUIRED' // a required field is absent
  | 'TYPE' // wrong JSON type, or a number that is not an integer
  | 'RANGE' // a number outside its bounds, or a lower bound not below its upper bound
  | 'FORMAT' // a string not of the required form (time, date, currency, id)
  | 'ENUM' // a value outside an enumeration (component type, day of week)
  | 'EMPTY' // a list that must not be empty is
  | 'DUPLICATE' // a value repeated where each may appear once
  | 'UNKNOWN_FIELD' // a field the schema does not define (refused, so a typo never silently changes a price)
  | 'UNSUPPORTED'; // a field the schema allows that this ledger cannot price deterministically (the reason says why)

export type PricingErrorCode =
  | FieldErrorCode
  | 'ORDER' // samples not strictly ascending in time, a register that decreases, or session bounds out of order
  | 'COVERAGE' // the samples do not span the charging part of the session
  | 'ENERGY_AFTER_CHARGING_END' // the register rises after `chargingEndMs`
  | 'AMOUNT_OUT_OF_RANGE' // a resulting amount or quantity is not a safe integer
  | 'NOT_IN_FORCE'; // the session starts outside the tariff's start_date_time/end_date_time (OCPI tariffs)

/**
 * A tariff document that does not follow the schema. `path` names the field, for example
 * `elements[0].priceComponents[1].type`, or is '' for the document itself.
 */
export class TariffError extends Error {
  override readonly name = 'TariffError';
  constructor(
    readonly code: FieldErrorCode,
    readonly path: string,
    detail: string,
  ) {
    super(`${path === '' ? 'tariff' : path}: ${detail}`);
  }
}

/** A session that cannot be priced. `path` names the input field, e.g. `samples[2].registerWh`. */
export class PricingError extends Error {
  override readonly name = 'PricingError';
  constructor(
    readonly code: PricingErrorCode,
    readonly path: string,
    detail: string,
  ) {
    super(`${path === '' ? 'input' : path}: ${detail}`);
  }
}

export type FieldFailure = (code: FieldErrorCode, path: string, detail: string) => never;
