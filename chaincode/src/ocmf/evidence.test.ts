import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { evidenceHash, payloadHash, verifyTransactionEvidence, type OcmfErrorCode } from './index';

type Curve = 'P-256' | 'P-384' | 'secp256k1' | 'brainpoolP256r1' | 'brainpoolP384r1';
/** The SA each test meter writes; the brainpool meters use the two spellings found in the field. */
const SIGNATURE_ALGORITHM: Readonly<Record<Curve, string>> = {
  'P-256': 'ECDSA-secp256r1-SHA256',
  'P-384': 'ECDSA-secp384r1-SHA256',
  secp256k1: 'ECDSA-secp256k1-SHA256',
  brainpoolP256r1: 'ECDSA-brainpoolP256r1-SHA256',
  brainpoolP384r1: 'ECDSA-brainpool384r1-SHA256',
};

interface TestMeter {
  readonly curve: Curve;
  readonly privateKey: KeyObject;
  /** SPKI DER, upper-case hex, as meters print it. */
  readonly publicKey: string;
}

function aMeter(curve: Curve = 'P-256'): TestMeter {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return { curve, privateKey, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('hex').toUpperCase() };
}

/** A JSON number written exactly as given, the way a meter writes RV. */
class Literal {
  constructor(readonly text: string) {}
}

function toJson(value: unknown): string {
  if (value instanceof Literal) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).filter(([, member]) => member !== undefined);
    return `{${members.map(([key, member]) => `${JSON.stringify(key)}:${toJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

type Reading = Record<string, unknown>;
type Header = Record<string, unknown>;

/** A reading of the billing register; `rv` is the literal the meter writes, e.g. '1234.567'. */
function aReading(tx: string | undefined, rv: string, overrides: Reading = {}): Reading {
  const tm = '2024-05-01T10:00:00,000+0200 S';
  return { TM: tm, TX: tx, RV: new Literal(rv), RI: '1-b:1.8.0', RU: 'kWh', EF: '', ST: 'G', ...overrides };
}

function aRecord(meter: TestMeter, readings: readonly Reading[], header: Header = {}): string {
  const payload = toJson({
    FV: '1.0', GI: 'ChargeLedger test meter', GS: 'GW-0001', GV: '1.0', PG: 'T7', MV: 'Test', MM: 'TM-1', MS: 'MTR-0001',
    IS: true, IL: 'VERIFIED', IF: ['RFID_PLAIN'], IT: 'ISO14443', ID: '1F2D3A4F', ...header, RD: readings,
  });
  const signature = sign('sha256', Buffer.from(payload, 'utf8'), { key: meter.privateKey, dsaEncoding: 'der' });
  return `OCMF|${payload}|${toJson({ SA: SIGNATURE_ALGORITHM[meter.curve], SD: signature.toString('hex').toUpperCase() })}`;
}

/** One record per entry of `pages`, numbered T7, T8, ... unless a header says otherwise. */
function aSession(meter: TestMeter, pages: readonly (readonly Reading[])[], headers: readonly Header[] = []): string[] {
  return pages.map((readings, i) => aRecord(meter, readings, { PG: `T${7 + i}`, ...headers[i] }));
}

const meter = aMeter();
const beginEnd = (start: string, end: string, unit = 'kWh'): Reading[][] => [
  [aReading('B', start, { RU: unit })],
  [aReading('E', end, { RU: unit, TM: '2024-05-01T11:30:00,000+0200 S' })],
];
const refusal = (code: OcmfErrorCode, where: Record<string, unknown> = {}): unknown =>
  expect.objectContaining({ name: 'OcmfError', code, ...where });

describe('verifyTransactionEvidence accepts', () => {
  it('a session in two records and reports what it proves', () => {
    const records = aSession(meter, beginEnd('1234.567', '1250.001'));
    expect(verifyTransactionEvidence(records, meter.publicKey)).toEqual({
      meterSerial: 'MTR-0001',
      gatewaySerial: 'GW-0001',
      obis: '1-b:1.8.0',
      unit: 'kWh',
      startTime: '2024-05-01T10:00:00,000+0200 S',
      startTimeMs: Date.UTC(2024, 4, 1, 8, 0, 0),
      endTime: '2024-05-01T11:30:00,000+0200 S',
      endTimeMs: Date.UTC(2024, 4, 1, 9, 30, 0),
      startRegisterMilliWh: 1_234_567_000,
      endRegisterMilliWh: 1_250_001_000,
      energyMilliWh: 15_434_000,
      energyWh: 15_434,
      pagination: ['T7', 'T8'],
      firstPage: 7,
      lastPage: 8,
      endCode: 'E',
      identificationStatus: true,
      identificationType: 'ISO14443',
      identificationData: '1F2D3A4F',
      hashes: records.map(evidenceHash),
      payloadHashes: records.map(payloadHash),
    });
  });

  it.each<Curve>(['P-256', 'P-384', 'secp256k1', 'brainpoolP256r1', 'brainpoolP384r1'])('records signed on %s', (curve) => {
    const signer = aMeter(curve);
    expect(verifyTransactionEvidence(aSession(signer, beginEnd('10.000', '12.500')), signer.publicKey).energyWh).toBe(2_500);
  });

  it('records that bend the format but are signed as sent: FV as a number, RV as zero-padded strings', () => {
    const records = aSession(
      meter,
      [[aReading('B', '"00001234.567"')], [aReading('E', '"00001250.001"', { TM: '2024-05-01T11:30:00,000+0200 S' })]],
      [{ FV: new Literal('1.0') }, { FV: new Literal('1.0') }],
    );
    expect(records[0]).toContain('"FV":1.0');
    expect(verifyTransactionEvidence(records, meter.publicKey)).toMatchObject({ startRegisterMilliWh: 1_234_567_000, endRegisterMilliWh: 1_250_001_000, energyWh: 15_434 });
  });

  it('one record holding begin and end, with a reading of another register beside them', () => {
    const duration = { RV: new Literal('19'), RI: '01-00:00.08.06.FF', RU: 'sec' };
    const record = aRecord(meter, [aReading('B', '3.988'), aReading('E', '4.100'), duration]);
    expect(verifyTransactionEvidence([record], meter.publicKey)).toMatchObject({ energyWh: 112, pagination: ['T7'], firstPage: 7, lastPage: 7 });
  });

  it('charging, suspended and tariff-change readings between begin and end', () => {
    const records = aSession(meter, [
      [aReading('B', '1.000'), aReading('C', '1.500'), aReading('S', '1.500')],
      [aReading('T', '2.000'), aReading('E', '2.250')],
    ]);
    expect(verifyTransactionEvidence(records, meter.publicKey).energyWh).toBe(1_250);
  });

  it.each(['E', 'L', 'R', 'A', 'P'])('end code %s, and reports it', (code) => {
    const records = aSession(meter, [[aReading('B', '1.000')], [aReading(code, '2.000')]]);
    expect(verifyTransactionEvidence(records, meter.publicKey).endCode).toBe(code);
  });

  it('the gateway serial as meter serial when MS is absent', () => {
    const records = aSession(meter, beginEnd('1.000', '2.000'), [{ MS: undefined }, { MS: undefined }]);
    expect(verifyTransactionEvidence(records, meter.publicKey)).toMatchObject({ meterSerial: 'GW-0001', gatewaySerial: 'GW-0001' });
  });
});

describe('verifyTransactionEvidence computes energy exactly', () => {
  it.each([
    ['kWh with 3 decimals', '1234.567', '1250.001', 'kWh', 15_434_000, 15_434],
    ['kWh with 4 decimals', '62500.1271', '62500.1297', 'kWh', 2_600, 2],
    ['kWh with 4 decimals, whole Wh', '0.2596', '1.0000', 'kWh', 740_400, 740],
    ['kWh where binary floats err (0.3 - 0.1)', '0.1', '0.3', 'kWh', 200_000, 200],
    ['a register near a billion kWh', '999999999.999', '1000000000.000', 'kWh', 1_000, 1],
    ['Wh', '7753', '8001', 'Wh', 248_000, 248],
    ['Wh with a decimal', '7753.5', '7754', 'Wh', 500, 0],
  ])('in %s', (_case, start, end, unit, milliWh, wh) => {
    const evidence = verifyTransactionEvidence(aSession(meter, beginEnd(start, end, unit)), meter.publicKey);
    expect(evidence).toMatchObject({ energyMilliWh: milliWh, energyWh: wh, unit });
  });
});

describe('verifyTransactionEvidence refuses', () => {
  const other = aMeter();
  const refused = (records: readonly string[], expected: unknown, key = meter.publicKey): void => {
    expect(() => verifyTransactionEvidence(records, key)).toThrow(expected as Error);
  };
  const session = (...pages: Reading[][]): string[] => aSession(meter, pages);
  const withHeaders = (...headers: Header[]): string[] => aSession(meter, beginEnd('1', '2'), headers);
  const duration = (overrides: Reading): Reading => ({ RV: new Literal('19'), RI: '01-00:00.08.06.FF', RU: 'sec', ...overrides });

  it('no records at all as MALFORMED', () => {
    refused([], refusal('MALFORMED'));
  });

  it('a record that is not OCMF as MALFORMED, naming it', () => {
    refused([aRecord(meter, [aReading('B', '1')]), 'OCMF|{}'], refusal('MALFORMED', { recordIndex: 1 }));
  });

  it('a padded RV or a numeric FV respelled after signing, though it reads as the same value, as BAD_SIGNATURE', () => {
    const padded = aSession(meter, [[aReading('B', '"00001234.567"')], [aReading('E', '"00001250.001"')]], [{ FV: new Literal('1.0') }, { FV: new Literal('1.0') }]);
    refused([padded[0]!.replace('"00001234.567"', '"1234.567"'), padded[1]!], refusal('BAD_SIGNATURE', { recordIndex: 0 }));
    refused([padded[0]!, padded[1]!.replace('"FV":1.0', '"FV":"1.0"')], refusal('BAD_SIGNATURE', { recordIndex: 1 }));
  });

  it('an RV finer than a mWh as MALFORMED', () => {
    refused(aSession(meter, beginEnd('1.0000001', '2')), refusal('MALFORMED', { recordIndex: 0, field: 'RV' }));
  });

  it('a hostile key as BAD_KEY', () => {
    refused(aSession(meter, beginEnd('1', '2')), refusal('BAD_KEY'), '${jndi:ldap://example.invalid/a}');
  });

  it('a record signed by another meter as BAD_SIGNATURE, naming it', () => {
    const records = [aRecord(meter, [aReading('B', '1')]), aRecord(other, [aReading('E', '2')], { PG: 'T8' })];
    refused(records, refusal('BAD_SIGNATURE', { recordIndex: 1 }));
  });

  it('a signature algorithm it does not implement as UNSUPPORTED_ALGORITHM', () => {
    const record = aRecord(meter, [aReading('B', '1'), aReading('E', '2')]);
    const claimed = record.replace('ECDSA-secp256r1-SHA256', 'ECDSA-secp160r1-SHA256');
    refused([claimed], refusal('UNSUPPORTED_ALGORITHM', { recordIndex: 0, field: 'SA' }));
  });

  it('a first reading that is not a begin as NOT_BEGIN', () => {
    refused(session([aReading('C', '1')], [aReading('E', '2')]), refusal('NOT_BEGIN', { recordIndex: 0, readingIndex: 0 }));
  });

  it('a begin without an end as NO_END', () => {
    refused(session([aReading('B', '1')]), refusal('NO_END'));
  });

  it.each(['S', 'T', 'C'])('a session ending on TX=%s, which continues a transaction, as NO_END', (code) => {
    refused(session([aReading('B', '1')], [aReading(code, '2')]), refusal('NO_END', { recordIndex: 1 }));
  });

  it('an end before the last reading as OUT_OF_SEQUENCE', () => {
    const records = session([aReading('B', '1'), aReading('E', '2')], [aReading('E', '3')]);
    refused(records, refusal('OUT_OF_SEQUENCE', { recordIndex: 0, readingIndex: 1 }));
  });

  it('a reading without transaction reference mid-session as OUT_OF_SEQUENCE', () => {
    const records = session([aReading('B', '1')], [aReading(undefined, '2')], [aReading('E', '3')]);
    refused(records, refusal('OUT_OF_SEQUENCE', { recordIndex: 1 }));
  });

  it('an exception reading as TRANSACTION_EXCEPTION', () => {
    const records = session([aReading('B', '1')], [aReading('X', '2')], [aReading('E', '3')]);
    refused(records, refusal('TRANSACTION_EXCEPTION', { recordIndex: 1 }));
  });

  it('a missing page as PAGINATION_GAP', () => {
    refused(withHeaders({}, { PG: 'T9' }), refusal('PAGINATION_GAP', { recordIndex: 1, field: 'PG' }));
  });

  it('records out of order as PAGINATION_GAP', () => {
    refused(withHeaders({ PG: 'T8' }, { PG: 'T7' }), refusal('PAGINATION_GAP', { recordIndex: 1 }));
  });

  it('fiscal records as PAGINATION_GAP', () => {
    refused(withHeaders({ PG: 'F7' }, { PG: 'F8' }), refusal('PAGINATION_GAP', { recordIndex: 0 }));
  });

  it('another meter serial as SERIAL_MISMATCH', () => {
    refused(withHeaders({}, { MS: 'MTR-0002' }), refusal('SERIAL_MISMATCH', { recordIndex: 1 }));
  });

  it('another gateway serial as SERIAL_MISMATCH', () => {
    refused(withHeaders({}, { GS: 'GW-0002' }), refusal('SERIAL_MISMATCH', { recordIndex: 1 }));
  });

  it('an end on another register as OBIS_MISMATCH', () => {
    const records = session([aReading('B', '1')], [aReading('E', '2', { RI: '1-b:2.8.0' })]);
    refused(records, refusal('OBIS_MISMATCH', { recordIndex: 1, field: 'RI' }));
  });

  it('an end in another unit as UNIT_MISMATCH', () => {
    const records = session([aReading('B', '1')], [aReading('E', '2000', { RU: 'Wh' })]);
    refused(records, refusal('UNIT_MISMATCH', { recordIndex: 1, field: 'RU' }));
  });

  it('a register that is not energy as UNSUPPORTED_UNIT', () => {
    refused(aSession(meter, beginEnd('1', '2', 'mOhm')), refusal('UNSUPPORTED_UNIT', { recordIndex: 0, field: 'RU' }));
  });

  it('a meter status other than G as STATUS_NOT_OK', () => {
    const records = session([aReading('B', '1')], [aReading('E', '2', { ST: 'M' })]);
    refused(records, refusal('STATUS_NOT_OK', { recordIndex: 1, readingIndex: 0, field: 'ST' }));
  });

  it('error flags as ERROR_FLAGS', () => {
    const records = session([aReading('B', '1')], [aReading('E', '2', { EF: 'E' })]);
    refused(records, refusal('ERROR_FLAGS', { recordIndex: 1, field: 'EF' }));
  });

  it('an error reported by a reading of another register as ERROR_FLAGS', () => {
    const record = aRecord(meter, [aReading('B', '1'), aReading('E', '2'), duration({ EF: 't' })]);
    refused([record], refusal('ERROR_FLAGS', { recordIndex: 0, readingIndex: 2 }));
  });

  it('a register that goes down as REGISTER_DECREASED', () => {
    const records = session([aReading('B', '5'), aReading('C', '6')], [aReading('E', '5.999')]);
    refused(records, refusal('REGISTER_DECREASED', { recordIndex: 1, field: 'RV' }));
  });

  it('records that assign different users as IDENTIFICATION_MISMATCH', () => {
    refused(withHeaders({}, { ID: 'CAFEBABE' }), refusal('IDENTIFICATION_MISMATCH', { recordIndex: 1, field: 'ID' }));
  });
});
