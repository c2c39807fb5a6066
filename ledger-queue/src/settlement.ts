import type { SettlementRefusalCode, Verification } from '@chargeledger/chaincode/api';

/**
 * The chaincode's codes of a settlement refused for good: bad or unregistered signatures, altered records and
 * readings outside the session (EVIDENCE_REJECTED), records that settled something already (EVIDENCE_REUSED), a
 * meter's pagination or register going back behind what its key settled before (METER_READING_BACKWARDS), a
 * revoked meter key (METER_KEY_REVOKED), unsigned readings without the Authority's permission (UNSIGNED_NOT_ALLOWED).
 */
export { SETTLEMENT_REFUSAL_CODES, type SettlementRefusalCode, type Verification } from '@chargeledger/chaincode/api';

/** Where on the ledger a session ended. */
interface OnLedger {
  /** The Fabric transaction that settled or refused the session (not the charger's OCPP transaction id). */
  readonly ledgerTxId: string;
  /** Decimal string: block numbers are unsigned 64-bit. */
  readonly blockNumber: string;
}

/** The ledger settled the session: what it charged, for which energy. */
export interface SettledOnLedger extends OnLedger {
  readonly status: 'settled';
  /** Minor units of the session's currency. */
  readonly charged: number;
  /** The energy the ledger billed: the meter's signed energy when verified. */
  readonly energyWh: number;
  readonly verification: Verification;
}

/** The ledger refused the settlement for good (ADR 0025): the hold released, nothing charged, and why. */
export interface RefusedOnLedger extends OnLedger {
  readonly status: 'refused';
  readonly code: SettlementRefusalCode;
  readonly reason: string;
  /** The hold released, in minor units of the session's currency. */
  readonly released: number;
}

/**
 * How the ledger ended a session, settled or refused: one shape from the bridge's settlement listener, which
 * reads it from the chaincode's events, through the outcomes queue and the CSMS's stored session to its admin
 * API and the participants' dashboard.
 */
export type SessionSettlement = SettledOnLedger | RefusedOnLedger;

/**
 * A settlement as the CSMS stored it or a bridge queued it before the ledger's transaction id was named apart
 * from the charger's (`transactionId` then), or before refusals were recorded (no `status` then: settled).
 */
export type RecordedSettlement = SettledAsRecorded | RefusedAsRecorded;
type SettledAsRecorded = Omit<SettledOnLedger, 'status' | 'ledgerTxId'> & { readonly status?: 'settled' } & LedgerTxIdAsRecorded;
type RefusedAsRecorded = Omit<RefusedOnLedger, 'ledgerTxId'> & LedgerTxIdAsRecorded;
type LedgerTxIdAsRecorded = { readonly ledgerTxId: string; readonly transactionId?: never } | { readonly ledgerTxId?: never; readonly transactionId: string };

/** The settlement in its one shape, whether recorded in it or before (RecordedSettlement); other fields dropped. */
export function settlementOf(recorded: SettledAsRecorded): SettledOnLedger;
export function settlementOf(recorded: RefusedAsRecorded): RefusedOnLedger;
export function settlementOf(recorded: RecordedSettlement): SessionSettlement;
export function settlementOf(recorded: RecordedSettlement): SessionSettlement {
  const ledgerTxId = recorded.ledgerTxId ?? recorded.transactionId;
  const { blockNumber } = recorded;
  if (recorded.status === 'refused') return { status: 'refused', code: recorded.code, reason: recorded.reason, released: recorded.released, ledgerTxId, blockNumber };
  return { status: 'settled', charged: recorded.charged, energyWh: recorded.energyWh, verification: recorded.verification, ledgerTxId, blockNumber };
}
