import { createHash } from 'node:crypto';
import { scaleDecimal } from './decimal';
import { evidenceHash, parseOcmf, payloadHash } from './index';

const SIGNATURE = '{"SD":"3045022100AA"}';
const record = (payload: string, signature = SIGNATURE): string => `OCMF|${payload}|${signature}`;
const reading = (fields: string): string =>
  `{"TM":"2021-11-17T18:09:38,000+0200 I","TX":"B","RV":48.542,"RI":"1-b:1.8.0","RU":"kWh","EF":"","ST":"G"${fields}}`;
const payload = (fields = '', readings = reading('')): string =>
  `{"FV":"1.0","GS":"GW-7","PG":"T12","MS":"MTR-1","IS":true,"IT":"ISO14443","ID":"7bcf78ad"${fields},"RD":[${readings}]}`;

describe('parseOcmf', () => {
  it('reads a payload the same whether or not the meter puts spaces around colons', () => {
    const compact = payload();
    const spaced = compact.replace(/":/g, '" : ').replace(/,"/g, ', "');
    const { payloadText: compactText, ...fromCompact } = parseOcmf(record(compact));
    const { payloadText: spacedText, ...fromSpaced } = parseOcmf(record(spaced));
    expect(spacedText).not.toBe(compactText);
    expect(fromSpaced).toEqual(fromCompact);
  });

  it('keeps the payload text byte for byte', () => {
    const text = payload(',"CI":"Ladepunkt Süd"');
    expect(parseOcmf(record(text)).payloadText).toBe(text);
  });

  it.each([
    ['62500.1270', '62500.1270'],
    ['0.00', '0.00'],
    ['7753', '7753'],
    ['1.5e3', '1.5e3'],
    ['"      48.542"', '48.542'],
    ['"00000000.000"', '00000000.000'],
    ['"00048.542"', '00048.542'],
  ])('keeps RV %s as the decimal %s the meter signed', (literal, expected) => {
    const parsed = parseOcmf(record(payload('', reading('').replace('48.542', literal))));
    expect(parsed.readings[0]?.value).toBe(expected);
  });

  it('fills fields a reading omits from the previous reading of the same record', () => {
    const readings = [
      reading(''),
      '{"TM":"2021-11-17T18:15:10,000+0200 R","TX":"E","RV":49.440}',
      '{"RV":0.00,"RI":"1-b:1.9.0","RU":"kWh"}',
    ];
    const [, end, extra] = parseOcmf(record(payload('', readings.join(',')))).readings;
    expect(end).toMatchObject({ obis: '1-b:1.8.0', unit: 'kWh', errorFlags: '', status: 'G', transaction: 'E' });
    expect(end?.value).toBe('49.440');
    expect(extra).toMatchObject({ obis: '1-b:1.9.0', transaction: 'E', status: 'G', value: '0.00' });
    expect(extra?.time.text).toBe('2021-11-17T18:15:10,000+0200 R');
  });

  it('never carries RV over: a reading without one reports an event', () => {
    const [, event] = parseOcmf(record(payload('', `${reading('')},{"ST":"E"}`))).readings;
    expect(event).toMatchObject({ value: undefined, status: 'E' });
  });

  it.each([
    ['2018-07-24T13:22:04,000+0200 S', Date.UTC(2018, 6, 24, 11, 22, 4, 0), 'S'],
    ['2024-02-29T23:59:59,999-0530 I', Date.UTC(2024, 2, 1, 5, 29, 59, 999), 'I'],
    ['1970-01-01T01:01:49,000+0100 U', 109_000, 'U'],
    ['2000-01-01T00:00:00,000+0000 R', Date.UTC(2000, 0, 1), 'R'],
  ])('reads TM %s as UTC epoch milliseconds', (tm, epochMs, status) => {
    const parsed = parseOcmf(record(payload('', reading('').replace('2021-11-17T18:09:38,000+0200 I', tm))));
    expect(parsed.readings[0]?.time).toEqual({ text: tm, epochMs, status });
  });

  it('exposes header, pagination, identification and the signature section with its defaults', () => {
    expect(parseOcmf(record(payload()))).toMatchObject({
      formatVersion: '1.0',
      gatewaySerial: 'GW-7',
      meterSerial: 'MTR-1',
      pagination: { text: 'T12', context: 'T', counter: 12 },
      identification: { status: true, type: 'ISO14443', data: '7bcf78ad', flags: [] },
      signature: { algorithm: 'ECDSA-secp256r1-SHA256', encoding: 'hex', mimeType: 'application/x-der', data: '3045022100AA' },
    });
  });

  it.each([
    ['"FV":1.0', '1.0'],
    ['"FV":1', '1'],
    ['"FV":"1.0"', '1.0'],
  ])('reads %s as the format version %s, whether the meter signed a string or a number', (fv, expected) => {
    expect(parseOcmf(record(payload().replace('"FV":"1.0"', fv))).formatVersion).toBe(expected);
  });

  it('reads gateway and firmware versions written as numbers as the text signed', () => {
    expect(parseOcmf(record(payload(',"GV":2.10,"MF":1.05')))).toMatchObject({ gatewayVersion: '2.10', meterFirmware: '1.05' });
  });

  it('ignores vendor extension keys', () => {
    const parsed = parseOcmf(record(payload(',"XX":{"a":[1,2]}', reading(',"XV":76040,"XI":"1-0:1.8.0*255"'))));
    expect(parsed.readings).toHaveLength(1);
  });

  it.each([
    ['a header other than OCMF', `OCMX|${payload()}|${SIGNATURE}`, undefined],
    ['a pipe too many', `${record(payload())}|{}`, undefined],
    ['a missing signature section', `OCMF|${payload()}`, undefined],
    ['a payload that is not an object', record('[1]'), undefined],
    ['a duplicated key', record(payload(',"MS":"MTR-2"')), undefined],
    ['text after the payload object', record(`${payload()} x`), undefined],
    ['a number with a leading zero', record(payload('', reading('').replace('48.542', '048.542'))), undefined],
    ['nesting far deeper than OCMF uses', record(payload(`,"XX":${'['.repeat(40)}${']'.repeat(40)}`)), undefined],
    ['no PG', record(payload().replace('"PG":"T12",', '')), 'PG'],
    ['a PG with leading zeros', record(payload().replace('T12', 'T012')), 'PG'],
    ['a PG context other than T or F', record(payload().replace('T12', 'Q12')), 'PG'],
    ['neither MS nor GS', record(payload().replace('"GS":"GW-7",', '').replace('"MS":"MTR-1",', '')), 'MS'],
    ['an empty RD', record(payload('', '')), 'RD'],
    ['TM with a dot before the milliseconds', record(payload('', reading('').replace(',000+', '.000+'))), 'TM'],
    ['TM without a time status', record(payload('', reading('').replace('+0200 I', '+0200'))), 'TM'],
    ['TM on 30 February', record(payload('', reading('').replace('2021-11-17', '2021-02-30'))), 'TM'],
    ['TM at hour 24', record(payload('', reading('').replace('T18:', 'T24:'))), 'TM'],
    ['an RV that is not a number', record(payload('', reading('').replace('48.542', '"4 8"'))), 'RV'],
    ['an RV string with two points', record(payload('', reading('').replace('48.542', '"0000.48.542"'))), 'RV'],
    ['an RV string in hex', record(payload('', reading('').replace('48.542', '"0x30"'))), 'RV'],
    ['an RV string with a sign after zeros', record(payload('', reading('').replace('48.542', '"000-48.542"'))), 'RV'],
    ['an FV that is an object', record(payload().replace('"FV":"1.0"', '"FV":{"v":1}')), 'FV'],
    ['an FV that is true', record(payload().replace('"FV":"1.0"', '"FV":true')), 'FV'],
    ['RI without RU', record(payload('', reading('').replace(',"RU":"kWh"', ''))), 'RI'],
    ['RV without RI and RU', record(payload('', reading('').replace(',"RI":"1-b:1.8.0","RU":"kWh"', ''))), 'RU'],
    ['IF that is null', record(payload(',"IF":null')), 'IF'],
    ['an unknown TX', record(payload('', reading('').replace('"TX":"B"', '"TX":"Q"'))), 'TX'],
    ['a first reading without ST', record(payload('', reading('').replace(',"ST":"G"', ''))), 'ST'],
    ['IS that is not a boolean', record(payload().replace('"IS":true', '"IS":"true"')), 'IS'],
    ['a signature section without SD', record(payload(), '{"SA":"ECDSA-secp256r1-SHA256"}'), 'SD'],
    ['a record longer than 64 KiB', record(payload(`,"XX":"${'a'.repeat(70_000)}"`)), undefined],
  ])('refuses %s as MALFORMED', (_case, text, field) => {
    expect(() => parseOcmf(text)).toThrow(expect.objectContaining({ name: 'OcmfError', code: 'MALFORMED', field }));
  });
});

describe('hashes', () => {
  it('evidenceHash is the lowercase hex SHA-256 of the exact record text', () => {
    const text = record(payload(',"CI":"Süd"'));
    expect(evidenceHash(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    expect(evidenceHash(text)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('payloadHash ignores the unsigned signature section, evidenceHash does not', () => {
    const a = record(payload(), '{"SD":"3045022100AA"}');
    const b = record(payload(), '{ "SD" : "3045022100AA" }');
    expect(payloadHash(a)).toBe(payloadHash(b));
    expect(evidenceHash(a)).not.toBe(evidenceHash(b));
  });
});

describe('scaleDecimal', () => {
  it.each([
    ['62500.1271', 6, 62_500_127_100n],
    ['0.2597', 6, 259_700n],
    ['0.1', 3, 100n],
    ['7753', 3, 7_753_000n],
    ['1.5e3', 3, 1_500_000n],
    ['12345E-3', 3, 12_345n],
    ['0.0000010', 6, 1n],
    ['-2.5', 3, -2_500n],
    ['123456789012345678.901', 3, 123_456_789_012_345_678_901n],
  ])('scales %s by 10^%d exactly', (literal, scale, expected) => {
    expect(scaleDecimal(literal, scale)).toBe(expected);
  });

  it.each([['0.0000001', 6], ['1.2345', 3], ['1e999', 3], ['abc', 3], ['', 3]])('refuses %s at scale %d', (literal, scale) => {
    expect(scaleDecimal(literal, scale)).toBeUndefined();
  });
});
