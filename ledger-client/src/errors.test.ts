import type { ServiceError } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { classifyLedgerError, LedgerRefusal, LedgerUnavailable } from './errors';

const grpcError = (code: number, details: string): ServiceError => Object.assign(new Error(details), { code, details, metadata: {} as ServiceError['metadata'] });

function endorseError(code: number, peerMessage: string): EndorseError {
  return new EndorseError({
    code,
    transactionId: 'tx-1',
    cause: grpcError(code, 'failed to endorse transaction'),
    details: [{ address: '127.0.0.1:7051', mspId: 'OperatorsMSP', message: peerMessage }],
    message: 'failed to endorse transaction, see attached details for more info',
  });
}

describe('classifyLedgerError', () => {
  it('reads a chaincode refusal from the peer details as a final LedgerRefusal with its code', () => {
    const sorted = classifyLedgerError(endorseError(10, 'chaincode response 500, [INSUFFICIENT_FUNDS] available 100 < hold 500'));
    expect(sorted).toBeInstanceOf(LedgerRefusal);
    expect(sorted).toMatchObject({ code: 'INSUFFICIENT_FUNDS', reason: 'available 100 < hold 500', transactionId: 'tx-1' });
  });

  it('treats an unavailable endorsing peer as retryable', () => {
    expect(classifyLedgerError(endorseError(14, 'connection refused'))).toMatchObject({ name: 'LedgerUnavailable', stage: 'endorse', code: 14 });
  });

  it('treats MVCC and phantom-read conflicts at commit as retryable', () => {
    for (const code of [StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]) {
      expect(classifyLedgerError(new CommitError({ code, transactionId: 'tx-2' }))).toBeInstanceOf(LedgerUnavailable);
    }
  });

  it('treats an endorsement policy failure at commit as final', () => {
    const sorted = classifyLedgerError(new CommitError({ code: StatusCode.ENDORSEMENT_POLICY_FAILURE, transactionId: 'tx-3' }));
    expect(sorted).toBeInstanceOf(LedgerRefusal);
    // The reason names the failure as Fabric does, so a dead letter says why without a code table.
    expect(sorted).toMatchObject({ code: 'ENDORSEMENT_POLICY_FAILURE', transactionId: 'tx-3', reason: expect.stringContaining('ENDORSEMENT_POLICY_FAILURE (validation code 10)') });
  });

  it('treats a failed commit-status request as retryable, whatever its code', () => {
    const error = new CommitStatusError({ code: 4, transactionId: 'tx-4', cause: grpcError(4, 'deadline'), details: [] });
    expect(classifyLedgerError(error)).toMatchObject({ name: 'LedgerUnavailable', stage: 'commit-status' });
  });

  it('reads a chaincode refusal of an evaluation (a plain GatewayError) as final', () => {
    const error = new GatewayError({ code: 2, cause: grpcError(2, 'evaluate call failed'), details: [{ address: '127.0.0.1:7071', mspId: 'WalletsMSP', message: 'chaincode response 500, [NOT_FOUND] no account for this id token' }], message: 'evaluate call to endorser returned error' });
    expect(classifyLedgerError(error)).toMatchObject({ name: 'LedgerRefusal', code: 'NOT_FOUND' });
  });

  it('treats an evaluation no peer of the required organization can answer (its only peer down) as retryable', () => {
    const error = new GatewayError({ code: 9, cause: grpcError(9, 'no peers available to evaluate chaincode chargeledger in channel chargeledger'), details: [], message: 'no peers available to evaluate chaincode chargeledger in channel chargeledger' });
    expect(classifyLedgerError(error)).toMatchObject({ name: 'LedgerUnavailable', stage: 'evaluate', code: 9 });
  });

  it('treats a peer over its limit of concurrent gateway requests as retryable', () => {
    const error = new EndorseError({ code: 2, transactionId: 'tx-5', cause: grpcError(2, 'too many requests for /gateway.Gateway, exceeding concurrency limit (500)'), details: [], message: 'too many requests for /gateway.Gateway, exceeding concurrency limit (500)' });
    expect(classifyLedgerError(error)).toMatchObject({ name: 'LedgerUnavailable', stage: 'endorse', code: 2 });
  });

  it('treats an unavailable peer during an evaluation as retryable', () => {
    const error = new GatewayError({ code: 14, cause: grpcError(14, 'unavailable'), details: [] });
    expect(classifyLedgerError(error)).toMatchObject({ name: 'LedgerUnavailable', stage: 'evaluate' });
  });
});
