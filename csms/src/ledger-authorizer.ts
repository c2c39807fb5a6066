import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PendingReplies } from './pending-replies';
import type { AuthorizeQuery, LedgerAuthorizationVerdict, LedgerQueryReply } from '@chargeledger/ledger-queue';
import type { LedgerAnswer, LedgerAsker } from './domain/authorization';

export interface LedgerAuthorizerOptions {
  /** For pushing questions, publishing nothing, and the verdict cache. */
  readonly redis: Redis;
  /** A connection in subscriber mode (it may be shared with the command router). */
  readonly subscriber: Redis;
  /** The list the bridges pop (ledgerQueriesKey). */
  readonly queriesKey: string;
  /** The key a running bridge keeps alive (bridgeHeartbeatKey): while it is absent, nobody is asked. */
  readonly heartbeatKey: string;
  /** This node's reply channel, unique among the nodes. */
  readonly replyChannel: string;
  /** The Redis key prefix of this CSMS's state, under which verdicts are cached. */
  readonly keyPrefix: string;
  /** How long a charger's Authorize may wait for the ledger. */
  readonly timeoutMs: number;
  /** How long a verdict is reused for the same token at the same charger; 0 turns the cache off. */
  readonly cacheTtlMs: number;
}

/**
 * Asks the ledger, through whichever bridge is free, whether an id token may start a session at a charger,
 * when a bridge says it runs (its heartbeat), and caches the verdict briefly so that a charger's Authorize and a retry right after it cost one ledger
 * evaluation. The cache is in Redis, shared by every CSMS node, and keyed by a digest of the token, never
 * the token. A cached verdict may be up to `cacheTtlMs` old: the ledger decides again when it opens the
 * session, and a hold it refuses then stops the charger.
 */
export class LedgerAuthorizer implements LedgerAsker {
  readonly #options: LedgerAuthorizerOptions;
  readonly #pending = new PendingReplies<LedgerQueryReply>();

  constructor(options: Readonly<LedgerAuthorizerOptions>) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#options.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.#options.replyChannel) return;
      const reply = JSON.parse(text) as LedgerQueryReply;
      this.#pending.deliver(reply.queryId, reply);
    });
    await this.#options.subscriber.subscribe(this.#options.replyChannel);
  }

  async ask(chargerId: string, idToken: string): Promise<LedgerAnswer> {
    const cacheKey = this.#cacheKey(chargerId, idToken);
    const cached = await this.cachedVerdict(chargerId, idToken);
    if (cached !== undefined) return { kind: 'verdict', verdict: cached, cached: true };
    // Without a live bridge the question would only wait out the timeout: the charger is answered at once.
    if ((await this.#options.redis.exists(this.#options.heartbeatKey)) === 0) return { kind: 'unavailable', reason: 'no ledger bridge is running (no heartbeat)' };
    const reply = await this.#query(chargerId, idToken);
    if (reply === undefined) return { kind: 'unavailable', reason: `no ledger bridge answered within ${this.#options.timeoutMs} ms` };
    if (!reply.ok) return reply.failure === 'refused' ? { kind: 'refused', code: reply.code, message: reply.message } : { kind: 'unavailable', reason: `${reply.code}: ${reply.message}` };
    if (this.#options.cacheTtlMs > 0) await this.#options.redis.set(cacheKey, JSON.stringify(reply.verdict), 'PX', this.#options.cacheTtlMs);
    return { kind: 'verdict', verdict: reply.verdict, cached: false };
  }

  async cachedVerdict(chargerId: string, idToken: string): Promise<LedgerAuthorizationVerdict | undefined> {
    if (this.#options.cacheTtlMs <= 0) return undefined;
    const cached = await this.#options.redis.get(this.#cacheKey(chargerId, idToken));
    return cached === null ? undefined : (JSON.parse(cached) as LedgerAuthorizationVerdict);
  }

  #cacheKey(chargerId: string, idToken: string): string {
    return `${this.#options.keyPrefix}:ledger-authorizations:${chargerId}:${createHash('sha256').update(idToken).digest('hex')}`;
  }

  async #query(chargerId: string, idToken: string): Promise<LedgerQueryReply | undefined> {
    const { redis, queriesKey, replyChannel, timeoutMs } = this.#options;
    const queryId = randomUUID();
    const reply = this.#pending.wait(queryId, timeoutMs);
    const query: AuthorizeQuery = { kind: 'authorize', queryId, chargerId, idToken, replyTo: replyChannel, deadlineMs: Date.now() + timeoutMs };
    try {
      // The list lives only while someone asks: with no bridge popping it, it is gone a few timeouts later.
      await redis.multi().lpush(queriesKey, JSON.stringify(query)).pexpire(queriesKey, timeoutMs * 4).exec();
    } catch (error) {
      this.#pending.deliver(queryId, { queryId, ok: false, failure: 'unavailable', code: 'RedisError', message: error instanceof Error ? error.message : String(error) });
    }
    return reply;
  }
}
