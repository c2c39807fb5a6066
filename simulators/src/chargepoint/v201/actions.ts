import type { V201Actions } from '../../ocpp/generated/v201';

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
  | 'GetLocalListVersion'
  | 'GetTransactionStatus'
  | 'GetVariables'
  | 'RequestStartTransaction'
  | 'RequestStopTransaction'
  | 'Reset'
  | 'SendLocalList'
  | 'SetChargingProfile'
  | 'SetVariables'
  | 'TriggerMessage'
  | 'UnlockConnector'
>;

export type { ChargingProfileType, MeterValueType, SampledValueType, SendLocalListRequest, TransactionEventRequest } from '../../ocpp/generated/v201';
