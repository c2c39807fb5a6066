import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';

/** An organization's membership as the channel configuration defines it. */
export interface Membership {
  readonly mspId: string;
  readonly roots: readonly X509Certificate[];
  readonly intermediates: readonly X509Certificate[];
  /** With NodeOUs on, the OU a peer's certificate carries (Fabric's peer_ou_identifier). */
  readonly peerOu?: string;
}

export function parseCertificate(pem: string | Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

export function fingerprint(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('hex');
}

/**
 * Why `pem` is not a member of `membership` at `atMs`, or undefined when it is: the certificate parses, was
 * valid at that time, and chains (through the MSP's intermediates, if any) to one of its root CAs, each link
 * checked by signature, not by name.
 */
export function membershipFailure(pem: string, membership: Membership | undefined, atMs: number): string | undefined {
  if (membership === undefined) return 'its organization is not in the channel configuration';
  const certificate = parseCertificate(pem);
  if (certificate === undefined) return 'the certificate does not parse';
  if (Date.parse(certificate.validFrom) > atMs || Date.parse(certificate.validTo) < atMs) return `the certificate was not valid at ${new Date(atMs).toISOString()}`;
  let current = certificate;
  for (let depth = 0; depth <= membership.intermediates.length; depth += 1) {
    if (membership.roots.some((root) => issued(root, current))) return undefined;
    const next = membership.intermediates.find((intermediate) => intermediate !== current && issued(intermediate, current));
    if (next === undefined) break;
    current = next;
  }
  return `the certificate (${certificate.subject.replace(/\n/g, ', ')}) was not issued by ${membership.mspId}'s CA`;
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** True when the certificate's subject names `ou` among its organizational units. */
export function hasOrganizationalUnit(pem: string, ou: string): boolean {
  const certificate = parseCertificate(pem);
  return certificate !== undefined && certificate.subject.split('\n').some((line) => line === `OU=${ou}` || line.startsWith('OU=') && line.slice(3).split('+').includes(ou));
}

/** An ECDSA (or RSA) signature over SHA-256 of `data` by the certificate's key. */
export function signatureHolds(pem: string, data: Buffer | Uint8Array, signature: Buffer | Uint8Array): boolean {
  const certificate = parseCertificate(pem);
  if (certificate === undefined) return false;
  try {
    return verifySignature('sha256', data, certificate.publicKey, signature);
  } catch {
    return false;
  }
}
