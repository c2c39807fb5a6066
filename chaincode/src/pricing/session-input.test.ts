import { MAX_SESSION_MS, PricingError, type PricingInput, priceSession, type Tariff, validateTariff } from './index';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 15, 10, 0);

const tariff: Tariff = validateTariff({
  id: 'IN-1',
  version: 1,
  currency: 'EUR',
  utcOffsetMinutes: 0,
  vatBasisPoints: 1900,
  elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }] }],
});

function sample(offsetMs: number, registerWh: number): { timestampMs: number; registerWh: number } {
  return { timestampMs: T0 + offsetMs, registerWh };
}

/** A 30 min session from T0 with samples every 10 min; `extra` overrides any field. */
function aSession(extra: Partial<PricingInput> = {}): PricingInput {
  return {
    startMs: T0,
    endMs: T0 + 30 * MIN,
    samples: [0, 10, 20, 30].map((minute, i) => sample(minute * MIN, 1000 * i)),
    ...extra,
  };
}

function rejectionOf(input: PricingInput, pricedBy: Tariff = tariff): PricingError {
  try {
    priceSession(pricedBy, input);
  } catch (error) {
    if (error instanceof PricingError) return error;
    throw error;
  }
  throw new Error('the session was priced');
}

describe('priceSession input checks', () => {
  it('accepts the session the other cases start from', () => {
    expect(priceSession(tariff, aSession()).energyWh).toBe(3000);
  });

  it('ignores fields of its own on the session and its samples', () => {
    const withExtras = { ...aSession(), sessionId: 'S-1', samples: [{ ...sample(0, 0), signedData: 'OCMF|...' }] };
    expect(priceSession(tariff, { ...withExtras, endMs: T0 }).energyWh).toBe(0);
  });

  it.each<[string, Partial<PricingInput>, string, string]>([
    ['an end before the start', { endMs: T0 - 1 }, 'ORDER', 'endMs'],
    ['a session longer than the limit', { endMs: T0 + MAX_SESSION_MS + 1 }, 'RANGE', 'endMs'],
    ['a fractional timestamp', { startMs: T0 + 0.5 }, 'TYPE', 'startMs'],
    ['a charging end after plug-out', { chargingEndMs: T0 + 31 * MIN }, 'RANGE', 'chargingEndMs'],
    ['no samples', { samples: [] }, 'EMPTY', 'samples'],
    [
      'a first sample after plug-in',
      { samples: [sample(1, 0), sample(30 * MIN, 10)] },
      'COVERAGE',
      'samples[0].timestampMs',
    ],
    [
      'samples out of time order',
      { samples: [sample(0, 0), sample(0, 10), sample(30 * MIN, 20)] },
      'ORDER',
      'samples[1].timestampMs',
    ],
    [
      'a register that goes down',
      { samples: [sample(0, 500), sample(30 * MIN, 499)] },
      'ORDER',
      'samples[1].registerWh',
    ],
    [
      'a sample after plug-out',
      { samples: [sample(0, 0), sample(31 * MIN, 10)] },
      'RANGE',
      'samples[1].timestampMs',
    ],
    [
      'samples that stop before charging ends',
      { chargingEndMs: T0 + 25 * MIN, samples: [sample(0, 0), sample(20 * MIN, 10)] },
      'COVERAGE',
      'samples[1].timestampMs',
    ],
    [
      'energy delivered while parking',
      { chargingEndMs: T0 + 15 * MIN },
      'ENERGY_AFTER_CHARGING_END',
      'samples[3].registerWh',
    ],
  ])('rejects %s', (_name, change, code, path) => {
    expect(rejectionOf(aSession(change))).toMatchObject({ name: 'PricingError', code, path });
  });

  it('refuses an amount beyond the safe integer range instead of losing precision', () => {
    const extravagant = validateTariff({
      ...tariff,
      elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: Number.MAX_SAFE_INTEGER, stepSize: 1 }] }],
    });
    const samples = [sample(0, 0), sample(MIN, 1_000_000_000)];
    expect(rejectionOf({ startMs: T0, endMs: T0 + MIN, samples }, extravagant)).toMatchObject({
      code: 'AMOUNT_OUT_OF_RANGE',
      path: 'lineItems[0].net',
    });
  });
});
