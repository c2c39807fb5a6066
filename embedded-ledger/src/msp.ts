import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { MspId } from '@chargeledger/chaincode/api';
import { boolean, explicit, integer, octets, oid, pem, sequence, set, tlv, utcTime, utf8 } from './der';

/**
 * The channel's organizations, in the order their peers are listed (and endorse by default): two operator
 * organizations, as competing operators each have their own (ADR 0038).
 */
export const CHANNEL_ORGANIZATIONS: readonly MspId[] = ['OperatorsMSP', 'Operators2MSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'];

/** A certificate and the key that signs with it. */
export interface SigningIdentity {
  readonly mspId: MspId;
  /** PEM; the chaincode's ClientIdentity parses it from the proposal's creator. */
  readonly certificate: string;
  readonly privateKey: KeyObject;
}

/** One organization's membership: its CA (self-signed) and its peer, whose key signs endorsements. */
export interface OrganizationMsp {
  readonly mspId: MspId;
  readonly ca: SigningIdentity;
  readonly peer: SigningIdentity;
}

/** How an identity is kept on disk: PEM certificate and PKCS#8 PEM key. */
export interface StoredIdentity {
  readonly mspId: MspId;
  readonly certificate: string;
  readonly privateKey: string;
}

export interface StoredOrganization {
  readonly mspId: MspId;
  readonly ca: StoredIdentity;
  readonly peer: StoredIdentity;
}

interface DistinguishedName {
  readonly organization: string;
  readonly organizationalUnit?: string;
  readonly commonName: string;
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
/** Fabric CA's attribute extension: JSON `{"attrs":{...}}`, read by fabric-shim's ClientIdentity. */
const FABRIC_ATTRIBUTES_OID = '1.2.3.4.5.6.7.8.1';
/** UTCTime ends with 2049; certificates of a trial ledger need not outlive it. */
const NOT_AFTER = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));

function distinguishedName(dn: DistinguishedName): Buffer {
  const rdn = (type: string, value: string): Buffer => set(sequence(oid(type), utf8(value)));
  return sequence(
    rdn('2.5.4.10', dn.organization),
    ...(dn.organizationalUnit === undefined ? [] : [rdn('2.5.4.11', dn.organizationalUnit)]),
    rdn('2.5.4.3', dn.commonName),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octets(value));
}

const basicConstraints = (ca: boolean): Buffer => extension('2.5.29.19', true, sequence(...(ca ? [boolean(true)] : [])));
// KeyUsage bit strings: digitalSignature (bit 0); keyCertSign and cRLSign (bits 5, 6).
const SIGNING_USAGE = extension('2.5.29.15', true, tlv(0x03, Buffer.from([0x07, 0x80])));
const CA_USAGE = extension('2.5.29.15', true, tlv(0x03, Buffer.from([0x01, 0x06])));

interface CertificateRequest {
  readonly issuer: { readonly dn: DistinguishedName; readonly key: KeyObject };
  readonly subject: DistinguishedName;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly extensions: readonly Buffer[];
}

function certificate(request: CertificateRequest): string {
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_WITH_SHA256,
    distinguishedName(request.issuer.dn),
    sequence(utcTime(request.notBefore), utcTime(NOT_AFTER)),
    distinguishedName(request.subject),
    request.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...request.extensions)),
  );
  const signature = sign('sha256', tbs, { key: request.issuer.key, dsaEncoding: 'der' });
  return pem('CERTIFICATE', sequence(tbs, ECDSA_WITH_SHA256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))));
}

function domainOf(mspId: MspId): string {
  return `${mspId.replace(/MSP$/, '').toLowerCase()}.chargeledger.local`;
}

function caName(mspId: MspId): DistinguishedName {
  return { organization: mspId, commonName: `ca.${domainOf(mspId)}` };
}

/** A new organization: a P-256 CA that signs itself, and a peer identity it issues. */
export function newOrganization(mspId: MspId, notBefore: Date): OrganizationMsp {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const dn = caName(mspId);
  const caCertificate = certificate({ issuer: { dn, key: caKeys.privateKey }, subject: dn, publicKey: caKeys.publicKey, notBefore, extensions: [basicConstraints(true), CA_USAGE] });
  const ca: SigningIdentity = { mspId, certificate: caCertificate, privateKey: caKeys.privateKey };
  const peerSubject = { organization: mspId, organizationalUnit: 'peer', commonName: `peer0.${domainOf(mspId)}` };
  return { mspId, ca, peer: issue(ca, peerSubject, {}, notBefore) };
}

/**
 * A client identity of the organization carrying Fabric CA attributes. Its common name is derived from the
 * attributes, so the chaincode's `getID()` names the same party for the same attributes.
 */
export function issueClient(organization: OrganizationMsp, attributes: Readonly<Record<string, string>>, notBefore: Date): SigningIdentity {
  const subject = { organization: organization.mspId, organizationalUnit: 'client', commonName: clientName(attributes) };
  return issue(organization.ca, subject, attributes, notBefore);
}

export function clientName(attributes: Readonly<Record<string, string>>): string {
  const entries = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return 'client';
  return `client-${createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16)}`;
}

function issue(ca: SigningIdentity, subject: DistinguishedName, attributes: Readonly<Record<string, string>>, notBefore: Date): SigningIdentity {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const extensions = [basicConstraints(false), SIGNING_USAGE];
  if (Object.keys(attributes).length > 0) {
    extensions.push(extension(FABRIC_ATTRIBUTES_OID, false, Buffer.from(JSON.stringify({ attrs: attributes }), 'utf8')));
  }
  const text = certificate({ issuer: { dn: caName(ca.mspId), key: ca.privateKey }, subject, publicKey: keys.publicKey, notBefore, extensions });
  return { mspId: ca.mspId, certificate: text, privateKey: keys.privateKey };
}

export function signBytes(identity: SigningIdentity, bytes: Buffer): string {
  return sign('sha256', bytes, { key: identity.privateKey, dsaEncoding: 'der' }).toString('base64');
}

/** Whether `signature` (base64 DER ECDSA) over `bytes` was made with `key`, a certificate or its public key. */
export function verifySignature(key: string | KeyObject, bytes: Buffer, signature: string): boolean {
  try {
    return verify('sha256', bytes, { key: typeof key === 'string' ? createPublicKey(key) : key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export function publicKeyOf(certificate: string): KeyObject | undefined {
  try {
    return createPublicKey(certificate);
  } catch {
    return undefined;
  }
}

/** Whether `certificate` was issued and signed by the CA of `caCertificate`. */
export function issuedBy(certificate: string, caCertificate: string): boolean {
  try {
    const ca = new X509Certificate(caCertificate);
    const leaf = new X509Certificate(certificate);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}

export function storeIdentity(identity: SigningIdentity): StoredIdentity {
  return { mspId: identity.mspId, certificate: identity.certificate, privateKey: identity.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

export function loadIdentity(stored: StoredIdentity): SigningIdentity {
  return { mspId: stored.mspId, certificate: stored.certificate, privateKey: createPrivateKey(stored.privateKey) };
}

export function storeOrganization(organization: OrganizationMsp): StoredOrganization {
  return { mspId: organization.mspId, ca: storeIdentity(organization.ca), peer: storeIdentity(organization.peer) };
}

export function loadOrganization(stored: StoredOrganization): OrganizationMsp {
  return { mspId: stored.mspId, ca: loadIdentity(stored.ca), peer: loadIdentity(stored.peer) };
}
