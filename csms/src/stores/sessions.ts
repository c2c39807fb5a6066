import type { Redis } from 'ioredis';
import { type MeterEvidence, settlementOf, type RecordedSettlement, type SessionSettlement } from '@chargeledger/ledger-queue';
import type { PendingStart, SessionState, SessionStop } from '../domain/session-state';

export interface SessionPage {
  readonly sessions: readonly SessionState[];
  /** Pass as `cursor` for the next page; absent on the last one. */
  readonly next?: string;
}

export interface SessionFilter {
  readonly chargerId?: string;
  /** true: only sessions still running; false: only ended ones; undefined: both. */
  readonly active?: boolean;
  readonly limit: number;
  /** Where the previous page stopped in the index (SessionPage.next). */
  readonly cursor?: string;
}

/** Index entries read per round trip while filling a page. */
const INDEX_BATCH = 100;

/** Where OCPP 1.6 transaction ids start counting from: 2025-01-01. */
const TX16_EPOCH_MS = Date.UTC(2025, 0, 1);

/**
 * Sessions as the CSMS tracks them, in Redis so that any CSMS node (and a restarted one) carries on.
 * OCPP 1.6 transaction ids are allocated here; a StartTransaction retried by the charger (same charger,
 * connector and timestamp) gets the id it was first given, so a retry never opens a second session.
 */
export class SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #retentionS: number;

  /** `retentionS`: how long an ended session's record stays once the ledger settled or refused it (ADR 0029). */
  constructor(options: Readonly<{ redis: Redis; keyPrefix: string; retentionS: number }>) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix;
    this.#retentionS = options.retentionS;
  }

  async allocate16(chargerId: string, connectorId: number, timestamp: string): Promise<number> {
    const dedupeKey = `${this.#prefix}:tx16-start:${chargerId}:${connectorId}:${Date.parse(timestamp)}`;
    const existing = await this.#redis.get(dedupeKey);
    if (existing !== null) return Number(existing);
    // The first number comes from the clock, not 1: a session's ledger id is `<charger>-<transaction id>`, and a
    // CSMS whose Redis was replaced must not hand out ids the ledger already settled. Four ids per second since
    // 2025 stay below 2^31 (OCPP 1.6's integer) until 2041.
    await this.#redis.set(`${this.#prefix}:tx16-seq`, String(Math.floor((Date.now() - TX16_EPOCH_MS) / 250)), 'NX');
    const allocated = await this.#redis.incr(`${this.#prefix}:tx16-seq`);
    const won = await this.#redis.set(dedupeKey, String(allocated), 'EX', 7 * 24 * 3600, 'NX');
    if (won === 'OK') return allocated;
    return Number(await this.#redis.get(dedupeKey));
  }

  /** A 2.0.1 transaction that began before its driver was identified: what it said until then. */
  async getPending(sessionId: string): Promise<PendingStart | undefined> {
    const raw = await this.#redis.get(`${this.#prefix}:pending:${sessionId}`);
    return raw === null ? undefined : (JSON.parse(raw) as PendingStart);
  }

  async putPending(sessionId: string, pending: PendingStart): Promise<void> {
    await this.#redis.set(`${this.#prefix}:pending:${sessionId}`, JSON.stringify(pending), 'EX', 7 * 24 * 3600);
  }

  /**
   * Records how a session ended unless a stop is recorded already: of two stops, even on two nodes at once,
   * the first is kept and both callers get it (`first` tells which one won).
   */
  async recordStop(sessionId: string, stop: SessionStop): Promise<{ readonly stop: SessionStop; readonly first: boolean }> {
    const key = `${this.#prefix}:stop:${sessionId}`;
    const won = await this.#redis.set(key, JSON.stringify(stop), 'NX');
    if (won === 'OK') return { stop, first: true };
    const recorded = await this.#redis.get(key);
    // Only a key removed between the two calls gets here; the stop just offered is then the one there is.
    return recorded === null ? { stop, first: true } : { stop: JSON.parse(recorded) as SessionStop, first: false };
  }

  /**
   * What the charger says about charging in a running session: `ended` at the first report that the vehicle
   * stopped drawing energy (kept until charging resumes: a later report does not move it), `charging` when it
   * draws again. A key of its own, so these reports never rewrite the session a concurrent message updates.
   */
  async chargingEnd(sessionId: string, report: { readonly state: 'ended'; readonly at: string } | { readonly state: 'charging' }): Promise<void> {
    const key = `${this.#prefix}:charging-end:${sessionId}`;
    if (report.state === 'charging') await this.#redis.del(key);
    else await this.#redis.set(key, report.at, 'EX', 7 * 24 * 3600, 'NX');
  }

  /** When charging ended in the session, if the charger said so and did not resume. */
  async chargingEndedAt(sessionId: string): Promise<string | undefined> {
    return (await this.#redis.get(`${this.#prefix}:charging-end:${sessionId}`)) ?? undefined;
  }

  async get(sessionId: string): Promise<SessionState | undefined> {
    const raw = await this.#redis.get(this.#sessionKey(sessionId));
    return raw === null ? undefined : sessionFromStored(raw);
  }

  /** A session decided on the ledger keeps the time it has left (KEEPTTL), whatever a late message rewrites. */
  async put(state: SessionState): Promise<void> {
    await this.#redis.set(this.#sessionKey(state.sessionId), JSON.stringify(state), 'KEEPTTL');
  }

  /**
   * Stores what the ledger decided for an ended session, and from then on the record's time is counted: it
   * expires `retentionS` later, with its first stop, and leaves the indexes at the next settlement after that.
   * Only a session the ledger has ended can expire, so nothing a settlement needs is ever gone before it. The
   * session's signed meter records are kept apart, without expiry: a receipt's proof reads them for as long as
   * the receipt stands (an unsigned session keeps an empty list, so its proof still finds the CSMS's answer).
   */
  async putDecided(state: SessionState & { readonly settlement: SessionSettlement }): Promise<void> {
    const now = Date.now();
    const due = await this.#redis.zrangebyscore(this.#expiringKey(), '-inf', now, 'LIMIT', 0, INDEX_BATCH);
    const transaction = this.#redis.multi();
    for (const entry of due) {
      const [chargerId, sessionId] = JSON.parse(entry) as [string, string];
      transaction.zrem(this.#indexKey(undefined), sessionId).zrem(this.#indexKey(chargerId), sessionId).zrem(this.#expiringKey(), entry);
    }
    await transaction
      .set(this.#sessionKey(state.sessionId), JSON.stringify(state), 'EX', this.#retentionS)
      .expire(`${this.#prefix}:stop:${state.sessionId}`, this.#retentionS)
      .set(this.#recordsKey(state.sessionId), JSON.stringify(state.evidence))
      .zadd(this.#expiringKey(), now + this.#retentionS * 1000, JSON.stringify([state.chargerId, state.sessionId]))
      .exec();
  }

  /** The signed meter records of a session, from its record while it is kept, then from what stays of it. */
  async signedRecords(sessionId: string): Promise<readonly MeterEvidence[] | undefined> {
    const state = await this.get(sessionId);
    if (state !== undefined) return state.evidence;
    const kept = await this.#redis.get(this.#recordsKey(sessionId));
    return kept === null ? undefined : (JSON.parse(kept) as MeterEvidence[]);
  }

  /** Stores a new session and indexes it by start time, across all chargers and per charger. */
  async create(state: SessionState): Promise<void> {
    const score = Date.parse(state.startedAt);
    await this.#redis
      .multi()
      .set(this.#sessionKey(state.sessionId), JSON.stringify(state))
      .zadd(this.#indexKey(undefined), score, state.sessionId)
      .zadd(this.#indexKey(state.chargerId), score, state.sessionId)
      .exec();
  }

  /**
   * Sessions newest first by the charger's start time. The cursor is a position in the index, so a filter
   * that skips entries never makes a page miss one.
   */
  async list(filter: SessionFilter): Promise<SessionPage> {
    const index = this.#indexKey(filter.chargerId);
    const sessions: SessionState[] = [];
    let position = filter.cursor === undefined ? 0 : Number(filter.cursor);
    for (;;) {
      const ids = await this.#redis.zrevrange(index, position, position + INDEX_BATCH - 1);
      if (ids.length === 0) return { sessions };
      const stored = await this.#redis.mget(ids.map((id) => this.#sessionKey(id)));
      for (const [offset, raw] of stored.entries()) {
        if (raw === null) continue;
        const state = sessionFromStored(raw);
        if (filter.active !== undefined && state.ended === filter.active) continue;
        sessions.push(state);
        if (sessions.length === filter.limit) return { sessions, next: String(position + offset + 1) };
      }
      position += ids.length;
    }
  }

  #indexKey(chargerId: string | undefined): string {
    return chargerId === undefined ? `${this.#prefix}:sessions-by-start` : `${this.#prefix}:sessions-by-start:${chargerId}`;
  }

  /** Ended sessions by when their record expires, so that the indexes let go of them too. */
  #expiringKey(): string {
    return `${this.#prefix}:sessions-expiring`;
  }

  #recordsKey(sessionId: string): string {
    return `${this.#prefix}:meter-records:${sessionId}`;
  }

  #sessionKey(sessionId: string): string {
    return `${this.#prefix}:session:${sessionId}`;
  }
}

/** A session as stored before the charger's and the ledger's transaction ids were named apart. */
type StoredSession = Omit<SessionState, 'ocppTransactionId' | 'settlement'> & {
  readonly ocppTransactionId?: string;
  readonly transactionId?: string;
  readonly settlement?: RecordedSettlement;
};

/**
 * A stored session in today's names: sessions stored before the rename keep `transactionId` (the OCPP one) and
 * their settlement's `transactionId` (the ledger's), and settlements stored before refusals were have no status.
 */
function sessionFromStored(raw: string): SessionState {
  const { transactionId, ocppTransactionId, settlement, ...session } = JSON.parse(raw) as StoredSession;
  return { ...session, ocppTransactionId: ocppTransactionId ?? transactionId ?? '', ...(settlement === undefined ? {} : { settlement: settlementOf(settlement) }) };
}
