import { assessHandshake, type HandshakeEvidence, type SecurityProfile } from './security-profiles';

const RIGHT = Buffer.from('the-right-password');
const WRONG = Buffer.from('not-the-password');

function evidence(overrides: Partial<HandshakeEvidence>): HandshakeEvidence {
  return { tls: false, password: undefined, certificate: undefined, ...overrides };
}

const trustedFor = (subjectCn: string | undefined): HandshakeEvidence['certificate'] => ({ trusted: true, subjectCn });

function assess(provisioned: SecurityProfile, shown: HandshakeEvidence, checked: Buffer[] = []): ReturnType<typeof assessHandshake> {
  return assessHandshake({
    identity: 'CP-1',
    provisioned,
    evidence: shown,
    passwordMatches: async (password) => {
      checked.push(password);
      return password.equals(RIGHT);
    },
  });
}

describe('assessHandshake', () => {
  it('proves profile 1 with the password on plain ws and profile 2 with it over TLS', async () => {
    expect(await assess(1, evidence({ password: RIGHT }))).toEqual({ accepted: true, profile: 1 });
    expect(await assess(1, evidence({ tls: true, password: RIGHT }))).toEqual({ accepted: true, profile: 2 });
    expect(await assess(2, evidence({ tls: true, password: RIGHT }))).toEqual({ accepted: true, profile: 2 });
  });

  it('refuses a wrong or missing password', async () => {
    expect(await assess(1, evidence({ password: WRONG }))).toEqual({ accepted: false, reason: 'NoValidCredentials' });
    expect(await assess(2, evidence({ tls: true }))).toEqual({ accepted: false, reason: 'NoValidCredentials' });
  });

  it('refuses a profile 2 or 3 charger whose credentials prove less than its profile', async () => {
    expect(await assess(2, evidence({ password: RIGHT }))).toEqual({ accepted: false, reason: 'BelowProvisionedProfile', provenProfile: 1 });
    expect(await assess(3, evidence({ tls: true, password: RIGHT }))).toEqual({ accepted: false, reason: 'BelowProvisionedProfile', provenProfile: 2 });
  });

  it('proves profile 3 with a trusted certificate naming the identity, without looking at any password', async () => {
    const checked: Buffer[] = [];
    expect(await assess(3, evidence({ tls: true, password: WRONG, certificate: trustedFor('CP-1') }), checked)).toEqual({ accepted: true, profile: 3 });
    expect(checked).toEqual([]);
  });

  it('refuses a trusted certificate for another identity, or with no single CN, whatever password comes with it', async () => {
    expect(await assess(2, evidence({ tls: true, password: RIGHT, certificate: trustedFor('CP-2') }))).toEqual({ accepted: false, reason: 'CertificateForAnotherIdentity' });
    expect(await assess(3, evidence({ tls: true, certificate: trustedFor(undefined) }))).toEqual({ accepted: false, reason: 'CertificateForAnotherIdentity' });
  });

  it('gives an untrusted certificate no weight: the password decides', async () => {
    const untrusted = { trusted: false, subjectCn: 'CP-1' };
    expect(await assess(3, evidence({ tls: true, certificate: untrusted }))).toEqual({ accepted: false, reason: 'NoValidCredentials' });
    expect(await assess(2, evidence({ tls: true, password: RIGHT, certificate: untrusted }))).toEqual({ accepted: true, profile: 2 });
  });

  it('ignores a certificate claimed on a connection without TLS', async () => {
    expect(await assess(3, evidence({ tls: false, certificate: trustedFor('CP-1') }))).toEqual({ accepted: false, reason: 'NoValidCredentials' });
  });
});
