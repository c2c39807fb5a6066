import { refuse } from '../core/errors';
import { idempotent, member, request } from '../core/request-shape';
import type { RequestShapes } from '../core/request-shapes';
import { readOcpiTariff, TariffError, validateTariff } from '../pricing';
import GENERATED from '../api/schemas.generated.json';

/** A tariff's own error, refused as TARIFF_INVALID with the field and the reason. */
export function refusedAsInvalid<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof TariffError) refuse('TARIFF_INVALID', `${error.code} at ${error.path || 'tariff'}: ${error.message}`);
    throw error;
  }
}

/**
 * With `timeZone`: an OCPI 2.2.1 Tariff object (docs/tariffs.md), priced under pricing rules 2 and versioned by the
 * ledger. Without: a tariff of the first rules (chaincode/src/pricing/README.md) with its own id and version. The
 * validated copy is what the request hash covers.
 */
const TARIFF = member.custom(
  { anyOf: [GENERATED.types.Tariff, { type: 'object', description: 'an OCPI 2.2.1 Tariff object (docs/tariffs.md), when timeZone is given' }] },
  (fields, key): { readonly id: string; readonly currency: string } =>
    refusedAsInvalid(() => (fields.has('timeZone') ? readOcpiTariff(fields.raw(key)).tariff : validateTariff(fields.raw(key)))),
);

/** The IANA time zone of the tariff's location (OCPI Location.time_zone), e.g. "Europe/Berlin". */
const TIME_ZONE = member.optional(
  member.custom({ type: 'string', description: 'IANA time zone of the location, e.g. Europe/Berlin' }, (fields, key): string =>
    refusedAsInvalid(() => {
      const value = fields.raw(key);
      if (typeof value !== 'string') throw new TariffError('TYPE', 'timeZone', 'must be a string');
      return value;
    }),
  ),
);

/** What each Tariff transaction accepts: read by the contract, published by GetMetadata. */
export const TARIFF_REQUESTS = {
  'Tariff:publishTariff': idempotent({ tariff: TARIFF, timeZone: TIME_ZONE }),
  'Tariff:getTariff': request({ tariffId: member.id(), version: member.optional(member.int(1)) }),
} as const satisfies Partial<RequestShapes>;
