import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import type { Idempotent, MspId, RequestOf, ResultOf, TransactionName } from '../api';
import { requireMsp } from './access';
import { refuse } from './errors';
import { canonicalJson, fromBytes, toBytes } from './json';
import { KEY } from './keys';
import type { RequestShape } from './request-shape';
import { Tx } from './transaction-view';

/** What the first transaction with an event id left behind. */
export interface EventRecord {
  readonly transaction: TransactionName;
  readonly requestHash: string;
  /** The canonical JSON the first transaction returned. */
  readonly result: string;
  readonly txId: string;
}

export interface SubmitSpec<T extends TransactionName> {
  readonly name: T;
  readonly callers: readonly MspId[];
  /** The request, event id included (see ../<contract>/requests.ts). */
  readonly request: RequestShape<RequestOf<T> & Idempotent>;
  readonly run: (tx: Tx, request: RequestOf<T>) => Promise<ResultOf<T>>;
}

/** Where a transaction keeps its event-id records. */
interface EventStore {
  get(tx: Tx, key: string): Promise<EventRecord | undefined>;
  put(tx: Tx, key: string, record: EventRecord): Promise<void>;
  /**
   * Private-only transactions rewrite their identical record on replay: a transaction with no writes is
   * validated against the chaincode policy, which a Wallets-only endorsement cannot meet.
   */
  readonly rewriteOnReplay: boolean;
}

const PUBLIC_EVENTS: EventStore = {
  get: (tx, key) => tx.get<EventRecord>(key),
  put: (tx, key, record) => tx.put(key, record),
  rewriteOnReplay: false,
};

function privateEvents(collection: string): EventStore {
  return {
    get: async (tx, key) => {
      const bytes = await tx.ctx.stub.getPrivateData(collection, key);
      return bytes.length === 0 ? undefined : fromBytes<EventRecord>(bytes);
    },
    put: (tx, key, record) => tx.putPrivate(collection, key, toBytes(record)),
    rewriteOnReplay: true,
  };
}

/**
 * Runs a state-changing transaction exactly once per event id. Access is checked before the replay lookup,
 * so a caller that may not submit a transaction cannot read results through it either. A replay (same
 * event id, same request) returns the recorded result, writes nothing and emits no event.
 */
export async function submit<T extends TransactionName>(ctx: Context, json: string, spec: SubmitSpec<T>): Promise<string> {
  requireMsp(ctx, spec.callers);
  return once(ctx, json, spec, PUBLIC_EVENTS);
}

/**
 * A transaction that writes only the private collection of `memberMsp`, event-id record included, so that
 * the collection's endorsement policy alone governs it and its transient data need reach no other peer.
 * It refuses to run on a peer outside the collection.
 */
export async function submitPrivate<T extends TransactionName>(
  ctx: Context,
  json: string,
  spec: SubmitSpec<T> & { readonly collection: string; readonly memberMsp: MspId },
): Promise<string> {
  requireMsp(ctx, spec.callers);
  requirePeerOf(ctx, spec.memberMsp);
  return once(ctx, json, spec, privateEvents(spec.collection));
}

export function requirePeerOf(ctx: Context, memberMsp: MspId): void {
  if (ctx.stub.getMspID() !== memberMsp) {
    refuse('NOT_A_COLLECTION_MEMBER', `this transaction runs on ${memberMsp} peers only; endorse or evaluate there`);
  }
}

async function once<T extends TransactionName>(ctx: Context, json: string, spec: SubmitSpec<T>, store: EventStore): Promise<string> {
  const request = spec.request.parse(json);
  const eventId = request.eventId;
  const requestHash = requestHashOf(request);

  const tx = new Tx(ctx, eventId);
  const eventKey = tx.key(KEY.event, eventId);
  const recorded = await store.get(tx, eventKey);
  if (recorded !== undefined) {
    if (recorded.transaction !== spec.name || recorded.requestHash !== requestHash) {
      refuse('EVENT_ID_REUSED', `event ${eventId} was used by another request (tx ${recorded.txId})`);
    }
    if (store.rewriteOnReplay) await store.put(tx, eventKey, recorded);
    return recorded.result;
  }

  const result = canonicalJson(await spec.run(tx, request));
  await store.put(tx, eventKey, { transaction: spec.name, requestHash, result, txId: tx.txId });
  tx.flushEvent();
  return result;
}

/** What tells a replay of an event id from a reuse: the hash of the request's canonical JSON, event id included. */
export function requestHashOf(request: Idempotent): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/** The record of an event id in public state, as a submit leaves it. */
export async function recordedEvent(tx: Tx, eventId: string): Promise<EventRecord | undefined> {
  return PUBLIC_EVENTS.get(tx, tx.key(KEY.event, eventId));
}

export async function recordEvent(tx: Tx, eventId: string, record: EventRecord): Promise<void> {
  await PUBLIC_EVENTS.put(tx, tx.key(KEY.event, eventId), record);
}

export interface EvaluateSpec<T extends TransactionName> {
  readonly name: T;
  readonly callers: readonly MspId[];
  readonly request: RequestShape<RequestOf<T>>;
  readonly run: (tx: Tx, request: RequestOf<T>) => Promise<ResultOf<T>>;
}

/** A query: checks access, reads, writes nothing. */
export async function evaluate<T extends TransactionName>(ctx: Context, json: string, spec: EvaluateSpec<T>): Promise<string> {
  requireMsp(ctx, spec.callers);
  const request = spec.request.parse(json);
  return canonicalJson(await spec.run(new Tx(ctx, ''), request));
}

export const ALL_MSPS: readonly MspId[] = ['OperatorsMSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'];
