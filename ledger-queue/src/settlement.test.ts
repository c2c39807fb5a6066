import { settlementOf } from './settlement';

describe('a session settlement in its one shape', () => {
  it('keeps a settlement recorded in it, and drops what is not the settlement', () => {
    const outcome = { kind: 'SessionSettled', sessionId: 'CP-1-7', chargerId: 'CP-1', status: 'settled', charged: 120, energyWh: 2000, verification: 'verified', ledgerTxId: 'tx-1', blockNumber: '9' } as const;
    expect(settlementOf(outcome)).toEqual({ status: 'settled', charged: 120, energyWh: 2000, verification: 'verified', ledgerTxId: 'tx-1', blockNumber: '9' });
  });

  it('reads the ledger transaction of one recorded before it was named apart, and a status-less one as settled', () => {
    expect(settlementOf({ charged: 90, energyWh: 1000, verification: 'unverified', transactionId: 'tx-7', blockNumber: '7' })).toEqual({ status: 'settled', charged: 90, energyWh: 1000, verification: 'unverified', ledgerTxId: 'tx-7', blockNumber: '7' });
    expect(settlementOf({ status: 'refused', code: 'EVIDENCE_REUSED', reason: 'twice', released: 500, transactionId: 'tx-8', blockNumber: '8' })).toEqual({ status: 'refused', code: 'EVIDENCE_REUSED', reason: 'twice', released: 500, ledgerTxId: 'tx-8', blockNumber: '8' });
  });
});
