import type { ChaincodeErrorCode, Idempotent } from './common';
import type { UnsignedMeterDataTerms } from './registry';

/** Charging sessions and receipts. */

/**
 * How long after its start a session may still be opened on the ledger: the longest ledger or bridge
 * outage whose backlog still settles. An older start is refused (SESSION_START_REJECTED).
 */
export const MAX_OPEN_DELAY_MS = 7 * 24 * 3_600_000;

export interface OpenSessionRequest extends Idempotent {
  /** Unique; the CSMS's transaction id is a good choice. */
  readonly sessionId: string;
  readonly stationId: string;
  readonly evseId: string;
  readonly connectorId: string;
  /** From Wallet:resolveIdToken; its tokenProof goes in the transient map (`tokenProof`). */
  readonly driverAccountId: string;
  readonly tokenRef: string;
  /** Optional cap below the driver's session limit. */
  readonly maxHold?: number;
  /**
   * When the charger says the session started (integer epoch ms): the OCPP transaction start, when the
   * meter took its first reading. Accepted from MAX_OPEN_DELAY_MS (7 days) before the transaction
   * timestamp to 15 minutes after it, else refused (SESSION_START_REJECTED). The tariff version and meter
   * key in force at this time are frozen, and the settlement's first reading must lie within 15 minutes of
   * it. Absent: the session starts at the transaction timestamp.
   */
  readonly startedAtMs?: number;
}
/**
 * Session:authorizeIdToken: whether the id token in the transient map (`idToken`) may start a session at
 * the station now. Evaluated on a Wallets peer (the token index is in their private collection), never
 * submitted: it answers a charger's Authorize, and the hold itself is decided again by Session:openSession.
 */
export interface AuthorizeIdTokenQuery {
  readonly stationId: string;
}
/**
 * `accepted`, or why Session:openSession would refuse: the token is unknown to Wallets or its link revoked,
 * the account is closed, the driver's session limit is below the station's minimum hold, the available funds
 * are, or the account is kept in another currency than the station's tariff.
 */
/** Whether a settlement's energy was checked against its meter's signed records (verified) or taken from unsigned readings. */
export type Verification = 'verified' | 'unverified';

export type AuthorizationStatus = 'accepted' | 'unknown-token' | 'revoked-token' | 'account-closed' | 'below-minimum-hold' | 'insufficient-funds' | 'currency-mismatch';
export interface AuthorizationVerdict {
  readonly stationId: string;
  readonly status: AuthorizationStatus;
  /** What Session:openSession would hold if it ran now; 0 unless accepted. */
  readonly holdAmount: number;
  readonly minimumHold: number;
  /** The station tariff's currency: the unit of both amounts. */
  readonly currency: string;
}
export interface OpenSessionResult {
  readonly sessionId: string;
  readonly status: 'opened' | 'refused';
  readonly holdAmount: number;
  readonly refusedReason?: 'insufficient-funds' | 'below-minimum-hold';
  readonly tariffId?: string;
  readonly tariffVersion?: number;
  readonly meterSerial?: string;
  readonly txId: string;
}
/** Several sessions' opens in one transaction; the token proof of each in the transient map (`tokenProofsByEvent`). */
export interface OpenSessionsRequest {
  readonly opens: readonly OpenSessionRequest[];
}

/** What became of one open of a batch. Only `opened` and `hold-refused` (not replayed) wrote anything. */
export type OpenSessionsItemResult =
  /** Applied as Session:openSession would have applied it: `result.status` says whether the hold was placed or refused. */
  | { readonly eventId: string; readonly sessionId: string; readonly status: 'applied'; readonly result: OpenSessionResult; readonly replayed: boolean }
  /** Refused as Session:openSession would have refused it; nothing of it was written. */
  | { readonly eventId: string; readonly sessionId: string; readonly status: 'refused'; readonly code: ChaincodeErrorCode; readonly reason: string }
  /** It shares a key with an earlier open of the batch (BATCH_KEY_SHARED): not applied, submit it again. */
  | { readonly eventId: string; readonly sessionId: string; readonly status: 'deferred'; readonly code: 'BATCH_KEY_SHARED'; readonly reason: string };

export interface OpenSessionsResult {
  /** In the order of the request. */
  readonly results: readonly OpenSessionsItemResult[];
}

export interface RecordProgressRequest extends Idempotent {
  readonly sessionId: string;
  /** Energy delivered so far (unsigned progress report). */
  readonly energyWh: number;
}
export interface RecordProgressResult {
  readonly sessionId: string;
  readonly seq: number;
  readonly energyWh: number;
  /** What the frozen tariff charges for the progress so far, uncapped. */
  readonly estimatedCost: number;
  readonly holdAmount: number;
  readonly holdExhausted: boolean;
}

/** Signed: OCMF records in the transient map. Unsigned: register readings as the charger reported them. */
export type SessionEvidence =
  | { readonly kind: 'ocmf' }
  | {
      readonly kind: 'unsigned';
      readonly startTimeMs: number;
      readonly endTimeMs: number;
      readonly startRegisterWh: number;
      readonly endRegisterWh: number;
    };

/**
 * The session is priced from the evidence alone: plug-in and plug-out are the first and last reading's
 * times, and all of it counts as charging time (an operator-reported end of charging could inflate idle
 * fees, so it is not accepted).
 */
export interface CloseSessionRequest extends Idempotent {
  readonly sessionId: string;
  readonly evidence: SessionEvidence;
  /**
   * When the charger reported that charging ended while the vehicle stayed plugged in (2.0.1 chargingState
   * leaving Charging, 1.6 SuspendedEV or Finishing), as the CSMS saw it: the time after it is parking
   * (PARKING_TIME), and all the metered energy flowed before it. Used only when it lies strictly between the
   * first and the last reading; absent: the whole session is charging time.
   */
  readonly chargingEndMs?: number;
}

/**
 * Several settlements in one transaction (ADR 0022). Each keeps its own event id, recorded on its session
 * exactly as Session:closeSession records it, so either function replays the other's settlement. The batch itself has
 * no event id: a batch that failed to commit is regrouped freely.
 */
export interface CloseSessionsRequest {
  readonly settlements: readonly CloseSessionRequest[];
}

/** What became of one settlement of a batch. Only `settled` and `refusal-recorded` wrote anything. */
export type CloseSessionsItemResult =
  | { readonly eventId: string; readonly sessionId: string; readonly status: 'settled'; readonly settled: SettledFigures; readonly replayed: boolean }
  /**
   * Refused for a reason that cannot change (SettlementRefusalCode), and the refusal recorded as
   * Session:closeSession records it: the session is `refused`, its hold released, nothing charged (ADR 0025).
   */
  | { readonly eventId: string; readonly sessionId: string; readonly status: 'refusal-recorded'; readonly refusal: SettlementRefusal; readonly released: number; readonly txId: string; readonly replayed: boolean }
  /** Refused as Session:closeSession would have refused it, for a reason that may pass (state, access, request); nothing of it was written. */
  | { readonly eventId: string; readonly sessionId: string; readonly status: 'refused'; readonly code: ChaincodeErrorCode; readonly reason: string }
  /** It shares a key with an earlier settlement of the batch (BATCH_KEY_SHARED): not applied, submit it again. */
  | { readonly eventId: string; readonly sessionId: string; readonly status: 'deferred'; readonly code: 'BATCH_KEY_SHARED'; readonly reason: string };

/**
 * What a batch reports of each settlement: the receipt's figures the CSMS is told. Every endorser returns
 * the whole result inside the transaction, so the receipts themselves are not repeated there; they are on
 * the ledger (Session:getReceipt).
 */
export type SettledFigures = Pick<Receipt, 'charged' | 'energyWh' | 'verification' | 'txId'>;

export interface CloseSessionsResult {
  /** In the order of the request. */
  readonly results: readonly CloseSessionsItemResult[];
}
/** One priced line, as chaincode/src/pricing's priceSession produced it. */
export interface ReceiptLineItem {
  readonly component: 'FLAT' | 'ENERGY' | 'TIME' | 'PARKING_TIME';
  /** Index into the frozen tariff's elements of the element that priced this line. */
  readonly elementIndex: number;
  readonly quantity: number;
  readonly unit: 'Wh' | 's' | 'session';
  /** Micro-units of the major currency per kWh, per hour, or per session. */
  readonly unitPriceMicro: number;
  /** Absent when an OCPI tariff names no VAT for the component (not the same as 0 %). */
  readonly vatBasisPoints?: number;
  readonly net: number;
  readonly vat: number;
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  /** The line prices a reservation before the session (OCPI tariffs). */
  readonly reservation?: true;
}
export interface Receipt {
  readonly sessionId: string;
  readonly stationId: string;
  readonly evseId: string;
  readonly driverAccountId: string;
  readonly payeeAccountId: string;
  readonly currency: string;
  readonly energyWh: number;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  /** When charging ended and parking began, as the settlement priced it (CloseSessionRequest.chargingEndMs); absent: no parking. */
  readonly chargingEndMs?: number;
  readonly tariffId: string;
  readonly tariffVersion: number;
  readonly lineItems: readonly ReceiptLineItem[];
  /** What an OCPI tariff's min_price or max_price added (or, negative, removed); in totalNet and totalVat. */
  readonly priceLimit?: { readonly net: number; readonly vat: number };
  readonly totalNet: number;
  readonly totalVat: number;
  /** The tariff's price for the evidence. */
  readonly priced: number;
  /** What the driver paid: min(priced, hold). */
  readonly charged: number;
  readonly holdAmount: number;
  readonly released: number;
  readonly verification: Verification;
  /**
   * On every receipt of a session opened while its station had the Authority's permission for unsigned
   * meter data, verified or not: the driver sees that the station may bill from unsigned readings, and within
   * which cap.
   */
  readonly unsignedMeterData?: UnsignedMeterDataTerms;
  /** Unverified receipts: the energy the unsigned readings claimed, when the permission's cap billed less (energyWh). */
  readonly claimedEnergyWh?: number;
  readonly meterSerial?: string;
  readonly meterKeyId?: string;
  /** sha256 hex of each OCMF record, in order; empty for unsigned evidence. */
  readonly evidenceHashes: readonly string[];
  readonly txId: string;
  readonly settledAtMs: number;
}
/**
 * Why the ledger refused a settlement for good: the evidence itself is bad (a signature that does not verify
 * against the key the Authority registered, altered records, readings outside the session, another meter's
 * records), it settled something already, its meter's pagination or register goes back behind what the same
 * meter key settled before (ADR 0040), the frozen key was revoked, or the readings are unsigned where the
 * Authority gave no permission. No later attempt could settle the session, so the refusal is recorded and
 * the hold released (ADR 0025); every other refusal writes nothing.
 */
export type SettlementRefusalCode = 'EVIDENCE_REJECTED' | 'EVIDENCE_REUSED' | 'METER_READING_BACKWARDS' | 'METER_KEY_REVOKED' | 'UNSIGNED_NOT_ALLOWED';
export const SETTLEMENT_REFUSAL_CODES: readonly SettlementRefusalCode[] = ['EVIDENCE_REJECTED', 'EVIDENCE_REUSED', 'METER_READING_BACKWARDS', 'METER_KEY_REVOKED', 'UNSIGNED_NOT_ALLOWED'];

export interface SettlementRefusal {
  readonly code: SettlementRefusalCode;
  /** The chaincode's words, e.g. `BAD_SIGNATURE in record 1: …`. */
  readonly reason: string;
}

/** A refusal as the session record keeps it: with the transaction that recorded it. */
export interface RecordedRefusal extends SettlementRefusal {
  readonly txId: string;
  readonly refusedAtMs: number;
}

/**
 * What Session:closeSession answers when it refused the settlement for good and recorded it: the session is
 * `refused`, the whole hold released, nothing charged. (A settled session answers its Receipt.)
 */
export interface RefusedSettlement {
  readonly sessionId: string;
  readonly stationId: string;
  readonly driverAccountId: string;
  readonly currency: string;
  readonly refusal: SettlementRefusal;
  readonly holdAmount: number;
  /** The whole hold. */
  readonly released: number;
  readonly txId: string;
  readonly refusedAtMs: number;
}

/** Session:closeSession's answer: the receipt, or the recorded refusal (tell them apart with `'refusal' in result`). */
export type CloseSessionResult = Receipt | RefusedSettlement;

/** `refused`: the open refused the hold (`refusedReason`), or the settlement was refused for good (`refusal`). */
export type SessionStatus = 'open' | 'refused' | 'settled' | 'abandoned';
export interface SessionView {
  readonly sessionId: string;
  readonly status: SessionStatus;
  readonly stationId: string;
  readonly evseId: string;
  readonly connectorId: string;
  readonly driverAccountId: string;
  readonly holdAmount: number;
  readonly tariffId?: string;
  readonly tariffVersion?: number;
  readonly meterSerial?: string;
  /** When the session started: the charger's startedAtMs, or openedAtMs if the open did not carry one. */
  readonly startedAtMs: number;
  /** The timestamp of the openSession transaction. */
  readonly openedAtMs: number;
  readonly openedTxId: string;
  readonly progressSeq: number;
  readonly receipt?: Receipt;
  /** Why the ledger refused to settle the session, if it did (status `refused`, hold released, nothing charged). */
  readonly refusal?: RecordedRefusal;
}
/**
 * Releases the hold of a session that will never be settled, charging nothing: the station's operator may
 * do so at any time, the Wallets organization once the session is older than 72 hours.
 */
export interface AbandonSessionRequest extends Idempotent {
  readonly sessionId: string;
}
export interface AbandonSessionResult {
  readonly sessionId: string;
  readonly driverAccountId: string;
  readonly released: number;
  readonly txId: string;
}
export interface SessionQuery {
  readonly sessionId: string;
}
