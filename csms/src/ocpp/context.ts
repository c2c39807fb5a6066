import type { Logger } from 'pino';
import type { Authorization } from '../domain/authorization';
import type { ChargerRegistry } from '../domain/chargers';
import type { Clock } from '../domain/clock';
import type { IdTokenRegistry } from '../domain/id-tokens';
import type { SessionContext } from '../domain/sessions';
import type { StationState } from '../domain/station-state';
import type { SessionFlag, TransactionStore } from '../domain/transactions';
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

/** Everything a handler may use. Handlers never touch the socket: they take a request and return a response. */
export interface HandlerContext {
  readonly chargerId: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly policy: OcppPolicy;
  readonly publisher: EventPublisher;
  readonly transactions: TransactionStore;
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

/** The session lifecycle's narrow view of a handler's context. */
export function sessionContext(ctx: HandlerContext): SessionContext {
  return {
    chargerId: ctx.chargerId,
    log: ctx.log,
    sessions: ctx.transactions,
    events: ctx.publisher,
    tokens: ctx.tokens,
    sessionFlagged: ctx.sessionFlagged,
    ...(ctx.policy.readingsToLedger === 'near-the-hold' ? { pricing: (sessionId: string) => ctx.priceDisplay.pricing(sessionId) } : {}),
  };
}

export type Handler<Req, Res> = (ctx: HandlerContext, request: Req) => Promise<Res>;

/** A handler per action, checked against the version's typed request/response map. */
export type RouteTable<Requests, Responses extends { [K in keyof Requests]: unknown }> = {
  readonly [K in keyof Requests]: Handler<Requests[K], Responses[K]>;
};
