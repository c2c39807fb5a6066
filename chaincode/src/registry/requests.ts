import { idempotent, member, request } from '../core/request-shape';
import type { RequestShapes } from '../core/request-shapes';
import { METER_BINDING, PUBLIC_KEY } from './meters';
import { EVSES, STATION_POLICY } from './stations';

const { id, int, optional } = member;
const latMicroDeg = int(-90_000_000, 90_000_000);
const lonMicroDeg = int(-180_000_000, 180_000_000);

/** What each Registry transaction accepts: read by the contract, published by GetMetadata. */
export const REGISTRY_REQUESTS = {
  'Registry:admitOperator': idempotent({ operatorId: id(), mspId: id() }),
  'Registry:getOperator': request({ operatorId: id() }),
  'Registry:registerStation': idempotent({ stationId: id(), payeeAccountId: id(), latMicroDeg, lonMicroDeg, evses: EVSES, policy: STATION_POLICY, tariffId: optional(id()) }),
  'Registry:updateStation': idempotent({ stationId: id(), evses: optional(EVSES), policy: optional(STATION_POLICY), tariffId: optional(id()), payeeAccountId: optional(id()) }),
  'Registry:registerEv': idempotent({ evId: id(), ownerAccountId: id(), batteryCapacityWh: int(1, 10_000_000) }),
  'Registry:registerMeter': idempotent({ meterSerial: id(), binding: METER_BINDING, keyId: id(), publicKey: PUBLIC_KEY }),
  'Registry:rotateMeterKey': idempotent({ meterSerial: id(), keyId: id(), publicKey: PUBLIC_KEY }),
  'Registry:revokeMeterKey': idempotent({ meterSerial: id(), keyId: id() }),
  'Registry:allowUnsignedMeterData': idempotent({ stationId: id(), validUntilMs: int(0), maxEnergyWh: int(1, 1_000_000), maxPowerW: int(1, 1_000_000) }),
  'Registry:revokeUnsignedMeterData': idempotent({ stationId: id() }),
  'Registry:getStation': request({ stationId: id() }),
  'Registry:findStationsNear': request({ latMicroDeg, lonMicroDeg, radiusM: int(1, 25_000) }),
  'Registry:getMeter': request({ meterSerial: id() }),
} as const satisfies Partial<RequestShapes>;
