import { refuse } from '../core/errors';
import { idempotent, member, request } from '../core/request-shape';
import type { RequestShapes } from '../core/request-shapes';
import { TariffError, validateTariff, type Tariff } from '../pricing';
import GENERATED from '../api/schemas.generated.json';

/** An OCPI-style tariff, as validateTariff (chaincode/src/pricing) accepts it. */
const TARIFF = member.custom(GENERATED.types.Tariff, (fields, key): Tariff => {
  try {
    return validateTariff(fields.raw(key));
  } catch (error) {
    if (error instanceof TariffError) refuse('TARIFF_INVALID', `${error.code} at ${error.path || 'tariff'}: ${error.message}`);
    throw error;
  }
});

/** What each Tariff transaction accepts: read by the contract, published by GetMetadata. */
export const TARIFF_REQUESTS = {
  'Tariff:publishTariff': idempotent({ tariff: TARIFF }),
  'Tariff:getTariff': request({ tariffId: member.id(), version: member.optional(member.int(1)) }),
} as const satisfies Partial<RequestShapes>;
