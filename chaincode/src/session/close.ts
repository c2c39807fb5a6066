import type { CloseSessionRequest, Receipt } from '../api';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import { recordedEvent, requestHashOf } from '../core/submit-evaluate';
import type { Tx } from '../core/transaction-view';
import { PricingError, priceMeasurement, type PriceBreakdown } from '../pricing';
import { credit, debit, loadAccount, removeHold, touchDriver } from '../wallet/accounts';
import { checkClaimedStart, checkWindow, unsignedMeasurement, verifiedMeasurement, type Measurement } from './evidence';
import { loadSession, sessionKey, startOf, type SessionRecord } from './records';

/** Where a settlement finds what is not in its request. */
export interface CloseInputs {
  /** The session's OCMF records from the transient map; asked only for signed evidence. */
  readonly ocmfRecords: () => readonly string[];
  /** Tells apart the ledger entries of several settlements in one transaction (0 when alone). */
  readonly entry: number;
}

/** A settlement's receipt, and whether an earlier transaction had already written it under the same event id. */
export interface Settlement {
  readonly receipt: Receipt;
  readonly replayed: boolean;
}

/**
 * Settles a session exactly once by its event id. The event id and the request's hash are kept on the
 * session record the settlement rewrites anyway (ADR 0022), not in an event-id record of their own: a
 * second request with the same event id replays the receipt if it is the same request, and is refused
 * (EVENT_ID_REUSED) if not; a session settles once, whatever the event id. Access is checked before the
 * replay, so another operator cannot read a receipt through it.
 */
export async function closeSession(tx: Tx, operatorId: string, req: CloseSessionRequest, inputs: CloseInputs): Promise<Settlement> {
  const session = await loadSession(tx, req.sessionId);
  if (session.operatorId !== operatorId) refuse('ACCESS_DENIED', `session ${req.sessionId} is at another operator's station`);
  const requestHash = requestHashOf(req);
  const replay = await replayOf(tx, session, req.eventId, requestHash);
  if (replay !== undefined) return { receipt: replay, replayed: true };
  if (session.status !== 'open') refuse('INVALID_STATE', `session ${req.sessionId} is ${session.status}`);
  return { receipt: await settle(tx, session, req, requestHash, inputs), replayed: false };
}

/** The receipt of the settlement `eventId` already made of the session, if it made one. */
async function replayOf(tx: Tx, session: SessionRecord, eventId: string, requestHash: string): Promise<Receipt | undefined> {
  if (session.status !== 'settled') return undefined;
  if (session.settledBy !== undefined) {
    if (session.settledBy.eventId !== eventId) return undefined;
    if (session.settledBy.requestHash !== requestHash) refuse('EVENT_ID_REUSED', `event ${eventId} settled session ${session.sessionId} with another request`);
  } else {
    // A session settled before its record kept the settlement's event id has an event-id record instead.
    const recorded = await recordedEvent(tx, eventId);
    if (recorded === undefined) return undefined;
    if (recorded.transaction !== 'Session:closeSession' || recorded.requestHash !== requestHash) refuse('EVENT_ID_REUSED', `event ${eventId} was used by another request (tx ${recorded.txId})`);
  }
  return tx.must<Receipt>(tx.key(KEY.receipt, session.sessionId), `the receipt of session ${session.sessionId}`);
}

/**
 * Settles an open session from meter evidence: cost = price(frozen tariff, evidence), capped at the hold.
 * The driver is debited the cost, the payee credited the same amount (a blind write of a new entry key, so
 * concurrent settlements at one station never conflict), and the hold is removed, releasing the rest.
 */
async function settle(tx: Tx, session: SessionRecord, req: CloseSessionRequest, requestHash: string, inputs: CloseInputs): Promise<Receipt> {
  const measurement =
    req.evidence.kind === 'ocmf'
      ? await verifiedMeasurement(tx, session.meter, inputs.ocmfRecords())
      : await unsignedMeasurement(tx, session.stationId, req.evidence, session.unsignedMeterData);
  checkWindow(measurement, startOf(session), tx.nowMs);
  if (session.startedAtMs !== undefined) checkClaimedStart(measurement, session.startedAtMs);
  const billed = measurement.verification === 'verified' ? measurement : withinUnsignedCap(session, measurement, tx.nowMs);
  const price = priced(session, billed);
  const charged = Math.min(price.total, session.holdAmount);

  // An open session has its hold (placed by the open, removed only with the session's end), so it is deleted
  // unread: one state round trip less per settlement; a concurrent end of the session rewrites the session key.
  await removeHold(tx, { accountId: session.driverAccountId, holdId: session.sessionId });
  const driver = await loadAccount(tx, session.driverAccountId);
  if (charged > 0) {
    // The hold reserved the amount, so no funds check: the debit rewrites the driver's account (Wallets' policy).
    await debit(tx, driver, charged, 'session-debit', session.sessionId, inputs.entry);
    await credit(tx, session.payeeAccountId, charged, 'session-credit', session.sessionId, inputs.entry);
  } else {
    await touchDriver(tx, driver);
  }

  const receipt: Receipt = {
    sessionId: session.sessionId,
    stationId: session.stationId,
    evseId: session.evseId,
    driverAccountId: session.driverAccountId,
    payeeAccountId: session.payeeAccountId,
    currency: session.currency,
    energyWh: billed.energyWh,
    claimedEnergyWh: billed.energyWh < measurement.energyWh ? measurement.energyWh : undefined,
    startTimeMs: measurement.startMs,
    endTimeMs: measurement.endMs,
    tariffId: session.tariff.tariffId,
    tariffVersion: session.tariff.version,
    lineItems: price.lineItems,
    totalNet: price.totalNet,
    totalVat: price.totalVat,
    priced: price.total,
    charged,
    holdAmount: session.holdAmount,
    released: session.holdAmount - charged,
    verification: measurement.verification,
    unsignedMeterData: session.unsignedMeterData,
    meterSerial: measurement.verification === 'verified' ? session.meter?.meterSerial : undefined,
    meterKeyId: measurement.verification === 'verified' ? session.meter?.keyId : undefined,
    evidenceHashes: measurement.evidenceHashes,
    txId: tx.txId,
    settledAtMs: tx.nowMs,
  };
  const settled: SessionRecord = { ...session, status: 'settled', settledBy: { eventId: req.eventId, requestHash } };
  await tx.put(sessionKey(tx, session.sessionId), settled);
  await tx.put(tx.key(KEY.receipt, session.sessionId), receipt);
  tx.emit('SessionSettled', {
    sessionId: session.sessionId,
    stationId: session.stationId,
    driverAccountId: session.driverAccountId,
    charged,
    energyWh: billed.energyWh,
    verification: measurement.verification,
  });
  return receipt;
}

/**
 * What an unsigned session may bill (ADR 0013): at most the Authority's maxEnergyWh, and at most its
 * maxPowerW for the whole time from the session's start to this close, both times the ledger's own. The
 * operator's readings can claim less, never more.
 */
export function withinUnsignedCap(session: SessionRecord, measurement: Measurement, closedAtMs: number): Measurement {
  const terms = session.unsignedMeterData ?? refuse('UNSIGNED_NOT_ALLOWED', 'no permission for unsigned meter data');
  const lifeMs = Math.max(0, closedAtMs - startOf(session));
  const powerBoundWh = Math.floor((terms.maxPowerW * lifeMs) / 3_600_000);
  return { ...measurement, energyWh: Math.min(measurement.energyWh, terms.maxEnergyWh, powerBoundWh) };
}

/** The frozen tariff applied to the measurement, the energy spread evenly between the two readings. */
export function priced(session: SessionRecord, measurement: Measurement): PriceBreakdown {
  if (measurement.endMs === measurement.startMs && measurement.energyWh > 0) refuse('EVIDENCE_REJECTED', 'energy without elapsed time');
  try {
    return priceMeasurement(session.tariff.tariff, measurement);
  } catch (error) {
    if (error instanceof PricingError) refuse('EVIDENCE_REJECTED', `cannot price the evidence: ${error.code} at ${error.path}`);
    throw error;
  }
}
