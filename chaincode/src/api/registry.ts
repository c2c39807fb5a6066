import type { Idempotent } from './common';

/** Stations, EVs, meters and tariffs. */

export type ConnectorType =
  | 'IEC_62196_T1'
  | 'IEC_62196_T2'
  | 'IEC_62196_T2_COMBO'
  | 'IEC_62196_T1_COMBO'
  | 'CHADEMO'
  | 'DOMESTIC_F'
  | 'TESLA_S';

export interface Connector {
  readonly connectorId: string;
  readonly type: ConnectorType;
  readonly maxPowerW: number;
}
export interface Evse {
  readonly evseId: string;
  readonly connectors: readonly Connector[];
}
export interface StationPolicy {
  /** Whether sessions may be settled from meter data that carries no signature (receipt `unverified`). */
  readonly acceptUnsignedMeterData: boolean;
  /** The smallest hold worth opening a session for. */
  readonly minimumHold: number;
}
export interface Station {
  readonly stationId: string;
  readonly operatorId: string;
  /** Operator account credited with this station's sessions. */
  readonly payeeAccountId: string;
  readonly latMicroDeg: number;
  readonly lonMicroDeg: number;
  readonly evses: readonly Evse[];
  readonly policy: StationPolicy;
  /** Tariff for new sessions: the version in force at a session's start applies. */
  readonly tariffId?: string;
}
export interface RegisterStationRequest extends Idempotent, Omit<Station, 'operatorId'> {}
export interface UpdateStationRequest extends Idempotent {
  readonly stationId: string;
  readonly evses?: readonly Evse[];
  readonly policy?: StationPolicy;
  readonly tariffId?: string;
  readonly payeeAccountId?: string;
}
export interface StationQuery {
  readonly stationId: string;
}
export interface NearQuery {
  readonly latMicroDeg: number;
  readonly lonMicroDeg: number;
  readonly radiusM: number;
}
export interface NearResult {
  readonly stations: readonly (Station & { readonly distanceM: number })[];
}

export interface Ev {
  readonly evId: string;
  readonly ownerAccountId: string;
  readonly batteryCapacityWh: number;
}
export interface RegisterEvRequest extends Idempotent, Ev {}

export type MeterBinding =
  | { readonly kind: 'evse'; readonly stationId: string; readonly evseId: string }
  | { readonly kind: 'export-point'; readonly prosumerId: string; readonly exportPointId: string };

export interface MeterKey {
  readonly keyId: string;
  /** SPKI DER, hex or base64, as the meter manufacturer publishes it. */
  readonly publicKey: string;
  readonly status: 'current' | 'retired' | 'revoked';
  readonly registeredAtMs: number;
  readonly revokedAtMs?: number;
}
export interface Meter {
  readonly meterSerial: string;
  readonly binding: MeterBinding;
  readonly keys: readonly MeterKey[];
}
export interface RegisterMeterRequest extends Idempotent {
  readonly meterSerial: string;
  readonly binding: MeterBinding;
  readonly keyId: string;
  readonly publicKey: string;
}
export interface RotateMeterKeyRequest extends Idempotent {
  readonly meterSerial: string;
  readonly keyId: string;
  readonly publicKey: string;
}
export interface RevokeMeterKeyRequest extends Idempotent {
  readonly meterSerial: string;
  readonly keyId: string;
}
export interface MeterQuery {
  readonly meterSerial: string;
}

export interface PublishTariffRequest extends Idempotent {
  /**
   * Input to validateTariff (see chaincode/src/tariff): carries its own `id` and `version`. The first
   * version of an id makes the caller's operator its owner; each later version must be the next integer.
   */
  readonly tariff: unknown;
}
export interface TariffRecord {
  readonly tariffId: string;
  readonly version: number;
  readonly operatorId: string;
  readonly currency: string;
  /** The validated tariff, as validateTariff returned it. */
  readonly tariff: unknown;
  readonly publishedAtMs: number;
  readonly txId: string;
}
export interface TariffQuery {
  readonly tariffId: string;
  /** Latest when absent. */
  readonly version?: number;
}
