import { parseDate, parseTimeOfDay } from './calendar';
import { TariffError } from './errors';
import { at, FieldReader, join, type TextCheck } from './fields';
import {
  type DayOfWeek,
  daysOfWeek,
  MAX_DURATION_S,
  type PriceComponent,
  type Tariff,
  type TariffDimension,
  tariffDimensions,
  type TariffElement,
  type TariffRestrictions,
} from './types';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
// Annotated so that calls to `fields.fail` narrow types (TypeScript needs an explicit type for that).
const fields: FieldReader = new FieldReader((code, path, detail) => {
  throw new TariffError(code, path, detail);
});

const tariffKeys = ['id', 'version', 'currency', 'utcOffsetMinutes', 'vatBasisPoints', 'elements'];
const elementKeys = ['priceComponents', 'restrictions'];
const componentKeys = ['type', 'priceMicro', 'stepSize', 'vatBasisPoints'];
const restrictionKeys = [
  'startTime', 'endTime', 'startDate', 'endDate', 'dayOfWeek', 'minEnergyWh', 'maxEnergyWh',
  'minPowerW', 'maxPowerW', 'minDurationS', 'maxDurationS',
];

/**
 * Checks a parsed tariff document and returns a frozen copy holding only schema fields, keys in schema order,
 * so that equal tariffs serialise to equal bytes on every endorser. Throws TariffError at the first bad field.
 */
export function validateTariff(input: unknown): Tariff {
  const record = fields.object(input, '', tariffKeys);
  const tariff: Tariff = {
    id: fields.string(record, 'id', '', matches(/^[\x21-\x7e]{1,36}$/), '1 to 36 printable ASCII characters'),
    version: fields.integer(record, 'version', '', 1, MAX_SAFE),
    currency: fields.string(record, 'currency', '', matches(/^[A-Z]{3}$/), 'an ISO 4217 code such as "EUR"'),
    utcOffsetMinutes: fields.integer(record, 'utcOffsetMinutes', '', -720, 840),
    vatBasisPoints: fields.integer(record, 'vatBasisPoints', '', 0, 10_000),
    elements: readElements(record),
  };
  return deepFreeze(tariff);
}

function readElements(record: Readonly<Record<string, unknown>>): TariffElement[] {
  return fields.array(fields.required(record, 'elements', ''), 'elements', true).map((value, index) => {
    const path = at('elements', index);
    const element = fields.object(value, path, elementKeys);
    const componentsPath = join(path, 'priceComponents');
    const seen = new Set<TariffDimension>();
    const listed = fields.required(element, 'priceComponents', path);
    const priceComponents = fields.array(listed, componentsPath, true).map((item, i) => {
      const component = readComponent(item, at(componentsPath, i));
      if (seen.has(component.type)) {
        fields.fail('DUPLICATE', join(at(componentsPath, i), 'type'), `${component.type} appears twice in one element`);
      }
      seen.add(component.type);
      return component;
    });
    const restrictions = element['restrictions'];
    return restrictions === undefined
      ? { priceComponents }
      : { priceComponents, restrictions: readRestrictions(restrictions, join(path, 'restrictions')) };
  });
}

function readComponent(value: unknown, path: string): PriceComponent {
  const record = fields.object(value, path, componentKeys);
  const typePath = join(path, 'type');
  const type = fields.required(record, 'type', path);
  if (typeof type !== 'string') fields.fail('TYPE', typePath, 'must be a string');
  if (!isOneOf(tariffDimensions, type)) fields.fail('ENUM', typePath, `must be one of ${tariffDimensions.join(', ')}`);
  const component = {
    type,
    priceMicro: fields.integer(record, 'priceMicro', path, 0, MAX_SAFE),
    stepSize: fields.integer(record, 'stepSize', path, 1, MAX_SAFE),
  };
  const vatBasisPoints = fields.optionalInteger(record, 'vatBasisPoints', path, 0, 10_000);
  return vatBasisPoints === undefined ? component : { ...component, vatBasisPoints };
}

function readRestrictions(value: unknown, path: string): TariffRestrictions {
  const record = fields.object(value, path, restrictionKeys);
  const time = (key: string): string | undefined =>
    fields.optionalString(record, key, path, parses(parseTimeOfDay), 'a 24-hour "HH:MM" time with leading zeros');
  const date = (key: string): string | undefined =>
    fields.optionalString(record, key, path, parses(parseDate), 'a real calendar date "YYYY-MM-DD", years 1000-2999');
  const whole = (key: string, max: number): number | undefined => fields.optionalInteger(record, key, path, 0, max);

  const r: TariffRestrictions = {
    startTime: time('startTime'),
    endTime: time('endTime'),
    startDate: date('startDate'),
    endDate: date('endDate'),
    dayOfWeek: readDays(record['dayOfWeek'], join(path, 'dayOfWeek')),
    minEnergyWh: whole('minEnergyWh', MAX_SAFE),
    maxEnergyWh: whole('maxEnergyWh', MAX_SAFE),
    minPowerW: whole('minPowerW', MAX_SAFE),
    maxPowerW: whole('maxPowerW', MAX_SAFE),
    minDurationS: whole('minDurationS', MAX_DURATION_S),
    maxDurationS: whole('maxDurationS', MAX_DURATION_S),
  };
  if (r.startTime !== undefined && r.startTime === r.endTime) {
    fields.fail('RANGE', join(path, 'endTime'), 'must differ from startTime (omit both for the whole day)');
  }
  if (r.startDate !== undefined && r.endDate !== undefined && r.startDate >= r.endDate) {
    fields.fail('RANGE', join(path, 'endDate'), 'must be after startDate');
  }
  orderedBounds(r.minEnergyWh, r.maxEnergyWh, join(path, 'maxEnergyWh'));
  orderedBounds(r.minPowerW, r.maxPowerW, join(path, 'maxPowerW'));
  orderedBounds(r.minDurationS, r.maxDurationS, join(path, 'maxDurationS'));
  // Absent bounds are dropped rather than kept as `undefined`, so the copy serialises like the input.
  return Object.fromEntries(Object.entries(r).filter(([, value]) => value !== undefined)) as TariffRestrictions;
}

function readDays(value: unknown, path: string): DayOfWeek[] | undefined {
  if (value === undefined) return undefined;
  const days = fields.array(value, path, true).map((day, index) => {
    if (typeof day !== 'string') fields.fail('TYPE', at(path, index), 'must be a string');
    if (!isOneOf(daysOfWeek, day)) fields.fail('ENUM', at(path, index), `must be one of ${daysOfWeek.join(', ')}`);
    return day;
  });
  days.forEach((day, index) => {
    if (days.indexOf(day) !== index) fields.fail('DUPLICATE', at(path, index), `${day} is listed twice`);
  });
  return days;
}

/** An upper bound equal to its lower bound would make the element match nothing. */
function orderedBounds(min: number | undefined, max: number | undefined, maxPath: string): void {
  if (min !== undefined && max !== undefined && max <= min) fields.fail('RANGE', maxPath, 'must be above the minimum');
}

function matches(pattern: RegExp): TextCheck {
  return (text) => pattern.test(text);
}

function parses(parse: (text: string) => number | undefined): TextCheck {
  return (text) => parse(text) !== undefined;
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
