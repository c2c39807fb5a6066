import pino from 'pino';
import type { LedgerAuthorizationVerdict } from '@chargeledger/ledger-queue';
import { Authorization, type AuthorizationDecision, type LedgerAnswer, toStatus16, type WhenLedgerUnavailable } from './authorization';
import type { TokenStatus } from '../stores/id-tokens';

const log = pino({ level: 'silent' });

function anAuthorization(registry: TokenStatus, answer: LedgerAnswer | undefined, whenLedgerUnavailable: WhenLedgerUnavailable = 'registry', cached?: LedgerAuthorizationVerdict, room = true) {
  const asked: string[] = [];
  const decisions: AuthorizationDecision[] = [];
  const authorization = new Authorization({
    tokens: { status: async () => registry, digest: (idToken) => `digest-of-${idToken.length}` },
    ledger:
      answer === undefined
        ? undefined
        : {
            ask: async (chargerId, idToken) => {
              asked.push(`${chargerId}/${idToken}`);
              return answer;
            },
            cachedVerdict: async () => cached,
          },
    whenLedgerUnavailable,
    onDecision: (decision) => decisions.push(decision),
    newSessions: { admitsNewSessions: () => room },
  });
  return { authorization, asked, decisions };
}

const aVerdict = (status: LedgerAuthorizationVerdict['status']): LedgerAuthorizationVerdict => ({ status, holdAmount: status === 'accepted' ? 2000 : 0, minimumHold: 500, currency: 'EUR' });
const verdict = (status: LedgerAuthorizationVerdict['status']): LedgerAnswer => ({ kind: 'verdict', verdict: aVerdict(status), cached: false });

describe('Authorization', () => {
  it.each([
    ['accepted', 'Accepted', 'Accepted'],
    ['unknown-token', 'Unknown', 'Invalid'],
    ['revoked-token', 'Blocked', 'Blocked'],
    ['account-closed', 'Blocked', 'Blocked'],
    ['below-minimum-hold', 'NoCredit', 'Blocked'],
    ['insufficient-funds', 'NoCredit', 'Blocked'],
    ['currency-mismatch', 'NotAtThisLocation', 'Invalid'],
  ] as const)('puts the ledger verdict %s as %s in 2.0.1 and %s in 1.6', async (ledger, status201, status16) => {
    const { authorization, asked } = anAuthorization('Accepted', verdict(ledger));
    const decision = await authorization.decide('CP-1', 'RFID-1', log);
    expect(decision).toEqual({ status: status201, source: 'ledger' });
    expect(toStatus16(decision.status)).toBe(status16);
    expect(asked).toEqual(['CP-1/RFID-1']);
  });

  it.each([
    ['Invalid', 'Unknown'],
    ['Blocked', 'Blocked'],
    ['Expired', 'Expired'],
  ] as const)('answers a token the registry holds as %s with %s, without asking the ledger', async (registry, status) => {
    const { authorization, asked } = anAuthorization(registry, verdict('accepted'));
    expect(await authorization.decide('CP-1', 'RFID-1', log)).toEqual({ status, source: 'registry' });
    expect(asked).toEqual([]);
  });

  it('lets the registry decide alone when the ledger is not asked', async () => {
    const { authorization } = anAuthorization('Accepted', undefined);
    expect(await authorization.decide('CP-1', 'RFID-1', log)).toEqual({ status: 'Accepted', source: 'registry' });
  });

  it('falls back as configured while the ledger is unavailable, and refuses everyone at a station the ledger refuses', async () => {
    const unavailable: LedgerAnswer = { kind: 'unavailable', reason: 'no bridge' };
    expect(await anAuthorization('Accepted', unavailable, 'registry').authorization.decide('CP-1', 'RFID-1', log)).toEqual({ status: 'Accepted', source: 'fallback' });
    expect(await anAuthorization('Accepted', unavailable, 'reject').authorization.decide('CP-1', 'RFID-1', log)).toEqual({ status: 'NotAtThisTime', source: 'fallback' });
    expect(toStatus16('NotAtThisTime')).toBe('Blocked');
    const refused: LedgerAnswer = { kind: 'refused', code: 'NOT_FOUND', message: 'station CP-1 not found' };
    expect(await anAuthorization('Accepted', refused).authorization.decide('CP-1', 'RFID-1', log)).toEqual({ status: 'NotAtThisLocation', source: 'ledger' });
  });

  it('reports every decision once', async () => {
    const { authorization, decisions } = anAuthorization('Accepted', verdict('insufficient-funds'));
    await authorization.decide('CP-1', 'RFID-1', log);
    await authorization.decide('CP-1', 'RFID-1', log);
    expect(decisions).toEqual([
      { status: 'NoCredit', source: 'ledger' },
      { status: 'NoCredit', source: 'ledger' },
    ]);
  });
  describe('at the start of a transaction', () => {
    it.each([
      ['insufficient-funds', 'NoCredit', 'Blocked'],
      ['below-minimum-hold', 'NoCredit', 'Blocked'],
      ['revoked-token', 'Blocked', 'Blocked'],
    ] as const)('refuses a card the ledger refused (%s) from the cached verdict: %s in 2.0.1, %s in 1.6, without asking', async (ledger, status201, status16) => {
      const { authorization, asked, decisions } = anAuthorization('Accepted', verdict('accepted'), 'registry', aVerdict(ledger));
      const decision = await authorization.decideStart('CP-1', 'RFID-1', log);
      expect(decision).toEqual({ status: status201, source: 'ledger' });
      expect(toStatus16(decision.status)).toBe(status16);
      expect(asked).toEqual([]);
      expect(decisions).toEqual([]);
    });

    it('accepts a card the registry accepts when no verdict is cached, without asking the ledger: the hold at the open decides', async () => {
      const { authorization, asked } = anAuthorization('Accepted', verdict('insufficient-funds'));
      expect(await authorization.decideStart('CP-1', 'RFID-1', log)).toEqual({ status: 'Accepted', source: 'registry' });
      expect(asked).toEqual([]);
    });

    it('accepts a card whose cached verdict is accepted, and lets the registry refuse before any verdict', async () => {
      expect(await anAuthorization('Accepted', verdict('accepted'), 'registry', aVerdict('accepted')).authorization.decideStart('CP-1', 'RFID-1', log)).toEqual({ status: 'Accepted', source: 'ledger' });
      expect(await anAuthorization('Blocked', verdict('accepted'), 'registry', aVerdict('accepted')).authorization.decideStart('CP-1', 'RFID-1', log)).toEqual({ status: 'Blocked', source: 'registry' });
      expect(await anAuthorization('Invalid', undefined).authorization.decideStart('CP-1', 'RFID-1', log)).toEqual({ status: 'Unknown', source: 'registry' });
    });
  });

  it('refuses a new session while Redis is near its memory limit, before the registry or the ledger is asked', async () => {
    const { authorization, asked, decisions } = anAuthorization('Accepted', verdict('accepted'), 'registry', aVerdict('accepted'), false);
    expect(await authorization.decide('CP-1', 'RFID-1', log)).toEqual({ status: 'NotAtThisTime', source: 'capacity' });
    expect(await authorization.decideStart('CP-1', 'RFID-1', log)).toEqual({ status: 'NotAtThisTime', source: 'capacity' });
    expect(toStatus16('NotAtThisTime')).toBe('Blocked');
    expect(asked).toEqual([]);
    expect(decisions).toEqual([{ status: 'NotAtThisTime', source: 'capacity' }]);
  });
});
