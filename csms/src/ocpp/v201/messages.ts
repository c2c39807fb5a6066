import type { RequestsOf, ResponsesOf, V201, V201Actions } from '@chargeledger/ocpp-types';

/**
 * The OCPP 2.0.1 actions a charging station calls and the CSMS answers, typed by the generated schema types;
 * ocpp-rpc's strict mode validates every frame against the same schemas before a handler sees it.
 */
export type ChargerAction201 =
  | 'BootNotification'
  | 'Heartbeat'
  | 'StatusNotification'
  | 'Authorize'
  | 'TransactionEvent'
  | 'MeterValues'
  | 'DataTransfer'
  | 'FirmwareStatusNotification'
  | 'LogStatusNotification'
  | 'NotifyEvent';

export type ChargerRequests201 = RequestsOf<V201Actions, ChargerAction201>;
export type ChargerResponses201 = ResponsesOf<V201Actions, ChargerAction201>;

export type IdTokenInfo = V201.IdTokenInfoType;
export type SampledValue201 = V201.SampledValueType;
