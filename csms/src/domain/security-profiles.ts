/**
 * OCPP security profiles (OCPP 2.0.1 Part 2 A.2; the 1.6 security whitepaper): 1 HTTP basic auth on plain
 * WebSockets, 2 basic auth over TLS, 3 mutual TLS with the charger's identity as the certificate's subject CN.
 */
export const SECURITY_PROFILES = [1, 2, 3] as const;
export type SecurityProfile = (typeof SECURITY_PROFILES)[number];

/** What a WebSocket handshake showed about the caller, taken off the socket by the OCPP server. */
export interface HandshakeEvidence {
  /** The connection runs over TLS. */
  readonly tls: boolean;
  /** The HTTP basic auth password sent for the identity, if any. */
  readonly password: Buffer | undefined;
  /** The client certificate, if one was presented (TLS only). */
  readonly certificate: PresentedCertificate | undefined;
}

export interface PresentedCertificate {
  /** It chains to a CA the CSMS trusts and is within its validity period. */
  readonly trusted: boolean;
  /** The subject's single CN; undefined when it has none or several. */
  readonly subjectCn: string | undefined;
}

export type HandshakeRefusal =
  /** No charger is provisioned under the identity in the URL. */
  | 'UnknownCharger'
  /** A trusted certificate names another charger: its key is in the wrong hands, whatever else is sent. */
  | 'CertificateForAnotherIdentity'
  /** Neither a trusted certificate for the identity nor the right password. */
  | 'NoValidCredentials'
  /** Valid credentials, but weaker than the profile the charger was provisioned for (e.g. a password over plain ws for a profile 2 charger). */
  | 'BelowProvisionedProfile';

export type HandshakeOutcome =
  | { readonly accepted: true; readonly profile: SecurityProfile }
  | { readonly accepted: false; readonly reason: HandshakeRefusal; readonly provenProfile?: SecurityProfile };

export interface HandshakeAssessment {
  readonly identity: string;
  readonly evidence: HandshakeEvidence;
  /** The profile the charger was provisioned for: the weakest the CSMS accepts from it. */
  readonly provisioned: SecurityProfile;
  /** Checks a password against the stored hash; resolves false when the charger has none. Called only when needed. */
  readonly passwordMatches: (password: Buffer) => Promise<boolean>;
}

/**
 * The strongest profile the evidence proves, and whether that reaches the provisioned one. A provisioned profile
 * is a floor, not an exact match: a profile 1 charger may connect over TLS, a profile 2 or 3 charger never over
 * plain ws, and a profile 3 charger never with a password alone.
 */
export async function assessHandshake(assessment: Readonly<HandshakeAssessment>): Promise<HandshakeOutcome> {
  const { identity, evidence, provisioned } = assessment;
  const certificate = evidence.tls ? evidence.certificate : undefined;
  if (certificate?.trusted === true && certificate.subjectCn !== identity) return { accepted: false, reason: 'CertificateForAnotherIdentity' };

  let proven: SecurityProfile;
  if (certificate?.trusted === true) {
    proven = 3;
  } else if (evidence.password !== undefined && (await assessment.passwordMatches(evidence.password))) {
    proven = evidence.tls ? 2 : 1;
  } else {
    return { accepted: false, reason: 'NoValidCredentials' };
  }
  if (proven < provisioned) return { accepted: false, reason: 'BelowProvisionedProfile', provenProfile: proven };
  return { accepted: true, profile: proven };
}
