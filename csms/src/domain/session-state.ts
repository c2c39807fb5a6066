import type { MeterEvidence, SessionSettlement } from '@chargeledger/ledger-queue';

export interface SessionState {
  readonly sessionId: string;
  readonly chargerId: string;
  /** The charger's OCPP transaction id; the ledger's transaction is the settlement's ledgerTxId. */
  readonly ocppTransactionId: string;
  readonly protocol: '1.6' | '2.0.1';
  readonly evseId: number;
  readonly connectorId: number;
  readonly idToken: string;
  readonly startedAt: string;
  readonly meterStartWh: number;
  readonly lastRegisterWh: number;
  readonly ended: boolean;
  /** Set when the session ended: the charger's end time, stop reason and final register. */
  readonly endedAt?: string;
  readonly stopReason?: string;
  readonly meterStopWh?: number;
  /** When charging ended and parking began, as the first stop recorded it (absent: charging to the end). */
  readonly chargingEndedAt?: string;
  /** Every signed record seen in the session so far, in arrival order. */
  readonly evidence: readonly MeterEvidence[];
  /** What the charger said that the CSMS could not make right, each once (absent on sessions stored before flags). */
  readonly flags?: readonly SessionFlag[];
  /** How the ledger ended the session, settled or refused, once the bridge has seen it committed. */
  readonly settlement?: SessionSettlement;
}

/**
 * `repeated-stop-differs`: the session was stopped again with another meter stop or end time; the first stop
 * stands. `meter-stop-below-start`: the final register is below the one the session started at.
 * `claimed-differs-from-signed`: the energy the charger's registers claim (meter stop minus meter start) is
 * not what its meter signed and the ledger billed.
 */
export const SESSION_FLAGS = ['repeated-stop-differs', 'meter-stop-below-start', 'claimed-differs-from-signed'] as const;
export type SessionFlag = (typeof SESSION_FLAGS)[number];

/** How a session ended, as its first stop said: final, whatever a repeat says later. */
export interface SessionStop {
  readonly endedAt: string;
  readonly meterStopWh: number;
  readonly reason: string;
  /** Every signed record of the session, the stop's own included. */
  readonly evidence: readonly MeterEvidence[];
  /** When charging ended before the stop, as the charger reported it (chargingEnd), if it did. */
  readonly chargingEndedAt?: string;
}

export interface PendingStart {
  readonly evseId?: number;
  readonly connectorId?: number;
  readonly startedAt: string;
  readonly meterStartWh?: number;
  readonly evidence: readonly MeterEvidence[];
}

/** A session's id: the charger's identity and its OCPP transaction id. */
export function sessionIdOf(chargerId: string, ocppTransactionId: string): string {
  return `${chargerId}-${ocppTransactionId}`;
}

