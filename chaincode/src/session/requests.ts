import { idempotent, member, request } from '../core/request-shape';
import type { RequestShapes } from '../core/request-shapes';
import { MAX_SETTLEMENTS_PER_TRANSACTION } from './close-batch';
import { MAX_OPENS_PER_TRANSACTION } from './open-batch';

const MAX_AMOUNT = 100_000_000_00;
const MAX_REGISTER_WH = Number.MAX_SAFE_INTEGER;
const { id, int, optional } = member;

/** Signed OCMF records (in the transient map), or unsigned readings the Authority allowed (ADR 0013). */
const EVIDENCE = member.tagged('kind', {
  ocmf: {},
  unsigned: { startTimeMs: int(0), endTimeMs: int(0), startRegisterWh: int(0, MAX_REGISTER_WH), endRegisterWh: int(0, MAX_REGISTER_WH) },
});
const OPEN = {
  sessionId: id(),
  stationId: id(),
  evseId: id(),
  connectorId: id(),
  driverAccountId: id(),
  tokenRef: id(),
  maxHold: optional(int(1, MAX_AMOUNT)),
  startedAtMs: optional(int(0)),
};
const SETTLEMENT = { eventId: id(), sessionId: id(), evidence: EVIDENCE, chargingEndMs: optional(int(0)) };

/** What each Session transaction accepts: read by the contract, published by GetMetadata. */
export const SESSION_REQUESTS = {
  'Session:openSession': idempotent(OPEN),
  'Session:openSessions': request({ opens: member.arrayOf(1, MAX_OPENS_PER_TRANSACTION, { eventId: id(), ...OPEN }) }),
  'Session:recordProgress': idempotent({ sessionId: id(), energyWh: int(0, MAX_REGISTER_WH) }),
  'Session:closeSession': request(SETTLEMENT),
  'Session:closeSessions': request({ settlements: member.arrayOf(1, MAX_SETTLEMENTS_PER_TRANSACTION, SETTLEMENT) }),
  'Session:abandonSession': idempotent({ sessionId: id() }),
  'Session:authorizeIdToken': request({ stationId: id() }),
  'Session:getSession': request({ sessionId: id() }),
  'Session:getReceipt': request({ sessionId: id() }),
} as const satisfies Partial<RequestShapes>;
