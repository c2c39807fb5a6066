import type { Context } from 'fabric-contract-api';
import { TRANSIENT_KEYS, type ChaincodeEvents, type CloseSessionRequest, type CloseSessionsItemResult, type CloseSessionsResult } from '../api';
import { ChaincodeError, refuse } from '../core/errors';
import { toBytes } from '../core/json';
import { StagedWrites, Tx } from '../core/transaction-view';
import { closeSession } from './close';
import { ocmfRecordsOf, transientRecordsByEvent } from './evidence';

/** Settlements one transaction takes at most. */
export const MAX_SETTLEMENTS_PER_TRANSACTION = 100;

type Settled = Omit<ChaincodeEvents['SessionSettled'], 'txId'>;

/**
 * Settles each session of the batch as Session:closeSession would, in the order given, in one transaction
 * (ADR 0022). Each settlement is exactly-once by its own event id, kept on its session as closeSession keeps it. A
 * settlement the chaincode refuses leaves nothing behind: its writes are staged and dropped. A settlement
 * that read or wrote a key an earlier applied one wrote (one driver's account, hold or evidence) is not
 * applied either but deferred (BATCH_KEY_SHARED), since it saw the state before that write. Whether each is
 * applied, refused or deferred depends only on the request, the transient map and the committed state, so
 * every endorser decides alike. The transaction's one event lists every applied settlement.
 */
export async function closeSessions(ctx: Context, operatorId: string, settlements: readonly CloseSessionRequest[]): Promise<CloseSessionsResult> {
  distinct(settlements.map((s) => s.eventId), 'event id');
  distinct(settlements.map((s) => s.sessionId), 'session');
  const recordsByEvent = transientRecordsByEvent(new Tx(ctx, ''));
  const written = new Set<string>();
  const applied: Settled[] = [];
  const results: CloseSessionsItemResult[] = [];

  for (const [n, request] of settlements.entries()) {
    const { eventId, sessionId } = request;
    const staged = new StagedWrites();
    const tx = new Tx(ctx, eventId, staged);
    let outcome: CloseSessionsItemResult;
    try {
      outcome = await settleOne(tx, operatorId, request, n, () => ocmfRecordsOf(recordsByEvent.get(eventId), `${TRANSIENT_KEYS.ocmfRecordsByEvent}.${eventId}`));
    } catch (error) {
      // A caller that may not settle one of the sessions may not submit the batch.
      if (!(error instanceof ChaincodeError) || error.code === 'ACCESS_DENIED') throw error;
      outcome = { eventId, sessionId, status: 'refused', code: error.code, reason: error.message.replace(/^\[[A-Z_]+\] /, '') };
    }
    // A refusal may rest on the same stale read as an application, so both are deferred alike.
    const shared = [...staged.touched()].find((key) => written.has(key));
    if (shared !== undefined) {
      results.push({ eventId, sessionId, status: 'deferred', code: 'BATCH_KEY_SHARED', reason: `it shares state key ${printable(shared)} with an earlier settlement of the transaction` });
      continue;
    }
    if (outcome.status === 'settled' && !outcome.replayed) {
      for (const key of await staged.apply(ctx)) written.add(key);
      const event = tx.emitted();
      if (event?.name !== 'SessionSettled') throw new Error('a settlement emits SessionSettled');
      applied.push(withoutTxId(event.payload as ChaincodeEvents['SessionSettled']));
    }
    results.push(outcome);
  }
  if (applied.length > 0) {
    const event: ChaincodeEvents['SessionsSettled'] = { txId: ctx.stub.getTxID(), settlements: applied };
    ctx.stub.setEvent('SessionsSettled', toBytes(event));
  }
  return { results };
}

async function settleOne(tx: Tx, operatorId: string, request: CloseSessionRequest, n: number, ocmfRecords: () => readonly string[]): Promise<CloseSessionsItemResult> {
  const { eventId, sessionId } = request;
  const { receipt, replayed } = await closeSession(tx, operatorId, request, { ocmfRecords, entry: n });
  const { charged, energyWh, verification, txId } = receipt;
  return { eventId, sessionId, status: 'settled', settled: { charged, energyWh, verification, txId }, replayed };
}

/** A settlement as the batch's event lists it: the transaction id is the event's, once. */
function withoutTxId(settled: ChaincodeEvents['SessionSettled']): Settled {
  return Object.fromEntries(Object.entries(settled).filter(([key]) => key !== 'txId')) as Settled;
}

function distinct(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) refuse('BAD_REQUEST', `the ${what} ${value} appears twice in the batch`);
    seen.add(value);
  }
}

/** Composite keys hold U+0000 separators. */
function printable(key: string): string {
  return key.replaceAll('\u0000', '/');
}
