import type { V201, V201Actions } from '@chargeledger/ocpp-types';

export type ChargingProfileType = V201.ChargingProfileType;
export type MeterValueType = V201.MeterValueType;
export type SampledValueType = V201.SampledValueType;
export type SendLocalListRequest = V201.SendLocalListRequest;
export type TransactionEventRequest = V201.TransactionEventRequest;

/** Calls a 2.0.1 charging station makes. */
export type V201Outbound = Pick<
  V201Actions,
  | 'Authorize'
  | 'BootNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'LogStatusNotification'
  | 'MeterValues'
  | 'StatusNotification'
  | 'TransactionEvent'
>;

/** Calls a 2.0.1 charging station answers; anything else gets ocpp-rpc's NotImplemented. */
export type V201Inbound = Pick<
  V201Actions,
  | 'ChangeAvailability'
  | 'ClearChargingProfile'
  | 'CostUpdated'
  | 'GetLocalListVersion'
  | 'GetTransactionStatus'
  | 'GetVariables'
  | 'RequestStartTransaction'
  | 'RequestStopTransaction'
  | 'Reset'
  | 'SendLocalList'
  | 'SetChargingProfile'
  | 'SetDisplayMessage'
  | 'SetVariables'
  | 'TriggerMessage'
  | 'UnlockConnector'
>;
