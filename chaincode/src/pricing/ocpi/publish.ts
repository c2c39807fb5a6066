import { TariffError } from '../errors';
import { zoneRulesFrom } from '../zones/zone';
import type { OcpiPricedTariff } from './types';
import { readOcpiTariff } from './validate';

export interface OcpiPublication {
  /** The OCPI 2.2.1 Tariff object, as JSON parsed. */
  readonly tariff: unknown;
  /** The IANA time zone of the tariff's location (OCPI's Location.time_zone), e.g. "Europe/Berlin". */
  readonly timeZone: unknown;
  /** The ledger's version of the tariff id. */
  readonly version: number;
  /** The zone's rules are frozen from this instant on; sessions priced under the tariff cannot start earlier. */
  readonly rulesFromMs: number;
  /**
   * Whether the sessions priced under the tariff carry the charger's current. When false, a min_current or
   * max_current restriction is refused: it could not be decided.
   */
  readonly currentMeasured: boolean;
}

/**
 * Checks an OCPI tariff and its location's time zone, and returns what pricing rules 2 price: the tariff as
 * validated, and the zone's rules from the pinned tz database frozen with it. Throws TariffError naming the field.
 */
export function ocpiPricedTariff(publication: OcpiPublication): OcpiPricedTariff {
  const { tariff, compiled } = readOcpiTariff(publication.tariff);
  if (typeof publication.timeZone !== 'string') throw new TariffError('TYPE', 'timeZone', 'must be a string');
  const zone = zoneRulesFrom(publication.timeZone, publication.rulesFromMs);
  if (zone === undefined) throw new TariffError('ENUM', 'timeZone', `must be an IANA time zone of the tz database the chaincode pins, e.g. "Europe/Berlin"`);
  if (!publication.currentMeasured) {
    compiled.elements.forEach((element, i) => {
      for (const key of ['min_current', 'max_current'] as const) {
        if (element.restrictions[key === 'min_current' ? 'minCurrentMilliA' : 'maxCurrentMilliA'] !== undefined) {
          throw new TariffError('UNSUPPORTED', `tariff.elements[${i}].restrictions.${key}`, 'the ledger settles from signed energy readings, which carry no current, so it cannot decide this restriction');
        }
      }
    });
  }
  return { pricingRules: 2, version: publication.version, timeZone: publication.timeZone, zone, ocpi: tariff };
}

/** A stored tariff of pricing rules 2 (OCPI), told from a first-rules one, which has no `pricingRules` field. */
export function isOcpiPriced(tariff: unknown): tariff is OcpiPricedTariff {
  return typeof tariff === 'object' && tariff !== null && (tariff as { pricingRules?: unknown }).pricingRules === 2;
}
