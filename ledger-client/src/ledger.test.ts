import type { ServiceError } from '@grpc/grpc-js';
import { CommitStatusError, type Network } from '@hyperledger/fabric-gateway';
import { LedgerUnavailable } from './errors';
import { FabricLedger } from './ledger';

const grpcError = (code: number, details: string): ServiceError => Object.assign(new Error(details), { code, details, metadata: {} as ServiceError['metadata'] });

/** A network whose every transaction endorses and reaches the orderer, and whose commit status fails as told. */
function aNetwork(statusFailure: () => Error): { network: Network; statusAsked: () => number; endorsed: () => number } {
  let statusAsked = 0;
  let endorsed = 0;
  const submitted = {
    getStatus: async () => {
      statusAsked++;
      throw statusFailure();
    },
    getResult: () => new Uint8Array(),
  };
  const contract = {
    newProposal: () => ({
      endorse: async () => {
        endorsed++;
        return { submit: async () => submitted };
      },
    }),
  };
  const network = { getContract: () => contract } as unknown as Network;
  return { network, statusAsked: () => statusAsked, endorsed: () => endorsed };
}

describe('FabricLedger', () => {
  it('passes a commit status that missed its deadline up for a new endorsement instead of asking again', async () => {
    const { network, statusAsked, endorsed } = aNetwork(() => new CommitStatusError({ code: 4, transactionId: 'tx-lost', cause: grpcError(4, 'deadline exceeded'), details: [] }));
    const ledger = new FabricLedger({ network, chaincode: 'chargeledger', stageAttempts: 5 });

    await expect(ledger.submit('Wallet:topUp', { eventId: 'evt-1', accountId: 'drv-1', amount: 100, reference: 'psp-1' })).rejects.toMatchObject({ name: 'LedgerUnavailable', stage: 'commit-status', code: 4 });
    expect(statusAsked()).toBe(1);
    expect(endorsed()).toBe(1);
  });

  it('asks for a commit status again when the peer was only unavailable', async () => {
    const { network, statusAsked } = aNetwork(() => new CommitStatusError({ code: 14, transactionId: 'tx-1', cause: grpcError(14, 'unavailable'), details: [] }));
    const ledger = new FabricLedger({ network, chaincode: 'chargeledger', stageAttempts: 2 });

    await expect(ledger.submit('Wallet:topUp', { eventId: 'evt-2', accountId: 'drv-1', amount: 100, reference: 'psp-2' })).rejects.toBeInstanceOf(LedgerUnavailable);
    expect(statusAsked()).toBe(2);
  });
});
