import type { FrozenTariff } from '@chargeledger/ledger-queue';
import type { Logger } from 'pino';
import type { LedgerAuthorizationVerdict } from '@chargeledger/ledger-queue';
import type { IdTokenRegistry } from '../stores/id-tokens';

/**
 * An Authorize answer before it is put in one protocol's words: OCPP 2.0.1's statuses, which 1.6 folds
 * into its fewer ones (toStatus16).
 */
export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'Unknown' | 'NoCredit' | 'NotAtThisLocation' | 'NotAtThisTime';

export interface AuthorizationDecision {
  readonly status: AuthorizationStatus;
  /**
   * `registry`: the operator's own token registry decided (it refused, or the ledger is not asked);
   * `ledger`: the ledger's verdict; `fallback`: the ledger could not be asked and the configured fallback
   * decided; `capacity`: the CSMS takes no new session now, its queue's Redis being near its memory limit (ADR 0029).
   */
  readonly source: 'registry' | 'ledger' | 'fallback' | 'capacity';
  /** The station tariff the ledger named with an accepted verdict: what the driver is shown at Authorize (ADR 0033). */
  readonly tariff?: FrozenTariff;
}

/** What to answer while the ledger cannot be asked: trust the operator's registry, or refuse everyone. */
export type WhenLedgerUnavailable = 'registry' | 'reject';

/** What asking the ledger about a token gave: its verdict, a refusal of the question, or nothing in time. */
export type LedgerAnswer =
  | { readonly kind: 'verdict'; readonly verdict: LedgerAuthorizationVerdict; readonly cached: boolean }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Something that can ask the ledger about a token at a charger (LedgerAuthorizer). */
export interface LedgerAsker {
  ask(chargerId: string, idToken: string): Promise<LedgerAnswer>;
  /** The verdict an earlier question about this token at this charger left in the cache, without asking; undefined if none is cached. */
  cachedVerdict(chargerId: string, idToken: string): Promise<LedgerAuthorizationVerdict | undefined>;
}

/** Whether the CSMS can promise a new session now (QueueHealth): the events of those it accepted come first. */
export interface NewSessionGate {
  admitsNewSessions(): boolean;
}

export interface AuthorizationOptions {
  readonly tokens: Pick<IdTokenRegistry, 'status' | 'digest'>;
  /** Counts each decision by its source and status. */
  readonly onDecision?: (decision: AuthorizationDecision) => void;
  /** Undefined: the ledger is not asked, and the registry alone decides. */
  readonly ledger?: LedgerAsker;
  readonly whenLedgerUnavailable: WhenLedgerUnavailable;
  readonly newSessions: NewSessionGate;
}

const LEDGER_STATUS: Readonly<Record<LedgerAuthorizationVerdict['status'], AuthorizationStatus>> = {
  accepted: 'Accepted',
  'unknown-token': 'Unknown',
  'revoked-token': 'Blocked',
  'account-closed': 'Blocked',
  'below-minimum-hold': 'NoCredit',
  'insufficient-funds': 'NoCredit',
  'currency-mismatch': 'NotAtThisLocation',
};

/**
 * Decides an Authorize: first the operator's registry (the cards it issued, and the ones it blocked), then
 * the ledger, which knows whether the driver's wallet can cover the station's minimum hold. The ledger's
 * answer is advice as much as the charger's own cache is: the binding decision is the hold placed when the
 * session opens, and a refused hold stops the charger (LedgerReactions).
 */
export class Authorization {
  readonly #options: AuthorizationOptions;

  constructor(options: Readonly<AuthorizationOptions>) {
    this.#options = options;
  }

  async decide(chargerId: string, idToken: string, log: Logger): Promise<AuthorizationDecision> {
    const decision = await this.#decide(chargerId, idToken, log);
    this.#options.onDecision?.(decision);
    return decision;
  }

  /**
   * Decides the start of a transaction (1.6 StartTransaction; the 2.0.1 TransactionEvent that first names an
   * accepted token): the registry, then the ledger's verdict if an Authorize of the same card at the same
   * charger left one in the cache. Nothing is asked: a start is answered once its event is durable, not after
   * a ledger round trip (ADR 0012). A card the ledger refused moments ago is refused here too, before any energy
   * flows; without a cached verdict the hold placed when the session opens decides, as before. Not counted
   * with the Authorize decisions.
   */
  async decideStart(chargerId: string, idToken: string, log: Logger): Promise<AuthorizationDecision> {
    if (!this.#options.newSessions.admitsNewSessions()) return this.#noRoom(idToken, log);
    const registered = await this.#options.tokens.status(idToken);
    if (registered !== 'Accepted') return { status: registered === 'Invalid' ? 'Unknown' : registered, source: 'registry' };
    const verdict = await this.#options.ledger?.cachedVerdict(chargerId, idToken);
    if (verdict === undefined) return { status: 'Accepted', source: 'registry' };
    const status = LEDGER_STATUS[verdict.status];
    if (status !== 'Accepted') log.warn({ token: this.#options.tokens.digest(idToken), verdict: verdict.status }, 'a start with a card the ledger refused moments ago; refused from the cached verdict');
    return { status, source: 'ledger' };
  }

  /** Refused before anything is asked: an accepted card would start a session whose events might find no room. */
  #noRoom(idToken: string, log: Logger): AuthorizationDecision {
    log.warn({ token: this.#options.tokens.digest(idToken) }, 'a new session refused: Redis is near its memory limit');
    return { status: 'NotAtThisTime', source: 'capacity' };
  }

  async #decide(chargerId: string, idToken: string, log: Logger): Promise<AuthorizationDecision> {
    if (!this.#options.newSessions.admitsNewSessions()) return this.#noRoom(idToken, log);
    const registered = await this.#options.tokens.status(idToken);
    if (registered !== 'Accepted') return { status: registered === 'Invalid' ? 'Unknown' : registered, source: 'registry' };
    if (this.#options.ledger === undefined) return { status: 'Accepted', source: 'registry' };

    const answer = await this.#options.ledger.ask(chargerId, idToken);
    const token = this.#options.tokens.digest(idToken);
    switch (answer.kind) {
      case 'verdict': {
        const { status, holdAmount, currency } = answer.verdict;
        log.info({ token, verdict: status, holdAmount, currency, cached: answer.cached }, 'ledger authorization');
        const { tariff } = answer.verdict;
        return { status: LEDGER_STATUS[status], source: 'ledger', ...(tariff === undefined ? {} : { tariff }) };
      }
      case 'refused':
        // The station is not one the ledger can open sessions at: nobody can charge here until it is.
        log.error({ token, code: answer.code, reason: answer.message }, 'the ledger refused to authorize at this charger; check its registration on the ledger');
        return { status: 'NotAtThisLocation', source: 'ledger' };
      case 'unavailable':
        log.warn({ token, reason: answer.reason, fallback: this.#options.whenLedgerUnavailable }, 'ledger authorization unavailable');
        return { status: this.#options.whenLedgerUnavailable === 'registry' ? 'Accepted' : 'NotAtThisTime', source: 'fallback' };
    }
  }
}

/** OCPP 1.6 has no NoCredit, NotAtThisLocation, NotAtThisTime or Unknown: each becomes the nearest of its five. */
export function toStatus16(status: AuthorizationStatus): 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' {
  switch (status) {
    case 'Accepted':
    case 'Blocked':
    case 'Expired':
    case 'Invalid':
      return status;
    case 'Unknown':
    case 'NotAtThisLocation':
      return 'Invalid';
    case 'NoCredit':
    case 'NotAtThisTime':
      return 'Blocked';
  }
}
