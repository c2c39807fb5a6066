import type { Context } from 'fabric-contract-api';
import { TRANSIENT_KEYS, type ChaincodeEvents, type CloseSessionRequest, type CloseSessionsItemResult, type CloseSessionsResult } from '../api';
import { ChaincodeError, refuse } from '../core/errors';
import { toBytes } from '../core/json';
import { KEY } from '../core/keys';
import { PendingWrites, prefetch, StagedWrites, Tx } from '../core/transaction-view';
import { payloadHash } from '../ocmf';
import { closeSession } from './close';
import { ocmfRecordsOf, transientRecordsByEvent } from './evidence';
import { sessionKey, type SessionRecord } from './records';

/** Settlements one transaction takes at most. */
export const MAX_SETTLEMENTS_PER_TRANSACTION = 100;

type Settled = Omit<ChaincodeEvents['SessionSettled'], 'txId'>;
type Refused = Omit<ChaincodeEvents['SessionRefused'], 'txId'>;

/**
 * Settles each session of the batch as Session:closeSession would, in the order given, in one transaction
 * (ADR 0022). Each settlement is exactly-once by its own event id, kept on its session as closeSession keeps it. A
 * settlement the chaincode refuses leaves nothing behind: its writes are staged and dropped. A settlement
 * that read or wrote a key an earlier applied one wrote (one driver's account, hold or evidence) is not
 * applied either but deferred (BATCH_KEY_SHARED), since it saw the state before that write. Whether each is
 * applied, refused or deferred depends only on the request, the transient map and the committed state, so
 * every endorser decides alike. A refusal that rests on the evidence alone is recorded as closeSession records
 * it (ADR 0025) and applied like a settlement. The transaction's one event lists every applied settlement and
 * recorded refusal.
 */
export async function closeSessions(ctx: Context, operatorId: string, settlements: readonly CloseSessionRequest[]): Promise<CloseSessionsResult> {
  distinct(settlements.map((s) => s.eventId), 'event id');
  distinct(settlements.map((s) => s.sessionId), 'session');
  const recordsByEvent = transientRecordsByEvent(new Tx(ctx, ''));
  await readAhead(ctx, settlements, recordsByEvent);
  const pending = new PendingWrites();
  const written = new Set<string>();
  const applied: Settled[] = [];
  const refused: Refused[] = [];
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
      outcome = { eventId, sessionId, status: 'refused', code: error.code, reason: error.detail };
    }
    // A refusal may rest on the same stale read as an application, so both are deferred alike.
    const shared = staged.sharedWith(written);
    if (shared !== undefined) {
      results.push({ eventId, sessionId, status: 'deferred', code: 'BATCH_KEY_SHARED', reason: `it shares state key ${printable(shared)} with an earlier settlement of the transaction` });
      continue;
    }
    if ((outcome.status === 'settled' || outcome.status === 'refusal-recorded') && !outcome.replayed) {
      const writes = staged.writes();
      pending.add(writes);
      for (const [key] of writes) written.add(key);
      const event = tx.emitted();
      if (event?.name === 'SessionSettled') applied.push(withoutTxId(event.payload as ChaincodeEvents['SessionSettled']));
      else if (event?.name === 'SessionRefused') refused.push(withoutTxId(event.payload as ChaincodeEvents['SessionRefused']));
      else throw new Error('a settlement emits SessionSettled or SessionRefused');
    }
    results.push(outcome);
  }
  await pending.flush(ctx);
  if (applied.length > 0 || refused.length > 0) {
    const event: ChaincodeEvents['SessionsSettled'] = { txId: ctx.stub.getTxID(), settlements: applied, ...(refused.length > 0 ? { refused } : {}) };
    ctx.stub.setEvent('SessionsSettled', toBytes(event));
  }
  return { results };
}

async function settleOne(tx: Tx, operatorId: string, request: CloseSessionRequest, n: number, ocmfRecords: () => readonly string[]): Promise<CloseSessionsItemResult> {
  const { eventId, sessionId } = request;
  const { result, replayed } = await closeSession(tx, operatorId, request, { ocmfRecords, entry: n });
  if ('refusal' in result) return { eventId, sessionId, status: 'refusal-recorded', refusal: result.refusal, released: result.released, txId: result.txId, replayed };
  const { charged, energyWh, verification, txId } = result;
  return { eventId, sessionId, status: 'settled', settled: { charged, energyWh, verification, txId }, replayed };
}

/**
 * Reads ahead, in two round trips where the peer takes read batches, the keys each settlement reads first:
 * its session and the claims of its records, then its meter, its meter key's mark and its driver's account. Settlements then
 * find them without a round trip of their own (`Tx.get`).
 */
async function readAhead(ctx: Context, settlements: readonly CloseSessionRequest[], recordsByEvent: ReadonlyMap<string, unknown>): Promise<void> {
  const tx = new Tx(ctx, '');
  const claims = settlements.flatMap(({ eventId }) => {
    const records = recordsByEvent.get(eventId);
    return Array.isArray(records) ? records.flatMap((record) => evidenceKeyOf(tx, record)) : [];
  });
  const sessionKeys = settlements.map(({ sessionId }) => sessionKey(tx, sessionId));
  await prefetch(ctx, [...sessionKeys, ...claims]);
  const dependencies: string[] = [];
  for (const key of sessionKeys) {
    const session = await tx.get<SessionRecord>(key);
    if (session === undefined) continue;
    if (session.meter !== undefined) dependencies.push(tx.key(KEY.meter, session.meter.meterSerial), tx.key(KEY.meterMark, session.meter.meterSerial, session.meter.keyId));
    dependencies.push(tx.key(KEY.account, session.driverAccountId));
  }
  await prefetch(ctx, dependencies);
}

/** The claim key of a record, if it is one (what is not is refused when its settlement verifies it). */
function evidenceKeyOf(tx: Tx, record: unknown): string[] {
  if (typeof record !== 'string') return [];
  try {
    return [tx.key(KEY.evidence, payloadHash(record))];
  } catch {
    return [];
  }
}

/** A settlement or refusal as the batch's event lists it: the transaction id is the event's, once. */
function withoutTxId<E extends { readonly txId: string }>(ended: E): Omit<E, 'txId'> {
  return Object.fromEntries(Object.entries(ended).filter(([key]) => key !== 'txId')) as Omit<E, 'txId'>;
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
