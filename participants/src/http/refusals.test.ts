import { LedgerRefusal, LedgerUnavailable } from '@chargeledger/ledger-client';
import { ledgerErrorReply } from './refusals';

describe('ledgerErrorReply', () => {
  it.each([
    ['NOT_FOUND', 404],
    ['ACCESS_DENIED', 403],
    ['ALREADY_EXISTS', 409],
    ['INSUFFICIENT_FUNDS', 422],
    ['OFFER_EXPIRED', 422],
    ['UNKNOWN', 422],
  ] as const)('answers a %s refusal with %i and the chaincode’s code and reason', (code, status) => {
    expect(ledgerErrorReply(new LedgerRefusal({ code, reason: 'because', transactionId: 'tx-1' }))).toEqual({ status, body: { error: 'LedgerRefusal', code, reason: 'because' } });
  });

  it('answers an unreachable ledger with 503 and does not pass on the cause', () => {
    const reply = ledgerErrorReply(new LedgerUnavailable({ stage: 'endorse', code: 14, cause: new Error('peer0 at 10.0.0.7 refused') }));
    expect(reply).toMatchObject({ status: 503, body: { error: 'LedgerUnavailable', code: '14' } });
    expect(JSON.stringify(reply)).not.toContain('10.0.0.7');
  });

  it('leaves other errors to the caller', () => {
    expect(ledgerErrorReply(new Error('bug'))).toBeUndefined();
  });
});
