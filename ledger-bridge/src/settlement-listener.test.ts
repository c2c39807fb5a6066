import { sessionEndsOf, settlementsOf } from './settlement-listener';

const event = (eventName: string, payload: unknown): { eventName: string; payload: Uint8Array } => ({ eventName, payload: Buffer.from(JSON.stringify(payload)) });
const settled = { eventId: 'ended.CP-1-1', sessionId: 'CP-1-1', stationId: 'CP-1', driverAccountId: 'drv-1', charged: 120, energyWh: 2000, verification: 'verified' };
const refused = { eventId: 'ended.CP-1-2', sessionId: 'CP-1-2', stationId: 'CP-1', driverAccountId: 'drv-2', code: 'EVIDENCE_REUSED', reason: 'record … already settled tx-1', released: 2000 };

describe('the session ends a committed event reports', () => {
  it('reads a settlement and a refusal of Session:closeSession, and both lists of Session:closeSessions', () => {
    expect(sessionEndsOf(event('SessionSettled', { ...settled, txId: 'tx-1' }))).toEqual([{ ended: 'settled', ...settled, txId: 'tx-1' }]);
    expect(sessionEndsOf(event('SessionRefused', { ...refused, txId: 'tx-2' }))).toEqual([{ ended: 'refused', ...refused, txId: 'tx-2' }]);
    const batch = event('SessionsSettled', { txId: 'tx-3', settlements: [settled], refused: [refused] });
    expect(sessionEndsOf(batch)).toEqual([{ ended: 'settled', ...settled }, { ended: 'refused', ...refused }]);
    expect(settlementsOf(batch)).toEqual([settled]);
  });

  it('reads a batch event from before refusals were recorded, and nothing from other events', () => {
    expect(sessionEndsOf(event('SessionsSettled', { txId: 'tx-4', settlements: [settled] }))).toEqual([{ ended: 'settled', ...settled }]);
    expect(sessionEndsOf(event('HoldReleased', { sessionId: 'CP-1-3', driverAccountId: 'drv-3', released: 2000 }))).toEqual([]);
  });
});
