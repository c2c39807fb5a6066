import { MAX_OPEN_DELAY_MS, type Account, type OpenSessionRequest, type OpenSessionResult, type Station } from '../api';
import { peersOf } from '../core/access';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import { tariffInForceAt } from '../tariffs/tariffs';
import { keyInForceAt, meterAt } from '../registry/meters';
import { termsInForce } from '../registry/unsigned';
import { activeAccount, fundsOf, placeHold, touchDriver, type Funds } from '../wallet/accounts';
import { verifyTokenProof } from '../wallet/tokens';
import { MAX_CLOCK_SKEW_MS } from './evidence';
import { sessionKey, type FrozenMeter, type SessionRecord } from './records';

/**
 * Opens a session: proves the driver's token was presented, freezes the tariff version and meter key in
 * force at the session's start and the station's policy, and holds min(session limit, maxHold, available)
 * on the driver's account. A hold below the station's minimum is a committed refusal (event HoldRefused),
 * so the CSMS gets a definite answer from the ledger. `tokenProof` reads the proof Wallets derived from the
 * token (the transient map's `tokenProof`, or an open's entry of `tokenProofsByEvent` in a batch).
 */
export async function openSession(tx: Tx, operatorId: string, req: OpenSessionRequest, tokenProof: () => string): Promise<OpenSessionResult> {
  const claimedStartMs = claimedStart(tx, req.startedAtMs);
  const key = sessionKey(tx, req.sessionId);
  if ((await tx.get<SessionRecord>(key)) !== undefined) refuse('ALREADY_EXISTS', `session ${req.sessionId} exists`);
  const station = await tx.must<Station>(tx.key(KEY.station, req.stationId), `station ${req.stationId}`);
  if (station.operatorId !== operatorId) refuse('ACCESS_DENIED', `station ${req.stationId} belongs to another operator`);
  const evse = station.evses.find((candidate) => candidate.evseId === req.evseId) ?? refuse('NOT_FOUND', `EVSE ${req.evseId} is not at ${req.stationId}`);
  if (!evse.connectors.some((connector) => connector.connectorId === req.connectorId)) refuse('NOT_FOUND', `connector ${req.connectorId} is not at EVSE ${req.evseId}`);

  await verifyTokenProof(tx, req.driverAccountId, req.tokenRef, tokenProof);
  const driver = await activeAccount(tx, req.driverAccountId);
  if (driver.kind !== 'driver') refuse('BAD_REQUEST', `${req.driverAccountId} is not a driver account`);
  if (station.tariffId === undefined) refuse('INVALID_STATE', `station ${req.stationId} has no tariff`);
  const startMs = claimedStartMs ?? tx.nowMs;
  const tariff = (await tariffInForceAt(tx, station.tariffId, startMs)) ?? refuse('NOT_FOUND', `tariff ${station.tariffId} has no version published by the session's start`);
  if (tariff.currency !== driver.currency) refuse('CURRENCY_MISMATCH', `the tariff is in ${tariff.currency}, the account in ${driver.currency}`);

  const meter = await meterAt(tx, { kind: 'evse', stationId: req.stationId, evseId: req.evseId });
  const meterKey = meter === undefined ? undefined : keyInForceAt(meter, startMs);
  const frozenMeter: FrozenMeter | undefined =
    meter === undefined || meterKey === undefined ? undefined : { meterSerial: meter.meterSerial, keyId: meterKey.keyId, publicKey: meterKey.publicKey };

  const { holdAmount, refusedReason } = holdFor(driver, await fundsOf(tx, driver), station, req.maxHold);

  const session: SessionRecord = {
    sessionId: req.sessionId,
    status: refusedReason === undefined ? 'open' : 'refused',
    stationId: req.stationId,
    operatorId,
    evseId: req.evseId,
    connectorId: req.connectorId,
    driverAccountId: req.driverAccountId,
    payeeAccountId: station.payeeAccountId,
    currency: driver.currency,
    holdAmount: refusedReason === undefined ? holdAmount : 0,
    tariff,
    meter: frozenMeter,
    policy: station.policy,
    unsignedMeterData: await termsInForce(tx, req.stationId),
    startedAtMs: claimedStartMs,
    openedAtMs: tx.nowMs,
    openedTxId: tx.txId,
    progressSeq: 0,
    lastProgressWh: 0,
    refusedReason,
  };
  await tx.put(key, session);
  // Closing, settling or abandoning the session rewrites it: the operator's own organization must endorse (ADR 0038).
  await tx.ctx.stub.setStateValidationParameter(key, peersOf(tx.ctx.clientIdentity.getMSPID()));
  const result = {
    sessionId: req.sessionId,
    status: session.status === 'open' ? ('opened' as const) : ('refused' as const),
    holdAmount: session.holdAmount,
    txId: tx.txId,
  };
  if (refusedReason !== undefined) {
    tx.emit('HoldRefused', { sessionId: req.sessionId, stationId: req.stationId, driverAccountId: req.driverAccountId, reason: refusedReason });
    return { ...result, refusedReason };
  }
  await placeHold(tx, req.driverAccountId, req.sessionId, holdAmount);
  await touchDriver(tx, driver);
  tx.emit('SessionOpened', {
    sessionId: req.sessionId,
    stationId: req.stationId,
    evseId: req.evseId,
    driverAccountId: req.driverAccountId,
    holdAmount,
    tariffId: tariff.tariffId,
    tariffVersion: tariff.version,
  });
  return { ...result, tariffId: tariff.tariffId, tariffVersion: tariff.version, meterSerial: frozenMeter?.meterSerial };
}

/**
 * The hold a session of this driver at this station gets: min(session limit, maxHold, available), refused
 * below the station's minimum hold. Session:authorizeIdToken answers a charger's Authorize by the same rule.
 */
export function holdFor(
  driver: Account,
  funds: Pick<Funds, 'available'>,
  station: Station,
  maxHold: number | undefined,
): { readonly holdAmount: number; readonly refusedReason: 'below-minimum-hold' | 'insufficient-funds' | undefined } {
  const ceiling = Math.min(driver.sessionLimit ?? 0, maxHold ?? Number.MAX_SAFE_INTEGER);
  const holdAmount = Math.max(0, Math.min(ceiling, funds.available));
  const { minimumHold } = station.policy;
  return { holdAmount, refusedReason: ceiling < minimumHold ? 'below-minimum-hold' : holdAmount < minimumHold ? 'insufficient-funds' : undefined };
}

/**
 * The charger's start, if it claimed one: no earlier than MAX_OPEN_DELAY_MS before the transaction, no
 * later than the clock skew after it. What a false claim could buy is bounded at close, where the first
 * reading must agree with it.
 */
function claimedStart(tx: Tx, startedAtMs: number | undefined): number | undefined {
  if (startedAtMs === undefined) return undefined;
  if (startedAtMs < tx.nowMs - MAX_OPEN_DELAY_MS) {
    refuse('SESSION_START_REJECTED', `the session started ${days(tx.nowMs - startedAtMs)} days before this open; the ledger opens a session up to ${days(MAX_OPEN_DELAY_MS)} days after its start`);
  }
  if (startedAtMs > tx.nowMs + MAX_CLOCK_SKEW_MS) {
    refuse('SESSION_START_REJECTED', `startedAtMs is ${minutes(startedAtMs - tx.nowMs)} min after the transaction timestamp; at most ${minutes(MAX_CLOCK_SKEW_MS)} min of clock skew is allowed`);
  }
  return startedAtMs;
}

const days = (ms: number): string => (ms / 86_400_000).toFixed(1);
const minutes = (ms: number): string => (ms / 60_000).toFixed(1);
