import { SETTLEMENT_REFUSAL_CODES, type CloseSessionRequest, type CloseSessionResult, type Receipt, type RefusedSettlement, type SettlementRefusal, type SettlementRefusalCode } from '../api';
import { ChaincodeError, refuse } from '../core/errors';
import { KEY } from '../core/keys';
import { recordedEvent, requestHashOf } from '../core/submit-evaluate';
import type { Tx } from '../core/transaction-view';
import { parkingFrom, PricingError, priceMeasurement, type PriceBreakdown } from '../pricing';
import { credit, debit, loadAccount, note, removeHold, touchDriver } from '../wallet/accounts';
import { checkClaimedStart, checkWindow, claimEvidence, unclaimedSignedMeasurement, unsignedMeasurement, type Measurement, type SignedMeasurement } from './evidence';
import { loadSession, sessionKey, startOf, type SessionRecord } from './records';

/** Where a settlement finds what is not in its request. */
export interface CloseInputs {
  /** The session's OCMF records from the transient map; asked only for signed evidence. */
  readonly ocmfRecords: () => readonly string[];
  /** Tells apart the ledger entries of several settlements in one transaction (0 when alone). */
  readonly entry: number;
}

/** A settlement's receipt or recorded refusal, and whether an earlier transaction had already written it under the same event id. */
export interface Settlement {
  readonly result: CloseSessionResult;
  readonly replayed: boolean;
}

/**
 * Settles a session exactly once by its event id. The event id and the request's hash are kept on the
 * session record the settlement rewrites anyway (ADR 0022), not in an event-id record of their own: a
 * second request with the same event id replays the receipt if it is the same request, and is refused
 * (EVENT_ID_REUSED) if not; a session settles once, whatever the event id. Access is checked before the
 * replay, so another operator cannot read a receipt through it. A settlement refused for a reason that cannot
 * change is recorded rather than thrown (ADR 0025), and replayed as its receipt would be.
 */
export async function closeSession(tx: Tx, operatorId: string, req: CloseSessionRequest, inputs: CloseInputs): Promise<Settlement> {
  const session = await loadSession(tx, req.sessionId);
  if (session.operatorId !== operatorId) refuse('ACCESS_DENIED', `session ${req.sessionId} is at another operator's station`);
  const requestHash = requestHashOf(req);
  const replay = await replayOf(tx, session, req.eventId, requestHash);
  if (replay !== undefined) return { result: replay, replayed: true };
  if (session.status !== 'open') refuse('INVALID_STATE', `session ${req.sessionId} is ${session.status}`);
  return { result: await settleOrRefuse(tx, session, req, requestHash, inputs), replayed: false };
}

/** The receipt or refusal of the settlement `eventId` already made of the session, if it made one. */
async function replayOf(tx: Tx, session: SessionRecord, eventId: string, requestHash: string): Promise<CloseSessionResult | undefined> {
  const refused = session.status === 'refused' && session.refusal !== undefined;
  if (session.status !== 'settled' && !refused) return undefined;
  if (session.settledBy !== undefined) {
    if (session.settledBy.eventId !== eventId) return undefined;
    if (session.settledBy.requestHash !== requestHash) refuse('EVENT_ID_REUSED', `event ${eventId} settled session ${session.sessionId} with another request`);
    if (refused) return refusedSettlementOf(session);
  } else {
    // A session settled before its record kept the settlement's event id has an event-id record instead.
    const recorded = await recordedEvent(tx, eventId);
    if (recorded === undefined) return undefined;
    if (recorded.transaction !== 'Session:closeSession' || recorded.requestHash !== requestHash) refuse('EVENT_ID_REUSED', `event ${eventId} was used by another request (tx ${recorded.txId})`);
  }
  return tx.must<Receipt>(tx.key(KEY.receipt, session.sessionId), `the receipt of session ${session.sessionId}`);
}

/** Whether a refusal rests on the evidence alone, so that no later attempt could settle the session (ADR 0025). */
export function isSettlementRefusal(code: string): code is SettlementRefusalCode {
  return (SETTLEMENT_REFUSAL_CODES as readonly string[]).includes(code);
}

/** What a settlement bills, decided before anything is written. */
interface Assessed {
  readonly measurement: Measurement;
  readonly billed: Measurement;
  readonly price: PriceBreakdown;
  /** The claim keys of signed records and their meter mark, written only if the session settles. */
  readonly signed?: Pick<SignedMeasurement, 'payloadHashes' | 'mark'>;
}

/**
 * Settles the session, or records why it never can. The evidence is assessed before anything is written:
 * a refusal that rests on the evidence alone (SettlementRefusalCode, unless time may lift it) ends the session
 * refused, with its hold released; any other refusal (the request, the state, access, a reading ahead of the
 * ledger's clock) is thrown and writes nothing.
 */
async function settleOrRefuse(tx: Tx, session: SessionRecord, req: CloseSessionRequest, requestHash: string, inputs: CloseInputs): Promise<CloseSessionResult> {
  let assessed: Assessed;
  try {
    assessed = await assess(tx, session, req, inputs);
  } catch (error) {
    // A reading ahead of the ledger's clock may settle later, so that refusal is not final.
    if (error instanceof ChaincodeError && isSettlementRefusal(error.code) && !error.forNow) return recordRefusal(tx, session, req, requestHash, inputs, { code: error.code, reason: error.detail });
    throw error;
  }
  return settle(tx, session, req, requestHash, inputs, assessed);
}

/** Verifies the evidence, checks its times, and prices it; reads only. */
async function assess(tx: Tx, session: SessionRecord, req: CloseSessionRequest, inputs: CloseInputs): Promise<Assessed> {
  let measurement: Measurement;
  let signed: SignedMeasurement | undefined;
  if (req.evidence.kind === 'ocmf') ({ measurement } = signed = await unclaimedSignedMeasurement(tx, session.meter, inputs.ocmfRecords()));
  else measurement = await unsignedMeasurement(tx, session.stationId, req.evidence, session.unsignedMeterData);
  checkWindow(measurement, startOf(session), tx.nowMs);
  if (session.startedAtMs !== undefined) checkClaimedStart(measurement, session.startedAtMs);
  const capped = measurement.verification === 'verified' ? measurement : withinUnsignedCap(session, measurement, tx.nowMs);
  // The charger's word on when charging ended prices the rest as parking, if it lies between the readings.
  const chargingEndMs = parkingFrom({ ...capped, ...(req.chargingEndMs === undefined ? {} : { chargingEndMs: req.chargingEndMs }) });
  const billed = chargingEndMs === undefined ? capped : { ...capped, chargingEndMs };
  return { measurement, billed, price: priced(session, billed), ...(signed === undefined ? {} : { signed }) };
}

/**
 * Ends a session the ledger will not settle: the hold is removed whole, the driver charged nothing, and the
 * refusal kept on the session, on a line of no amount in the driver's history (`session-refused`) and in the
 * event, so that the CSMS, the operator and the driver learn why. The records are not claimed.
 */
async function recordRefusal(tx: Tx, session: SessionRecord, req: CloseSessionRequest, requestHash: string, inputs: CloseInputs, refusal: SettlementRefusal): Promise<RefusedSettlement> {
  await removeHold(tx, { accountId: session.driverAccountId, holdId: session.sessionId });
  await touchDriver(tx, await loadAccount(tx, session.driverAccountId));
  await note(tx, session.driverAccountId, 'session-refused', session.sessionId, inputs.entry);
  const refused: SessionRecord = {
    ...session,
    status: 'refused',
    refusal: { ...refusal, txId: tx.txId, refusedAtMs: tx.nowMs },
    settledBy: { eventId: req.eventId, requestHash },
  };
  await tx.put(sessionKey(tx, session.sessionId), refused);
  tx.emit('SessionRefused', { sessionId: session.sessionId, stationId: session.stationId, driverAccountId: session.driverAccountId, code: refusal.code, reason: refusal.reason, released: session.holdAmount });
  return refusedSettlementOf(refused);
}

function refusedSettlementOf(session: SessionRecord): RefusedSettlement {
  const recorded = session.refusal;
  if (recorded === undefined) throw new Error(`session ${session.sessionId} has no refusal`);
  return {
    sessionId: session.sessionId,
    stationId: session.stationId,
    driverAccountId: session.driverAccountId,
    currency: session.currency,
    refusal: { code: recorded.code, reason: recorded.reason },
    holdAmount: session.holdAmount,
    released: session.holdAmount,
    txId: recorded.txId,
    refusedAtMs: recorded.refusedAtMs,
  };
}

/**
 * Settles an open session from its assessed evidence: cost = price(frozen tariff, evidence), capped at the
 * hold. The records are claimed, the driver is debited the cost, the payee credited the same amount (a blind
 * write of a new entry key, so concurrent settlements at one station never conflict), and the hold is
 * removed, releasing the rest.
 */
async function settle(tx: Tx, session: SessionRecord, req: CloseSessionRequest, requestHash: string, inputs: CloseInputs, assessed: Assessed): Promise<Receipt> {
  const { measurement, billed, price } = assessed;
  if (assessed.signed !== undefined) await claimEvidence(tx, assessed.signed);
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
    ...(billed.chargingEndMs === undefined ? {} : { chargingEndMs: billed.chargingEndMs }),
    tariffId: session.tariff.tariffId,
    tariffVersion: session.tariff.version,
    lineItems: price.lineItems,
    priceLimit: price.priceLimit,
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
