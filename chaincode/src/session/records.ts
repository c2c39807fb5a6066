import type { RecordedRefusal, Receipt, SessionStatus, SessionView, StationPolicy, UnsignedMeterDataTerms } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import type { StoredTariff } from '../tariffs/tariffs';

/** The meter key in force for the session's EVSE when the session opened. */
export interface FrozenMeter {
  readonly meterSerial: string;
  readonly keyId: string;
  readonly publicKey: string;
}

/**
 * A session as stored. Everything the settlement depends on (tariff, meter key, station policy, payee,
 * hold) is frozen at open, so later changes to the station, tariff or meter cannot reprice it; only a
 * revocation of the frozen key is honoured at close. The tariff version and meter key are those in force
 * at the session's start (see startOf).
 */
export interface SessionRecord {
  readonly sessionId: string;
  readonly status: SessionStatus;
  readonly stationId: string;
  readonly operatorId: string;
  readonly evseId: string;
  readonly connectorId: string;
  readonly driverAccountId: string;
  readonly payeeAccountId: string;
  readonly currency: string;
  readonly holdAmount: number;
  readonly tariff: StoredTariff;
  readonly meter?: FrozenMeter;
  readonly policy: StationPolicy;
  /** The Authority's permission for unsigned meter data, if the station held one at the open. */
  readonly unsignedMeterData?: UnsignedMeterDataTerms;
  /** The charger's start as the open claimed it; absent if it claimed none (and on sessions stored before the claim existed). */
  readonly startedAtMs?: number;
  /** The open's transaction timestamp: when the hold was placed. */
  readonly openedAtMs: number;
  readonly openedTxId: string;
  readonly progressSeq: number;
  readonly lastProgressWh: number;
  /** Why the open refused the hold (status `refused`, no hold placed). */
  readonly refusedReason?: 'insufficient-funds' | 'below-minimum-hold';
  /** Why the settlement was refused for good (status `refused`, the hold released; ADR 0025). */
  readonly refusal?: RecordedRefusal;
  /**
   * The event id and request hash of the settlement that ended the session, settled or refused, so that its
   * replay returns the receipt or the refusal (absent on sessions settled before it was kept here).
   */
  readonly settledBy?: SettledBy;
}

export interface SettledBy {
  readonly eventId: string;
  readonly requestHash: string;
}

/** When the session started: the charger's claim, checked at open against the window, or else the open. */
export function startOf(session: Pick<SessionRecord, 'startedAtMs' | 'openedAtMs'>): number {
  return session.startedAtMs ?? session.openedAtMs;
}

export function sessionKey(tx: Tx, sessionId: string): string {
  return tx.key(KEY.session, sessionId);
}

export async function loadSession(tx: Tx, sessionId: string): Promise<SessionRecord> {
  return tx.must<SessionRecord>(sessionKey(tx, sessionId), `session ${sessionId}`);
}

/** The session of the caller's own station, still open. */
export async function openSessionOf(tx: Tx, sessionId: string, operatorId: string): Promise<SessionRecord> {
  const session = await loadSession(tx, sessionId);
  if (session.operatorId !== operatorId) refuse('ACCESS_DENIED', `session ${sessionId} is at another operator's station`);
  if (session.status !== 'open') refuse('INVALID_STATE', `session ${sessionId} is ${session.status}`);
  return session;
}

export function viewOf(session: SessionRecord, receipt?: Receipt): SessionView {
  return {
    sessionId: session.sessionId,
    status: session.status,
    stationId: session.stationId,
    evseId: session.evseId,
    connectorId: session.connectorId,
    driverAccountId: session.driverAccountId,
    holdAmount: session.holdAmount,
    tariffId: session.tariff.tariffId,
    tariffVersion: session.tariff.version,
    meterSerial: session.meter?.meterSerial,
    startedAtMs: startOf(session),
    openedAtMs: session.openedAtMs,
    openedTxId: session.openedTxId,
    progressSeq: session.progressSeq,
    receipt,
    refusal: session.refusal,
  };
}
