import { ocpiPricedTariff, type OcpiPricedTariff, type PricingInput } from '../pricing';
import { compileZone, offsetAt, zoneRulesFrom } from '../pricing/zones/zone';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
/** Zone rules in tests are frozen from here, before every session they price. */
export const RULES_FROM_MS = Date.UTC(2024, 0, 1);

/** An OCPI 2.2.1 Tariff object with the fields every example shares; `fields` adds or overrides. */
export function anOcpiTariff(elements: unknown[], fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { country_code: 'DE', party_id: 'ALL', id: 'T-1', currency: 'EUR', elements, last_updated: '2024-01-01T00:00:00Z', ...fields };
}

/** What the ledger would store for the tariff published at a location in `timeZone`. */
export function priced(tariff: unknown, timeZone = 'Europe/Berlin', version = 1): OcpiPricedTariff {
  return ocpiPricedTariff({ tariff, timeZone, version, rulesFromMs: RULES_FROM_MS, currentMeasured: true });
}

/** The UTC instant a clock in `timeZone` shows "YYYY-MM-DDTHH:MM" (the later one in a repeated hour). */
export function localTime(text: string, timeZone = 'Europe/Berlin'): number {
  const zone = compileZone(zoneRulesFrom(timeZone, RULES_FROM_MS) ?? assertNever(timeZone));
  const wall = Date.parse(`${text}:00Z`);
  let t = wall - offsetAt(zone, wall) * 1000;
  t = wall - offsetAt(zone, t) * 1000;
  return t;
}

function assertNever(zone: string): never {
  throw new Error(`unknown zone ${zone}`);
}

export interface SessionShape {
  readonly startMs: number;
  /** Charging time, then parking time, in ms. */
  readonly chargingMs: number;
  readonly parkingMs?: number;
  /** Energy spread evenly over the charging time. */
  readonly energyWh?: number;
  readonly currentMilliA?: number;
  readonly reservationStartMs?: number;
}

/** A session charging at constant power, then parked; as a charger reporting current would describe it. */
export function aSession(shape: SessionShape): PricingInput {
  const { startMs, chargingMs, parkingMs = 0, energyWh = 0 } = shape;
  const chargingEndMs = startMs + chargingMs;
  const endMs = chargingEndMs + parkingMs;
  const extra = shape.currentMilliA === undefined ? {} : { currentMilliA: shape.currentMilliA };
  const samples = [{ timestampMs: startMs, registerWh: 0, ...extra }, { timestampMs: chargingEndMs, registerWh: energyWh }];
  if (parkingMs > 0) samples.push({ timestampMs: endMs, registerWh: energyWh });
  return {
    startMs,
    endMs,
    chargingEndMs,
    samples: chargingMs === 0 ? [{ timestampMs: startMs, registerWh: 0 }] : samples,
    ...(shape.reservationStartMs === undefined ? {} : { reservation: { startMs: shape.reservationStartMs } }),
  };
}
