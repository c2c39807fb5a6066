import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/**
 * Just enough DER to issue X.509 v3 certificates like a Fabric CA does: an ECDSA P-256 key, subject and
 * issuer names, and the Fabric attribute extension (OID 1.2.3.4.5.6.7.8.1, JSON `{"attrs":{...}}`) that
 * fabric-shim's ClientIdentity reads. Test identities are then parsed by the real shim, not imitated.
 */
function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const octets = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const bits = (bytes: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);

/** A DER INTEGER: no leading zero bytes beyond the one a set high bit needs (OpenSSL refuses padded ones). */
function integer(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start += 1;
  const minimal = value.subarray(start);
  const trimmed = minimal[0] !== undefined && minimal[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal;
  return tlv(0x02, trimmed);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes = [first * 40 + second];
  for (const part of rest) {
    const chunk = [part & 0x7f];
    for (let value = part >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

export interface DistinguishedName {
  readonly commonName: string;
  readonly organization: string;
  readonly organizationalUnit?: string;
}

function name(dn: DistinguishedName): Buffer {
  const rdn = (type: string, value: string): Buffer => set(sequence(oid(type), utf8(value)));
  const parts = [rdn('2.5.4.10', dn.organization)];
  if (dn.organizationalUnit !== undefined) parts.push(rdn('2.5.4.11', dn.organizationalUnit));
  parts.push(rdn('2.5.4.3', dn.commonName));
  return sequence(...parts);
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const FABRIC_ATTRIBUTES_OID = '1.2.3.4.5.6.7.8.1';

export interface Issuer {
  readonly dn: DistinguishedName;
  readonly key: KeyObject;
}

export function newIssuer(organization: string): Issuer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { dn: { commonName: `ca.${organization}`, organization }, key: privateKey };
}

/** A PEM certificate for a fresh P-256 key, signed by `issuer`, carrying Fabric CA attributes. */
export function issueCertificate(issuer: Issuer, subject: DistinguishedName, attributes: Readonly<Record<string, string>>, serial: number): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const extensions: Buffer[] = [];
  if (Object.keys(attributes).length > 0) {
    extensions.push(sequence(oid(FABRIC_ATTRIBUTES_OID), octets(Buffer.from(JSON.stringify({ attrs: attributes }), 'utf8'))));
  }
  const serialBytes = Buffer.alloc(8);
  serialBytes.writeBigUInt64BE(BigInt(serial));
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serialBytes),
    ECDSA_WITH_SHA256,
    name(issuer.dn),
    sequence(utcTime(new Date(Date.UTC(2024, 0, 1))), utcTime(new Date(Date.UTC(2049, 0, 1)))),
    name(subject),
    spki,
    ...(extensions.length > 0 ? [explicit(3, sequence(...extensions))] : []),
  );
  const signature = sign('sha256', tbs, createPrivateKey(issuer.key.export({ type: 'pkcs8', format: 'pem' })));
  const der = sequence(tbs, ECDSA_WITH_SHA256, bits(signature));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trim();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
