/**
 * The second contract between the CSMS and the ledger bridge: questions the CSMS must answer a charger with
 * while the charger waits, such as whether a driver's token may charge. Unlike ledger events they are not
 * durable: a question nobody answered in time is dropped, and the CSMS answers the charger without it.
 *
 * The CSMS pushes a question on a Redis list that any bridge pops (BRPOP), and waits on its own pub/sub
 * channel for the reply. The list expires when no bridge pops it, so questions never pile up.
 */
import type { AuthorizationStatus } from '@chargeledger/chaincode/api';
import type { FrozenTariff } from './events';

/** The ledger's verdict on an id token at a station (the chaincode's Session:authorizeIdToken). */
export interface LedgerAuthorizationVerdict {
  readonly status: AuthorizationStatus;
  /** What opening a session now would hold on the driver's account, in minor units of `currency`; 0 unless accepted. */
  readonly holdAmount: number;
  readonly minimumHold: number;
  readonly currency: string;
  /** The tariff in force at the station now, for the driver to read at Authorize; absent unless accepted. */
  readonly tariff?: FrozenTariff;
}

export interface AuthorizeQuery {
  readonly kind: 'authorize';
  readonly queryId: string;
  /** The charger: its station id on the ledger. */
  readonly chargerId: string;
  readonly idToken: string;
  /** The pub/sub channel of the asking CSMS node. */
  readonly replyTo: string;
  /** Epoch ms after which the CSMS no longer waits: a bridge that pops it later drops it unasked. */
  readonly deadlineMs: number;
}

export type LedgerQuery = AuthorizeQuery;

/**
 * `refused`: the ledger answered with a refusal (the station is unknown to it, or not the operator's): the
 * configuration, not the token, is wrong. `unavailable`: the ledger could not be asked.
 */
export type LedgerQueryReply =
  | { readonly queryId: string; readonly ok: true; readonly verdict: LedgerAuthorizationVerdict }
  | { readonly queryId: string; readonly ok: false; readonly failure: 'refused' | 'unavailable'; readonly code: string; readonly message: string };
