/**
 * Tariff validation and session pricing for the chaincode: OCPI 2.2.1 tariffs, integer money, deterministic.
 * See README.md in this folder for units, rounding and the deviations from OCPI.
 */
export { PricingError, TariffError, type FieldErrorCode, type PricingErrorCode } from './errors';
export { minorUnitDigits } from './money';
export { parkingFrom, priceMeasurement, type Measurement as PricedMeasurement } from './price-measurement';
export { priceExpiredReservation, type Reservation } from './ocpi/price-ocpi';
export { isOcpiPriced, ocpiPricedTariff, type OcpiPublication } from './ocpi/publish';
export type {
  OcpiPrice,
  OcpiPriceComponent,
  OcpiPricedTariff,
  OcpiTariff,
  OcpiTariffElement,
  OcpiTariffRestrictions,
} from './ocpi/types';
export { readOcpiTariff } from './ocpi/validate';
export { type PricedTariff, priceSession } from './price-session';
export { knownZoneNames, TZDB_VERSION, type ZoneRules, zoneRulesFrom } from './zones/zone';
export {
  daysOfWeek,
  MAX_SESSION_MS,
  MAX_TIMESTAMP_MS,
  tariffDimensions,
  type DayOfWeek,
  type LineItem,
  type LineUnit,
  type MeterSample,
  type PriceBreakdown,
  type PriceComponent,
  type PricingInput,
  type Tariff,
  type TariffDimension,
  type TariffElement,
  type TariffRestrictions,
  type VatSubtotal,
} from './types';
export { validateTariff } from './validate-tariff';
