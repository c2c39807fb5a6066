/**
 * OCPP 1.6J payloads the CSMS handles, typed. ocpp-rpc's strict mode validates every frame against the
 * official JSON schemas before a handler sees it, so these types describe already-validated data.
 */
export interface IdTagInfo {
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  expiryDate?: string;
  parentIdTag?: string;
}

export interface SampledValue {
  value: string;
  context?: string;
  format?: 'Raw' | 'SignedData';
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}

export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

export interface ChargerRequests16 {
  BootNotification: { chargePointVendor: string; chargePointModel: string; chargePointSerialNumber?: string; firmwareVersion?: string };
  Heartbeat: Record<string, never>;
  StatusNotification: { connectorId: number; errorCode: string; status: string; timestamp?: string; info?: string };
  Authorize: { idTag: string };
  StartTransaction: { connectorId: number; idTag: string; meterStart: number; timestamp: string; reservationId?: number };
  MeterValues: { connectorId: number; transactionId?: number; meterValue: MeterValue[] };
  StopTransaction: { transactionId: number; meterStop: number; timestamp: string; idTag?: string; reason?: string; transactionData?: MeterValue[] };
  DataTransfer: { vendorId: string; messageId?: string; data?: string };
  FirmwareStatusNotification: { status: string };
  DiagnosticsStatusNotification: { status: string };
}

export interface ChargerResponses16 {
  BootNotification: { status: 'Accepted' | 'Pending' | 'Rejected'; currentTime: string; interval: number };
  Heartbeat: { currentTime: string };
  StatusNotification: Record<string, never>;
  Authorize: { idTagInfo: IdTagInfo };
  StartTransaction: { transactionId: number; idTagInfo: IdTagInfo };
  MeterValues: Record<string, never>;
  StopTransaction: { idTagInfo?: IdTagInfo };
  DataTransfer: { status: 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId'; data?: string };
  FirmwareStatusNotification: Record<string, never>;
  DiagnosticsStatusNotification: Record<string, never>;
}

export type ChargerAction16 = keyof ChargerRequests16;
