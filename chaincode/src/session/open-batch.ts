import type { Context } from 'fabric-contract-api';
import { TRANSIENT_KEYS, type ChaincodeEvents, type OpenSessionRequest, type OpenSessionResult, type OpenSessionsItemResult, type OpenSessionsResult } from '../api';
import { ChaincodeError, refuse } from '../core/errors';
import { canonicalJson, toBytes } from '../core/json';
import { KEY } from '../core/keys';
import { recordedEvent, recordEvent, requestHashOf } from '../core/submit-evaluate';
import { PendingWrites, prefetch, StagedWrites, Tx } from '../core/transaction-view';
import { openSession } from './open';
import { sessionKey } from './records';

/** Opens one transaction takes at most. */
export const MAX_OPENS_PER_TRANSACTION = 100;

type Opened = Omit<ChaincodeEvents['SessionOpened'], 'txId'>;
type HoldRefused = Omit<ChaincodeEvents['HoldRefused'], 'txId'>;

/**
 * Opens each session of the batch as Session:openSession would, in the order given, in one transaction
 * (ADR 0032, as ADR 0022 settles). Each open is exactly once by its own event id, recorded as openSession
 * records it, so either function replays what the other applied. An open the chaincode refuses leaves nothing
 * behind: its writes are staged and dropped, and the others are applied. An open that read or wrote a key an
 * earlier applied one wrote (one driver's account or holds) is deferred (BATCH_KEY_SHARED), since it saw the
 * state before that write. Each decision rests only on the request, the transient map and the committed
 * state, so every endorser decides alike. The transaction's one event lists every open applied and every
 * hold refused.
 */
export async function openSessions(ctx: Context, operatorId: string, opens: readonly OpenSessionRequest[]): Promise<OpenSessionsResult> {
  distinct(opens.map((o) => o.eventId), 'event id');
  distinct(opens.map((o) => o.sessionId), 'session');
  const proofs = tokenProofsOf(new Tx(ctx, ''));
  const ahead = new Tx(ctx, '');
  await prefetch(ctx, opens.flatMap((o) => [ahead.key(KEY.event, o.eventId), sessionKey(ahead, o.sessionId)]));
  const pending = new PendingWrites();
  const written = new Set<string>();
  const opened: Opened[] = [];
  const holdRefused: HoldRefused[] = [];
  const results: OpenSessionsItemResult[] = [];

  for (const request of opens) {
    const { eventId, sessionId } = request;
    const staged = new StagedWrites();
    const tx = new Tx(ctx, eventId, staged);
    let outcome: OpenSessionsItemResult;
    try {
      outcome = await openOne(tx, operatorId, request, () => proofs[eventId] ?? refuse('BAD_REQUEST', `transient ${TRANSIENT_KEYS.tokenProofsByEvent} has no proof for ${eventId}`));
    } catch (error) {
      // A caller that may not open one of the sessions may not submit the batch.
      if (!(error instanceof ChaincodeError) || error.code === 'ACCESS_DENIED') throw error;
      outcome = { eventId, sessionId, status: 'refused', code: error.code, reason: error.detail };
    }
    const shared = staged.sharedWith(written);
    if (shared !== undefined) {
      results.push({ eventId, sessionId, status: 'deferred', code: 'BATCH_KEY_SHARED', reason: `it shares state key ${shared.replaceAll('\u0000', '/')} with an earlier open of the transaction` });
      continue;
    }
    if (outcome.status === 'applied' && !outcome.replayed) {
      const writes = staged.writes();
      pending.add(writes);
      for (const [key] of writes) written.add(key);
      const event = tx.emitted();
      if (event?.name === 'SessionOpened') opened.push(withoutTxId(event.payload as ChaincodeEvents['SessionOpened']));
      else if (event?.name === 'HoldRefused') holdRefused.push(withoutTxId(event.payload as ChaincodeEvents['HoldRefused']));
      else throw new Error('an open emits SessionOpened or HoldRefused');
    }
    results.push(outcome);
  }
  await pending.flush(ctx);
  if (opened.length > 0 || holdRefused.length > 0) {
    const event: ChaincodeEvents['SessionsOpened'] = { txId: ctx.stub.getTxID(), opened, ...(holdRefused.length > 0 ? { holdRefused } : {}) };
    ctx.stub.setEvent('SessionsOpened', toBytes(event));
  }
  return { results };
}

/** One open, exactly once by its event id: the record Session:openSession leaves (`cl.event`) is read and written alike. */
async function openOne(tx: Tx, operatorId: string, request: OpenSessionRequest, tokenProof: () => string): Promise<OpenSessionsItemResult> {
  const { eventId, sessionId } = request;
  const requestHash = requestHashOf(request);
  const recorded = await recordedEvent(tx, eventId);
  if (recorded !== undefined) {
    if (recorded.transaction !== 'Session:openSession' || recorded.requestHash !== requestHash) refuse('EVENT_ID_REUSED', `event ${eventId} was used by another request (tx ${recorded.txId})`);
    return { eventId, sessionId, status: 'applied', result: JSON.parse(recorded.result) as OpenSessionResult, replayed: true };
  }
  const result = await openSession(tx, operatorId, request, tokenProof);
  await recordEvent(tx, eventId, { transaction: 'Session:openSession', requestHash, result: canonicalJson(result), txId: tx.txId });
  return { eventId, sessionId, status: 'applied', result, replayed: false };
}

/** The transient map's token proofs, by event id. */
function tokenProofsOf(tx: Tx): Readonly<Record<string, string>> {
  const bytes = tx.transient(TRANSIENT_KEYS.tokenProofsByEvent);
  if (bytes === undefined) refuse('BAD_REQUEST', `transient ${TRANSIENT_KEYS.tokenProofsByEvent} is required`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    refuse('BAD_REQUEST', `transient ${TRANSIENT_KEYS.tokenProofsByEvent} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((proof) => typeof proof !== 'string')) {
    refuse('BAD_REQUEST', `transient ${TRANSIENT_KEYS.tokenProofsByEvent} must map event ids to token proofs`);
  }
  return parsed as Record<string, string>;
}

/** An open or hold refusal as the batch's event lists it: the transaction id is the event's, once. */
function withoutTxId<E extends { readonly txId: string }>(payload: E): Omit<E, 'txId'> {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => key !== 'txId')) as Omit<E, 'txId'>;
}

function distinct(values: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) refuse('BAD_REQUEST', `the ${what} ${value} appears twice in the batch`);
    seen.add(value);
  }
}
