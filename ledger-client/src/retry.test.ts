import type { ServiceError } from '@grpc/grpc-js';
import { CommitStatusError } from '@hyperledger/fabric-gateway';
import { LedgerRefusal, LedgerUnavailable } from './errors';
import { decideRetry, isFinal } from './retry';

const grpcError = (code: number, details: string): ServiceError => Object.assign(new Error(details), { code, details, metadata: {} as ServiceError['metadata'] });
const T0 = 1_700_000_000_000;
const confirm = (elapsedMs: number) => ({ confirm: { firstTriedAtMs: T0, nowMs: T0 + elapsedMs, confirmRefusalMs: 2_000 } });
const refusal = (code: 'NOT_FOUND' | 'ACCESS_DENIED'): LedgerRefusal => new LedgerRefusal({ code, reason: 'because', transactionId: 'tx-1' });
const unavailable = (stage: LedgerUnavailable['stage'], code: number): LedgerUnavailable => new LedgerUnavailable({ stage, code, transactionId: 'tx-1', cause: new Error('peer away') });

describe('decideRetry', () => {
  it('confirms a refusal a lagging peer could give, until its time is up', () => {
    expect(decideRetry(refusal('NOT_FOUND'), confirm(500))).toBe('confirm');
    expect(decideRetry(refusal('NOT_FOUND'), confirm(2_000))).toBe('final');
  });

  it('never confirms a refusal no lagging peer explains, nor one without a confirmation window', () => {
    expect(decideRetry(refusal('ACCESS_DENIED'), confirm(0))).toBe('final');
    expect(decideRetry(refusal('NOT_FOUND'))).toBe('final');
  });

  it('resends a transaction already endorsed while its stage has attempts left', () => {
    expect(decideRetry(unavailable('submit', 14), { stage: { attempt: 1, attempts: 5 } })).toBe('resend');
    expect(decideRetry(unavailable('submit', 14), { stage: { attempt: 5, attempts: 5 } })).toBe('backoff');
  });

  it('leaves a failed endorsement and a commit status past its deadline to the backoff, which endorses anew', () => {
    expect(decideRetry(unavailable('endorse', 14), { stage: { attempt: 1, attempts: 5 } })).toBe('backoff');
    const lost = new CommitStatusError({ code: 4, transactionId: 'tx-lost', cause: grpcError(4, 'deadline exceeded'), details: [] });
    expect(decideRetry(lost, { stage: { attempt: 1, attempts: 5 } })).toBe('backoff');
  });

  it('calls only a refusal final', () => {
    expect(isFinal(refusal('ACCESS_DENIED'))).toBe(true);
    expect(isFinal(unavailable('commit', 11))).toBe(false);
    expect(refusal('NOT_FOUND')).toMatchObject({ name: 'LedgerRefusal', code: 'NOT_FOUND', reason: 'because', transactionId: 'tx-1' });
    expect(unavailable('endorse', 14).cause).toBeInstanceOf(Error);
  });
});
