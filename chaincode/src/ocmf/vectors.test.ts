import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseOcmf, verifyOcmfSignature, verifyTransactionEvidence, type SignatureVerdict } from './index';

/** Real signed records from the S.A.F.E. transparency software's test resources; see its README. */
interface Vector {
  readonly source: string;
  readonly index: number;
  readonly ocmf: string;
  readonly publicKey: string;
  /** `plain`: the source XML gives the key as written; in this data that is always SPKI DER in unbroken hex. */
  readonly publicKeyEncoding: 'hex' | 'base64' | 'plain';
  readonly expected: SignatureVerdict;
}

const VECTORS_FILE = path.join(__dirname, '../../../../shared/ocmf-vectors/vectors.jsonl');
/** The vectors are shared test data outside the repository; where they are absent these suites are skipped, and say why. */
const present = existsSync(VECTORS_FILE);
const withVectors = present ? describe : describe.skip;
const absent = present ? '' : ` (skipped: ${VECTORS_FILE} is absent)`;
const vectors: readonly Vector[] = present
  ? readFileSync(VECTORS_FILE, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Vector)
  : [];
const valid = vectors.filter((vector) => vector.expected === 'valid');
const fromFile = (suffix: string): Vector[] => vectors.filter((vector) => vector.source.endsWith(suffix));
const records = (suffix: string): string[] => fromFile(suffix).map((vector) => vector.ocmf);
const keyOf = (suffix: string): string => fromFile(suffix)[0]!.publicKey;

/** Adds one to the digit that `pattern`'s second group captures (9 becomes 0). */
function bumpDigit(text: string, pattern: RegExp): string {
  return text.replace(pattern, (_all, before: string, digit: string) => `${before}${(Number(digit) + 1) % 10}`);
}

withVectors(`the S.A.F.E. test vectors${absent}`, () => {
  it('are all present', () => {
    expect(vectors).toHaveLength(134);
  });

  it.each(vectors.map((vector) => [`${path.basename(vector.source)} #${vector.index}`, vector] as const))(
    '%s gets its expected verdict',
    (_name, vector) => {
      expect(verifyOcmfSignature(vector.ocmf, vector.publicKey)).toBe(vector.expected);
    },
  );

  it('parse, every one of them', () => {
    const unreadable = vectors.filter((vector) => {
      try {
        parseOcmf(vector.ocmf);
        return false;
      } catch {
        return true;
      }
    });
    expect(unreadable).toEqual([]);
  });
});

withVectors(`tampering with a valid vector${absent}`, () => {
  const stillValid = (tamper: (text: string) => string, among: readonly Vector[]): string[] =>
    among
      .map((vector) => ({ vector, tampered: tamper(vector.ocmf) }))
      .filter(({ vector, tampered }) => {
        expect(tampered).not.toBe(vector.ocmf);
        return verifyOcmfSignature(tampered, vector.publicKey) !== 'invalid';
      })
      .map(({ vector }) => `${vector.source} #${vector.index}`);

  it('breaks the signature when one digit of an RV changes', () => {
    expect(stillValid((text) => bumpDigit(text, /("RV" ?: ?"? *)(\d)/), valid)).toEqual([]);
  });

  it('breaks the signature when one digit of a TM changes', () => {
    expect(stillValid((text) => bumpDigit(text, /("TM" ?: ?"[^"]*:\d)(\d)(?=,)/), valid)).toEqual([]);
  });

  it('breaks the signature when one digit of the MS serial changes', () => {
    const withSerial = valid.filter((vector) => /"MS" ?: ?"[^"]*\d/.test(vector.ocmf));
    expect(withSerial.length).toBeGreaterThan(0);
    expect(stillValid((text) => bumpDigit(text, /("MS" ?: ?"[^"\d]*)(\d)/), withSerial)).toEqual([]);
  });
});

withVectors(`sessions from the vectors${absent}`, () => {
  it('proves a DZG session in two records with padded string RVs and a duration reading', () => {
    expect(verifyTransactionEvidence(records('ocmf_sec.xml'), keyOf('ocmf_sec.xml'))).toMatchObject({
      meterSerial: '1DZG0033016911',
      gatewaySerial: '048939',
      obis: '01-00:01.08.00.FF',
      unit: 'kWh',
      startTime: '2021-07-20T17:37:52,000+0200 I',
      startTimeMs: Date.UTC(2021, 6, 20, 15, 37, 52),
      endTime: '2021-07-20T17:38:11,000+0200 I',
      endTimeMs: Date.UTC(2021, 6, 20, 15, 38, 11),
      startRegisterMilliWh: 3_988_000,
      endRegisterMilliWh: 3_988_000,
      energyWh: 0,
      pagination: ['T6', 'T7'],
      endCode: 'E',
      identificationStatus: true,
      identificationType: 'EMAID',
      identificationData: '0410006a345b84',
    });
  });

  it('proves a secp384r1 session in Wh', () => {
    expect(verifyTransactionEvidence(records('nistP384_0Wh.xml'), keyOf('nistP384_0Wh.xml'))).toMatchObject({
      meterSerial: '12345678',
      unit: 'Wh',
      pagination: ['T5', 'T6'],
      energyWh: 0,
    });
  });

  it('proves a KEBA record holding begin and end, billing 2.6 Wh as 2 Wh', () => {
    const measurement = fromFile('measurements.xml').find((vector) => vector.ocmf.includes('"PG":"T70179"'))!;
    expect(verifyTransactionEvidence([measurement.ocmf], measurement.publicKey)).toMatchObject({
      meterSerial: '2',
      startRegisterMilliWh: 62_500_127_100,
      endRegisterMilliWh: 62_500_129_700,
      energyMilliWh: 2_600,
      energyWh: 2,
      endCode: 'E',
    });
  });

  it('takes the gateway serial when a KEBA record names no meter serial', () => {
    const [keba] = fromFile('keba_test.xml');
    expect(verifyTransactionEvidence([keba!.ocmf], keba!.publicKey)).toMatchObject({ meterSerial: '16913115', obis: '1-b:1.8.0' });
  });

  it('refuses a session whose meter reports an error, although its signatures are valid', () => {
    const file = 'device-with-evt-ocmf-sss-ses.xml';
    expect(() => verifyTransactionEvidence(records(file), keyOf(file))).toThrow(
      expect.objectContaining({ code: 'STATUS_NOT_OK', recordIndex: 0, readingIndex: 0, field: 'ST' }),
    );
  });

  it('proves a DZG secp256k1 session of 0.898 kWh under the key of its first record', () => {
    const file = 'second_key_fail_ocmf.xml';
    expect(verifyTransactionEvidence(records(file), keyOf(file))).toMatchObject({
      meterSerial: '1DZG0033022268',
      startRegisterMilliWh: 48_542_000,
      endRegisterMilliWh: 49_440_000,
      energyWh: 898,
      pagination: ['T1040', 'T1041'],
    });
  });

  it('refuses that session under the second, secp256r1 key its file offers', () => {
    const [, second] = fromFile('second_key_fail_ocmf.xml');
    expect(() => verifyTransactionEvidence(records('second_key_fail_ocmf.xml'), second!.publicKey)).toThrow(
      expect.objectContaining({ code: 'BAD_SIGNATURE', recordIndex: 0 }),
    );
  });
});
