import type { V16Actions } from '@chargeledger/ocpp-types';

/** Calls a 1.6 charge point makes. */
export type V16Outbound = Pick<
  V16Actions,
  | 'Authorize'
  | 'BootNotification'
  | 'DiagnosticsStatusNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'MeterValues'
  | 'StartTransaction'
  | 'StatusNotification'
  | 'StopTransaction'
>;

/** Calls a 1.6 charge point answers; anything else gets ocpp-rpc's NotImplemented. */
export type V16Inbound = Pick<
  V16Actions,
  | 'ChangeAvailability'
  | 'ChangeConfiguration'
  | 'ClearChargingProfile'
  | 'DataTransfer'
  | 'GetConfiguration'
  | 'GetLocalListVersion'
  | 'RemoteStartTransaction'
  | 'RemoteStopTransaction'
  | 'Reset'
  | 'SendLocalList'
  | 'SetChargingProfile'
  | 'TriggerMessage'
  | 'UnlockConnector'
>;

export type V16MeterValue = V16Actions['MeterValues']['request']['meterValue'][number];
export type V16SampledValue = V16MeterValue['sampledValue'][number];
export type V16ChargingProfile = V16Actions['SetChargingProfile']['request']['csChargingProfiles'];
export type V16SendLocalList = V16Actions['SendLocalList']['request'];
