import type { Logger } from 'pino';
import type { Authorization } from '../domain/authorization';
import type { ChargerRegistry } from '../stores/chargers';
import type { Clock } from '../domain/clock';
import type { IdTokenRegistry } from '../stores/id-tokens';
import type { SessionContext } from '../domain/sessions';
import type { StationState } from '../stores/station-state';
import type { SessionFlag } from '../domain/session-state';
import type { SessionStore } from '../stores/sessions';
import type { EventPublisher } from '../queue/publisher';
import type { PriceDisplay } from '../price-display';

export interface OcppPolicy {
  readonly heartbeatIntervalS: number;
  /** Vendor ids whose DataTransfer messages are accepted; everything else is Rejected. */
  readonly dataTransferVendors: readonly string[];
  /**
   * Which meter values go to the ledger events queue (ADR 0032): `near-the-hold`, only those whose estimate nears
   * the session's hold once the ledger opened it; `all`, every one (the bridge keeps an audit trail every N minutes).
   */
  readonly readingsToLedger: 'near-the-hold' | 'all';
}

/**
 * Everything a handler may use; each handler names the fields it does use (Handler's `Uses`), so its reader and
 * its test see what it touches. Handlers never touch the socket: they take a request and return a response.
 */
export interface HandlerContext {
  readonly chargerId: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly policy: OcppPolicy;
  readonly publisher: EventPublisher;
  readonly sessions: SessionStore;
  readonly tokens: IdTokenRegistry;
  /** Authorize's decision: the registry, then the ledger. Transactions check the registry alone (the hold decides). */
  readonly authorization: Authorization;
  readonly stations: StationState;
  readonly chargers: ChargerRegistry;
  /** Counts a session flag (csms_session_flags_total); the session and the log say which session. */
  readonly sessionFlagged: (flag: SessionFlag) => void;
  /** What the driver sees at the charger: tariff, running and final cost (ADR 0033). */
  readonly priceDisplay: PriceDisplay;
}

/** What a handler that runs the session lifecycle uses of its context. */
export type SessionContextUses = 'chargerId' | 'log' | 'sessions' | 'publisher' | 'tokens' | 'sessionFlagged' | 'policy' | 'priceDisplay';

/** The session lifecycle's narrow view of a handler's context. */
export function sessionContext(ctx: Pick<HandlerContext, SessionContextUses>): SessionContext {
  return {
    chargerId: ctx.chargerId,
    log: ctx.log,
    sessions: ctx.sessions,
    events: ctx.publisher,
    tokens: ctx.tokens,
    sessionFlagged: ctx.sessionFlagged,
    ...(ctx.policy.readingsToLedger === 'near-the-hold' ? { pricing: (sessionId: string) => ctx.priceDisplay.pricing(sessionId) } : {}),
  };
}

/** A handler of one action, given the fields of the context it names in `Uses` and nothing else. */
export type Handler<Req, Res, Uses extends keyof HandlerContext = keyof HandlerContext> = (ctx: Pick<HandlerContext, Uses>, request: Req) => Promise<Res>;

/** A handler per action, checked against the version's typed request/response map. */
export type RouteTable<Requests, Responses extends { [K in keyof Requests]: unknown }> = {
  readonly [K in keyof Requests]: Handler<Requests[K], Responses[K]>;
};
