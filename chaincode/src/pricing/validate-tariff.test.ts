import { TariffError, validateTariff } from './index';

const documentFields = {
  id: 'DE-CLG-T1',
  version: 3,
  currency: 'EUR',
  utcOffsetMinutes: 60,
  vatBasisPoints: 1900,
};
const documentElements = [
  { priceComponents: [{ type: 'FLAT', priceMicro: 500_000, stepSize: 1 }] },
  {
    priceComponents: [{ type: 'ENERGY', priceMicro: 490_000, stepSize: 1 }],
    restrictions: { startTime: '18:00', endTime: '22:00', dayOfWeek: ['MONDAY', 'FRIDAY'] },
  },
  { priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1, vatBasisPoints: 700 }] },
];

/** Marks a field to delete in an edit. */
const absent = Symbol('absent');
type Edit = readonly [path: string, value: unknown];

/** A valid tariff document with the edits applied to a fresh copy; a path reads `elements[1].restrictions.endTime`. */
function aTariffDocument(...edits: readonly Edit[]): unknown {
  const doc: unknown = structuredClone({ ...documentFields, elements: documentElements });
  for (const [path, value] of edits) {
    const keys = path.split(/\.|\[|\]\.?/).filter((key) => key !== '');
    const last = keys.pop() ?? '';
    const parent = keys.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc);
    const record = parent as Record<string, unknown>;
    if (value === absent) Reflect.deleteProperty(record, last);
    else record[last] = value;
  }
  return doc;
}

function rejectionOf(doc: unknown): TariffError {
  try {
    validateTariff(doc);
  } catch (error) {
    if (error instanceof TariffError) return error;
    throw error;
  }
  throw new Error('the tariff was accepted');
}

describe('validateTariff', () => {
  it('returns a frozen copy with only schema fields, in schema order', () => {
    const { id, ...rest } = documentFields;
    const tariff = validateTariff({ elements: documentElements, ...rest, id });
    expect(Object.keys(tariff)).toEqual([...Object.keys(documentFields), 'elements']);
    expect(Object.isFrozen(tariff)).toBe(true);
    expect(Object.isFrozen(tariff.elements[1]?.restrictions)).toBe(true);
    expect(tariff.elements[1]?.restrictions).toEqual(documentElements[1]?.restrictions);
    expect(JSON.stringify(tariff)).toBe(JSON.stringify(aTariffDocument()));
  });

  it('accepts a time window that wraps past midnight', () => {
    const night = { startTime: '22:00', endTime: '06:00' };
    const tariff = validateTariff(aTariffDocument(['elements[1].restrictions', night]));
    expect(tariff.elements[1]?.restrictions).toEqual(night);
  });

  const flat = 'elements[0].priceComponents[0]';
  const peak = 'elements[1].restrictions';
  const base = 'elements[2].priceComponents[0]';

  // [case, edits, code, path of the error]; most errors point at the edited field.
  it.each<[string, readonly Edit[], string, string]>([
    ['a negative price', [[`${flat}.priceMicro`, -1]], 'RANGE', `${flat}.priceMicro`],
    ['a fractional price', [[`${base}.priceMicro`, 0.39]], 'TYPE', `${base}.priceMicro`],
    ['a price given as text', [[`${flat}.priceMicro`, '500000']], 'TYPE', `${flat}.priceMicro`],
    ['an unknown component type', [[`${flat}.type`, 'RESERVATION']], 'ENUM', `${flat}.type`],
    ['a step size of zero', [[`${base}.stepSize`, 0]], 'RANGE', `${base}.stepSize`],
    ['a missing step size', [[`${base}.stepSize`, absent]], 'REQUIRED', `${base}.stepSize`],
    ['a time without a leading zero', [[`${peak}.startTime`, '7:30']], 'FORMAT', `${peak}.startTime`],
    ['the time 24:00', [[`${peak}.endTime`, '24:00']], 'FORMAT', `${peak}.endTime`],
    ['a window that starts where it ends', [[`${peak}.endTime`, '18:00']], 'RANGE', `${peak}.endTime`],
    ['a date that does not exist', [[`${peak}.startDate`, '2023-02-29']], 'FORMAT', `${peak}.startDate`],
    [
      'an end date before the start date',
      [[`${peak}.startDate`, '2024-05-01'], [`${peak}.endDate`, '2024-04-01']],
      'RANGE',
      `${peak}.endDate`,
    ],
    ['an unknown day', [[`${peak}.dayOfWeek`, ['MONDAY', 'MON']]], 'ENUM', `${peak}.dayOfWeek[1]`],
    ['a repeated day', [[`${peak}.dayOfWeek`, ['FRIDAY', 'FRIDAY']]], 'DUPLICATE', `${peak}.dayOfWeek[1]`],
    [
      'a maximum energy below the minimum',
      [[`${peak}.minEnergyWh`, 5000], [`${peak}.maxEnergyWh`, 1000]],
      'RANGE',
      `${peak}.maxEnergyWh`,
    ],
    ['a missing currency', [['currency', absent]], 'REQUIRED', 'currency'],
    ['a lowercase currency', [['currency', 'eur']], 'FORMAT', 'currency'],
    ['an offset beyond +14:00', [['utcOffsetMinutes', 900]], 'RANGE', 'utcOffsetMinutes'],
    ['a VAT rate above 100 %', [['vatBasisPoints', 10_001]], 'RANGE', 'vatBasisPoints'],
    ['version zero', [['version', 0]], 'RANGE', 'version'],
    ['an id longer than 36 characters', [['id', 'x'.repeat(37)]], 'FORMAT', 'id'],
    ['no elements', [['elements', []]], 'EMPTY', 'elements'],
    ['an element without components', [['elements[0].priceComponents', []]], 'EMPTY', 'elements[0].priceComponents'],
    [
      'one dimension twice in an element',
      [['elements[2].priceComponents[1]', { type: 'ENERGY', priceMicro: 1, stepSize: 1 }]],
      'DUPLICATE',
      'elements[2].priceComponents[1].type',
    ],
    ['an OCPI field name', [[`${flat}.step_size`, 1]], 'UNKNOWN_FIELD', `${flat}.step_size`],
    ['null for an optional field', [[`${base}.vatBasisPoints`, null]], 'TYPE', `${base}.vatBasisPoints`],
  ])('rejects %s', (_name, edits, code, path) => {
    const error = rejectionOf(aTariffDocument(...edits));
    expect(error).toMatchObject({ name: 'TariffError', code, path });
    expect(error.message.startsWith(`${path}: `)).toBe(true);
  });

  it('rejects a document that is not an object, at the root path', () => {
    expect(rejectionOf([])).toMatchObject({ code: 'TYPE', path: '' });
    expect(rejectionOf(null)).toMatchObject({ code: 'TYPE', path: '' });
  });
});
