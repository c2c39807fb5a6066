import type { RequestsOf, ResponsesOf, V16, V16Actions } from '@chargeledger/ocpp-types';

/**
 * The OCPP 1.6J actions a charger calls and the CSMS answers, typed by the generated schema types. ocpp-rpc's
 * strict mode validates every frame against the same schemas before a handler sees it.
 */
export type ChargerAction16 =
  | 'BootNotification'
  | 'Heartbeat'
  | 'StatusNotification'
  | 'Authorize'
  | 'StartTransaction'
  | 'MeterValues'
  | 'StopTransaction'
  | 'DataTransfer'
  | 'FirmwareStatusNotification'
  | 'DiagnosticsStatusNotification';

export type ChargerRequests16 = RequestsOf<V16Actions, ChargerAction16>;
export type ChargerResponses16 = ResponsesOf<V16Actions, ChargerAction16>;

export type IdTagInfo = V16.AuthorizeResponse['idTagInfo'];
export type MeterValue16 = V16.MeterValuesRequest['meterValue'][number];
export type SampledValue16 = MeterValue16['sampledValue'][number];
