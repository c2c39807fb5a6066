import type { Idempotent } from './common';

/** Wallet accounts, ledger entries, holds and the id token link. */

export type AccountKind = 'driver' | 'operator' | 'prosumer';

/** Transient `driverProfile` of Wallet:setDriverProfile; stored only in the Wallets private collection. */
export interface DriverProfile {
  readonly name: string;
  readonly email: string;
  /** 32-128 lowercase hex digits, random per driver: the private value's public hash must not be guessable. */
  readonly salt: string;
}

export interface Account {
  readonly accountId: string;
  readonly kind: AccountKind;
  /** operatorId or prosumerId for those kinds; absent for drivers. */
  readonly ownerId?: string;
  readonly currency: string;
  /** Drivers: the largest hold one session may place. */
  readonly sessionLimit?: number;
  readonly status: 'active' | 'closed';
  /**
   * Everything ever debited: session debits, trade escrows, payouts. The balance is the sum of the credit
   * entries minus this, so only a transaction that rewrites this record, under the owner organization's
   * key-level policy, can lower it (ADR 0014).
   */
  readonly debited: number;
  /** Incremented by every debit, and by every hold and top-up of a driver's account. */
  readonly seq: number;
  readonly createdTxId: string;
}

export interface AccountView extends Account {
  /** Sum of all ledger entries. */
  readonly balance: number;
  /** Sum of active holds. */
  readonly held: number;
  /** balance − held, never negative. */
  readonly available: number;
  readonly holds: readonly Hold[];
}

export interface Hold {
  readonly accountId: string;
  readonly holdId: string;
  readonly amount: number;
  /** The session that placed it. */
  readonly sessionId: string;
  readonly createdAtMs: number;
}

export type EntryReason =
  | 'top-up'
  | 'payout'
  | 'payout-returned'
  | 'session-debit'
  | 'session-credit'
  /** No amount: the ledger refused to settle the session `ref` and released its hold (ADR 0025). */
  | 'session-refused'
  | 'trade-escrow'
  | 'trade-payment'
  | 'trade-refund';

export interface LedgerEntry {
  readonly accountId: string;
  /** Positive credits, negative debits. */
  readonly amount: number;
  readonly reason: EntryReason;
  /** Session id, trade id, or the top-up/payout reference. */
  readonly ref: string;
  readonly txId: string;
  readonly timestampMs: number;
}

export interface OpenAccountRequest extends Idempotent {
  readonly accountId: string;
  readonly kind: AccountKind;
  readonly ownerId?: string;
  readonly currency: string;
  readonly sessionLimit?: number;
}
/**
 * Money that reached Wallets: a card payment the provider confirmed (`stripe:<payment intent id>`) or a bank
 * transfer Wallets' staff received (`bank:<the transfer's reference>`). The reference is unique on the ledger:
 * a payment is credited once, to one account, whatever event id carries it (decision 0027).
 */
export interface TopUpRequest extends Idempotent {
  readonly accountId: string;
  readonly amount: number;
  /** The payment's reference at the provider or the bank, not personal data. */
  readonly reference: string;
}
/** A payment credited by Wallet:topUp, under its reference; what a refund may give back. */
export interface Payment {
  readonly reference: string;
  readonly accountId: string;
  readonly amount: number;
  readonly currency: string;
  /** What payouts of the kind `refund:<reference>` have taken back so far (requested or paid). */
  readonly refunded: number;
  readonly txId: string;
  readonly creditedAtMs: number;
}
export interface PaymentQuery {
  readonly reference: string;
}
/**
 * A bank account a driver confirmed while signed in, as Wallets keeps it off the ledger: only its fingerprint
 * (sha256 of a salt and the account number, so no IBAN of a person is on the ledger) and the hash of the
 * signed-in request that confirmed it.
 */
export interface ConfirmPayoutDestinationRequest extends Idempotent {
  readonly accountId: string;
  /** Unique within the account, chosen by Wallets. */
  readonly destinationId: string;
  readonly fingerprint: string;
  /** sha256 of the driver's request (who, when, what), which Wallets keeps. */
  readonly confirmation: string;
}
export interface PayoutDestination {
  readonly accountId: string;
  readonly destinationId: string;
  readonly fingerprint: string;
  readonly confirmation: string;
  readonly confirmedAtMs: number;
  readonly txId: string;
}
/**
 * The owner asks for money to leave its account: the operator (chargeledger.operatorId = the account's
 * ownerId) for an operator account, the prosumer likewise, the Wallets organization on a driver's behalf.
 * The amount is debited at once, under the owner organization's endorsement, and waits for Wallets to pay it.
 */
export interface RequestPayoutRequest extends Idempotent {
  readonly accountId: string;
  /** Unique within the account, chosen by the owner. */
  readonly payoutId: string;
  readonly amount: number;
  /**
   * Where the money is to go. An operator or prosumer names its own bank account (e.g.
   * `iban:DE89370400440532013000`), in a request it signs itself. A driver's money goes only back where it
   * came from, `refund:<payment reference>` (at most what that payment credited, less earlier refunds), or to
   * `destination:<destinationId>`, a bank account the driver confirmed (Wallet:confirmPayoutDestination):
   * an IBAN of a person is personal data (ADR 0003) and Wallets alone does not choose it (decision 0027).
   */
  readonly destination: string;
  /** sha256 of the owner's request this payout answers (required for drivers, whose request reaches the ledger through Wallets). */
  readonly requestRef?: string;
}
/** Wallets reports the transfer made: the payout's destination and amount are the owner's, not Wallets'. */
export interface PayoutRequest extends Idempotent {
  readonly accountId: string;
  readonly payoutId: string;
  /** The bank transfer's reference. */
  readonly reference: string;
}
/** Wallets could not pay (the destination refused the transfer): the amount is credited back. */
export interface ReturnPayoutRequest extends Idempotent {
  readonly accountId: string;
  readonly payoutId: string;
  readonly reference: string;
}
export interface Payout {
  readonly accountId: string;
  readonly payoutId: string;
  readonly amount: number;
  readonly currency: string;
  readonly destination: string;
  readonly status: 'requested' | 'paid' | 'returned';
  /** The owner's request it answers, when given. */
  readonly requestRef?: string;
  readonly requestedAtMs: number;
  readonly requestTxId: string;
  /** The transfer's reference, once paid or returned. */
  readonly reference?: string;
  readonly completedAtMs?: number;
  readonly completedTxId?: string;
}
export interface PayoutQuery {
  readonly accountId: string;
  readonly payoutId: string;
}
export interface SetSessionLimitRequest extends Idempotent {
  readonly accountId: string;
  readonly sessionLimit: number;
}
/** The pepper itself travels in the transient map (`tokenPepper`). Wallets peers only. */
export type SetTokenPepperRequest = Idempotent;
/** The profile travels in the transient map (`driverProfile`). Wallets peers only. */
export interface SetDriverProfileRequest extends Idempotent {
  readonly accountId: string;
}

/**
 * The public half of a token link. Wallets computes, off the ledger,
 * tokenProof = hex(sha256(salt ‖ ':' ‖ token)) and proofHash = hex(sha256(tokenProof)).
 */
export interface LinkIdTokenRequest extends Idempotent {
  readonly accountId: string;
  /** Opaque reference of this token within the account, chosen by Wallets (not derived from the token). */
  readonly tokenRef: string;
  readonly proofHash: string;
}
/** The private half: raw token and salt in the transient map (`idToken`, `idTokenSalt`). Wallets peers only. */
export interface IndexIdTokenRequest extends Idempotent {
  readonly accountId: string;
  readonly tokenRef: string;
}
/** Removes the private index record of the token in the transient map (`idToken`). Wallets peers only. */
export type ForgetIdTokenRequest = Idempotent;
export interface UnlinkIdTokenRequest extends Idempotent {
  readonly accountId: string;
  readonly tokenRef: string;
}
export interface IdTokenLink {
  readonly accountId: string;
  readonly tokenRef: string;
  /** sha256 of the token proof; the proof, salt and token are known to Wallets (and the proof to operators shown the token). */
  readonly proofHash: string;
  readonly status: 'active' | 'revoked';
}
export interface ResolveIdTokenResult {
  readonly accountId: string;
  readonly tokenRef: string;
  /** To be sent in the transient map of Session:openSession (`tokenProof`). */
  readonly tokenProof: string;
  readonly currency: string;
  readonly sessionLimit: number;
  readonly available: number;
}
export interface AccountQuery {
  readonly accountId: string;
}
export interface HistoryQuery {
  readonly accountId: string;
}
export interface HistoryResult {
  readonly accountId: string;
  readonly entries: readonly LedgerEntry[];
}
