import { daysFromCivil, parseDate, parseTimeOfDay } from '../calendar';
import { TariffError } from '../errors';
import { at, FieldReader, join } from '../fields';
import { minorUnitDigits } from '../money';
import { daysOfWeek, MAX_TIMESTAMP_MS } from '../types';
import {
  type OcpiPrice,
  type OcpiPriceComponent,
  type OcpiTariff,
  type OcpiTariffElement,
  type OcpiTariffRestrictions,
  ocpiReservationTypes,
  ocpiTariffTypes,
} from './types';

/** A price component with every number an integer of a stated unit. */
export interface CompiledComponent {
  readonly type: OcpiPriceComponent['type'];
  /** Micro-units of the major currency unit per kWh, per hour, or per session. */
  readonly priceMicro: number;
  /** Wh or s, at least 1 (OCPI's 0 is read as 1). */
  readonly stepSize: number;
  /** Absent when the component names no VAT. */
  readonly vatBasisPoints?: number;
}

/** Restrictions in integers; an absent field is no bound. */
export interface CompiledRestrictions {
  readonly startMinute?: number;
  readonly endMinute?: number;
  readonly startDay?: number;
  readonly endDay?: number;
  /** 0 = Monday. */
  readonly days?: readonly number[];
  readonly minWh?: bigint;
  readonly maxWh?: bigint;
  readonly minCurrentMilliA?: bigint;
  readonly maxCurrentMilliA?: bigint;
  readonly minPowerW?: bigint;
  readonly maxPowerW?: bigint;
  readonly minElapsedMs?: number;
  readonly maxElapsedMs?: number;
  readonly reservation?: 'RESERVATION' | 'RESERVATION_EXPIRES';
}

export interface CompiledElement {
  readonly components: readonly CompiledComponent[];
  readonly restrictions: CompiledRestrictions;
}

export interface CompiledPrice {
  /** Minor units of the currency. */
  readonly exclVat: number;
  readonly inclVat?: number;
}

export interface CompiledOcpiTariff {
  readonly currency: string;
  readonly elements: readonly CompiledElement[];
  readonly minPrice?: CompiledPrice;
  readonly maxPrice?: CompiledPrice;
  readonly startMs?: number;
  readonly endMs?: number;
}

const fields: FieldReader = new FieldReader((code, path, detail) => {
  throw new TariffError(code, path, detail);
});

const tariffKeys = [
  'country_code', 'party_id', 'id', 'currency', 'type', 'tariff_alt_text', 'tariff_alt_url', 'min_price', 'max_price',
  'elements', 'start_date_time', 'end_date_time', 'energy_mix', 'last_updated',
];
const restrictionKeys = [
  'start_time', 'end_time', 'start_date', 'end_date', 'min_kwh', 'max_kwh', 'min_current', 'max_current', 'min_power',
  'max_power', 'min_duration', 'max_duration', 'day_of_week', 'reservation',
];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Ten years, in seconds: beyond any session; keeps every duration bound times 1000 a safe integer. */
const MAX_DURATION_S = 315_576_000;

/**
 * Checks a parsed OCPI 2.2.1 Tariff object and returns a copy with only OCPI's fields, in the specification's
 * order, and its integer form for pricing. Throws TariffError naming the first field refused and why.
 */
export function readOcpiTariff(input: unknown): { tariff: OcpiTariff; compiled: CompiledOcpiTariff } {
  const record = fields.object(input, '', tariffKeys);
  const currency = fields.string(record, 'currency', '', matches(/^[A-Z]{3}$/), 'an ISO 4217 code such as "EUR"');
  const digits = minorUnitDigits(currency);
  const elements = fields.array(fields.required(record, 'elements', ''), 'elements', true).map((value, i) => readElement(value, at('elements', i)));
  const minPrice = optionalPrice(record, 'min_price', digits);
  const maxPrice = optionalPrice(record, 'max_price', digits);
  if (minPrice !== undefined && maxPrice !== undefined) {
    if (maxPrice.compiled.exclVat < minPrice.compiled.exclVat) fields.fail('RANGE', 'max_price.excl_vat', 'must not be below min_price.excl_vat');
    const [minIncl, maxIncl] = [minPrice.compiled.inclVat, maxPrice.compiled.inclVat];
    if (minIncl !== undefined && maxIncl !== undefined && maxIncl < minIncl) fields.fail('RANGE', 'max_price.incl_vat', 'must not be below min_price.incl_vat');
  }
  const startDateTime = optionalDateTime(record, 'start_date_time');
  const endDateTime = optionalDateTime(record, 'end_date_time');
  if (startDateTime !== undefined && endDateTime !== undefined && endDateTime.ms <= startDateTime.ms) {
    fields.fail('RANGE', 'end_date_time', 'must be after start_date_time');
  }
  const lastUpdated = dateTime(fields.required(record, 'last_updated', ''), 'last_updated');
  const altText = record['tariff_alt_text'] === undefined ? undefined : fields.array(record['tariff_alt_text'], 'tariff_alt_text', false).map((value, i) => {
    const path = at('tariff_alt_text', i);
    const text = fields.object(value, path, ['language', 'text']);
    return {
      language: fields.string(text, 'language', path, matches(/^[a-z]{2}$/), 'an ISO 639-1 language code'),
      text: fields.string(text, 'text', path, (t) => t.length <= 512 && !/[<>]/.test(t), 'plain text of at most 512 characters'),
    };
  });
  const energyMix = record['energy_mix'] === undefined ? undefined : fields.object(record['energy_mix'], 'energy_mix');
  const type = record['type'] === undefined ? undefined : oneOf(ocpiTariffTypes, record['type'], 'type');
  const tariff: OcpiTariff = dropUndefined({
    country_code: fields.string(record, 'country_code', '', matches(/^[A-Za-z]{2}$/), 'an ISO 3166 alpha-2 code (CiString(2))'),
    party_id: fields.string(record, 'party_id', '', matches(/^[A-Za-z0-9]{3}$/), 'three letters or digits (CiString(3))'),
    id: fields.string(record, 'id', '', matches(/^[\x21-\x7e]{1,36}$/), '1 to 36 printable ASCII characters (CiString(36))'),
    currency,
    type,
    tariff_alt_text: altText,
    tariff_alt_url: fields.optionalString(record, 'tariff_alt_url', '', matches(/^https?:\/\/[\x21-\x7e]{1,247}$/), 'an http(s) URL of at most 255 characters'),
    min_price: minPrice?.price,
    max_price: maxPrice?.price,
    elements: elements.map((element) => element.element),
    start_date_time: startDateTime?.text,
    end_date_time: endDateTime?.text,
    energy_mix: energyMix,
    last_updated: lastUpdated.text,
  });
  const compiled: CompiledOcpiTariff = dropUndefined({
    currency,
    elements: elements.map((element) => element.compiled),
    minPrice: minPrice?.compiled,
    maxPrice: maxPrice?.compiled,
    startMs: startDateTime?.ms,
    endMs: endDateTime?.ms,
  });
  return { tariff, compiled };
}

function readElement(value: unknown, path: string): { element: OcpiTariffElement; compiled: CompiledElement } {
  const record = fields.object(value, path, ['price_components', 'restrictions']);
  const componentsPath = join(path, 'price_components');
  const seen = new Set<string>();
  const components = fields.array(fields.required(record, 'price_components', path), componentsPath, true).map((item, i) => {
    const read = readComponent(item, at(componentsPath, i));
    // OCPI: only one price component per dimension can be active at a time; a second in one element never would be.
    if (seen.has(read.component.type)) fields.fail('DUPLICATE', join(at(componentsPath, i), 'type'), `${read.component.type} appears twice in one element`);
    seen.add(read.component.type);
    return read;
  });
  const restrictions = record['restrictions'] === undefined ? undefined : readRestrictions(record['restrictions'], join(path, 'restrictions'));
  if (restrictions?.compiled.reservation !== undefined) {
    components.forEach(({ component }, i) => {
      if (component.type !== 'FLAT' && component.type !== 'TIME') {
        fields.fail('ENUM', join(at(componentsPath, i), 'type'), 'a reservation element prices only FLAT and TIME (OCPI 2.2.1, TariffRestrictions.reservation)');
      }
    });
  }
  const element: OcpiTariffElement = dropUndefined({ price_components: components.map((c) => c.component), restrictions: restrictions?.restrictions });
  return { element, compiled: { components: components.map((c) => c.compiled), restrictions: restrictions?.compiled ?? {} } };
}

const componentTypes = ['ENERGY', 'FLAT', 'PARKING_TIME', 'TIME'] as const;

function readComponent(value: unknown, path: string): { component: OcpiPriceComponent; compiled: CompiledComponent } {
  const record = fields.object(value, path, ['type', 'price', 'vat', 'step_size']);
  const type = oneOf(componentTypes, fields.required(record, 'type', path), join(path, 'type'));
  const price = decimal(fields.required(record, 'price', path), join(path, 'price'), 6, 'a price of at most 6 decimals (micro-units)');
  const vatValue = record['vat'];
  const vat = vatValue === undefined ? undefined : decimal(vatValue, join(path, 'vat'), 2, 'a percentage of at most 2 decimals');
  if (vat !== undefined && vat.scaled > 10_000) fields.fail('RANGE', join(path, 'vat'), 'must be between 0 and 100');
  const stepSize = fields.integer(record, 'step_size', path, 0, MAX_SAFE);
  const component: OcpiPriceComponent = dropUndefined({ type, price: price.value, vat: vat?.value, step_size: stepSize });
  const compiled: CompiledComponent = dropUndefined({ type, priceMicro: price.scaled, stepSize: Math.max(1, stepSize), vatBasisPoints: vat?.scaled });
  return { component, compiled };
}

function readRestrictions(value: unknown, path: string): { restrictions: OcpiTariffRestrictions; compiled: CompiledRestrictions } {
  const record = fields.object(value, path, restrictionKeys);
  const time = (key: string): string | undefined =>
    fields.optionalString(record, key, path, (t) => parseTimeOfDay(t) !== undefined, 'a 24-hour "HH:MM" time with leading zeros');
  const date = (key: string): string | undefined =>
    fields.optionalString(record, key, path, (t) => parseDate(t) !== undefined, 'a real calendar date "YYYY-MM-DD"');
  const scaled = (key: string, digits: number, form: string): { value: number; scaled: number } | undefined =>
    record[key] === undefined ? undefined : decimal(record[key], join(path, key), digits, form);
  const kwh = (key: string) => scaled(key, 3, 'kWh of at most 3 decimals (whole Wh)');
  const amps = (key: string) => scaled(key, 3, 'amperes of at most 3 decimals (whole mA)');
  const kw = (key: string) => scaled(key, 3, 'kW of at most 3 decimals (whole W)');
  const seconds = (key: string): number | undefined => fields.optionalInteger(record, key, path, 0, MAX_DURATION_S);
  const days = record['day_of_week'] === undefined ? undefined : fields.array(record['day_of_week'], join(path, 'day_of_week'), false).map((day, i) => oneOf(daysOfWeek, day, at(join(path, 'day_of_week'), i)));
  const reservation = record['reservation'] === undefined ? undefined : oneOf(ocpiReservationTypes, record['reservation'], join(path, 'reservation'));

  const r = {
    start_time: time('start_time'),
    end_time: time('end_time'),
    start_date: date('start_date'),
    end_date: date('end_date'),
    min_kwh: kwh('min_kwh'),
    max_kwh: kwh('max_kwh'),
    min_current: amps('min_current'),
    max_current: amps('max_current'),
    min_power: kw('min_power'),
    max_power: kw('max_power'),
    min_duration: seconds('min_duration'),
    max_duration: seconds('max_duration'),
  };
  const restrictions: OcpiTariffRestrictions = dropUndefined({
    start_time: r.start_time,
    end_time: r.end_time,
    start_date: r.start_date,
    end_date: r.end_date,
    min_kwh: r.min_kwh?.value,
    max_kwh: r.max_kwh?.value,
    min_current: r.min_current?.value,
    max_current: r.max_current?.value,
    min_power: r.min_power?.value,
    max_power: r.max_power?.value,
    min_duration: r.min_duration,
    max_duration: r.max_duration,
    day_of_week: days,
    reservation,
  });
  const big = (v: { scaled: number } | undefined): bigint | undefined => (v === undefined ? undefined : BigInt(v.scaled));
  const compiled: CompiledRestrictions = dropUndefined({
    startMinute: r.start_time === undefined ? undefined : parseTimeOfDay(r.start_time),
    endMinute: r.end_time === undefined ? undefined : parseTimeOfDay(r.end_time),
    startDay: r.start_date === undefined ? undefined : parseDate(r.start_date),
    endDay: r.end_date === undefined ? undefined : parseDate(r.end_date),
    // OCPI: an empty day_of_week restricts nothing, as an absent one.
    days: days === undefined || days.length === 0 ? undefined : [...new Set(days.map((day) => daysOfWeek.indexOf(day)))],
    minWh: big(r.min_kwh),
    maxWh: big(r.max_kwh),
    minCurrentMilliA: big(r.min_current),
    maxCurrentMilliA: big(r.max_current),
    minPowerW: big(r.min_power),
    maxPowerW: big(r.max_power),
    minElapsedMs: r.min_duration === undefined ? undefined : r.min_duration * 1000,
    maxElapsedMs: r.max_duration === undefined ? undefined : r.max_duration * 1000,
    reservation,
  });
  return { restrictions, compiled };
}

function optionalPrice(record: Readonly<Record<string, unknown>>, key: string, digits: number): { price: OcpiPrice; compiled: CompiledPrice } | undefined {
  if (record[key] === undefined) return undefined;
  const price = fields.object(record[key], key, ['excl_vat', 'incl_vat']);
  const form = `an amount in whole minor units of the currency (${digits} decimals at most)`;
  const excl = decimal(fields.required(price, 'excl_vat', key), join(key, 'excl_vat'), digits, form);
  const incl = price['incl_vat'] === undefined ? undefined : decimal(price['incl_vat'], join(key, 'incl_vat'), digits, form);
  if (incl !== undefined && incl.scaled < excl.scaled) fields.fail('RANGE', join(key, 'incl_vat'), 'must not be below excl_vat');
  return {
    price: dropUndefined({ excl_vat: excl.value, incl_vat: incl?.value }),
    compiled: dropUndefined({ exclVat: excl.scaled, inclVat: incl?.scaled }),
  };
}

/**
 * A non-negative JSON number with at most `digits` decimals, and its value times 10^digits as a safe integer.
 * Exact: the integer is accepted only if it prints back as the same number, so 0.1 + binary noise never passes.
 */
function decimal(value: unknown, path: string, digits: number, form: string): { value: number; scaled: number } {
  if (typeof value !== 'number' || !Number.isFinite(value)) fields.fail('TYPE', path, 'must be a number');
  if (value < 0) fields.fail('RANGE', path, 'must not be negative');
  const factor = 10 ** digits;
  const scaled = Math.round(value * factor);
  if (!Number.isSafeInteger(scaled)) fields.fail('RANGE', path, 'is too large');
  if (scaled / factor !== value) fields.fail('FORMAT', path, `must be ${form}`);
  return { value, scaled };
}

const dateTimePattern = /^([12][0-9]{3}-[01][0-9]-[0-3][0-9])T([0-2][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]{1,3})?Z?$/;

/** An OCPI DateTime: RFC 3339 in UTC, "Z" optional, at most millisecond fractions; epoch ms by integer arithmetic. */
function dateTime(value: unknown, path: string): { text: string; ms: number } {
  if (typeof value !== 'string') fields.fail('TYPE', path, 'must be a string');
  const match = dateTimePattern.exec(value);
  const day = match?.[1] === undefined ? undefined : parseDate(match[1]);
  const hour = Number(match?.[2]);
  if (match === null || day === undefined || hour > 23) fields.fail('FORMAT', path, 'must be an OCPI DateTime in UTC, e.g. "2019-06-30T23:59:59Z"');
  const fraction = match[5] === undefined ? 0 : Number(match[5].slice(1).padEnd(3, '0'));
  const ms = (((day * 24 + hour) * 60 + Number(match[3])) * 60 + Number(match[4])) * 1000 + fraction;
  if (ms < 0 || ms > MAX_TIMESTAMP_MS || day < daysFromCivil(1970, 1, 1)) fields.fail('RANGE', path, 'must be after 1970');
  return { text: value, ms };
}

function optionalDateTime(record: Readonly<Record<string, unknown>>, key: string): { text: string; ms: number } | undefined {
  return record[key] === undefined ? undefined : dateTime(record[key], key);
}

function oneOf<T extends string>(values: readonly T[], value: unknown, path: string): T {
  if (typeof value !== 'string') fields.fail('TYPE', path, 'must be a string');
  if (!(values as readonly string[]).includes(value)) fields.fail('ENUM', path, `must be one of ${values.join(', ')}`);
  return value as T;
}

function matches(pattern: RegExp): (text: string) => boolean {
  return (text) => pattern.test(text);
}

/** Absent fields are dropped rather than kept as undefined, so the copy serialises as its input. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
