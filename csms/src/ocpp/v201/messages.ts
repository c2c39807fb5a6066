/** OCPP 2.0.1 payloads the CSMS handles, typed; validated by ocpp-rpc's strict mode before handlers run. */
export interface IdToken {
  idToken: string;
  type: string;
}

export interface IdTokenInfo {
  status: 'Accepted' | 'Blocked' | 'ConcurrentTx' | 'Expired' | 'Invalid' | 'NoCredit' | 'NotAllowedTypeEVSE' | 'NotAtThisLocation' | 'NotAtThisTime' | 'Unknown';
}

export interface SignedMeterValue {
  signedMeterData: string;
  signingMethod: string;
  encodingMethod: string;
  publicKey: string;
}

export interface SampledValue {
  value: number;
  context?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  signedMeterValue?: SignedMeterValue;
  unitOfMeasure?: { unit?: string; multiplier?: number };
}

export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

export interface TransactionEventRequest {
  eventType: 'Started' | 'Updated' | 'Ended';
  timestamp: string;
  triggerReason: string;
  seqNo: number;
  offline?: boolean;
  transactionInfo: { transactionId: string; chargingState?: string; stoppedReason?: string; remoteStartId?: number };
  idToken?: IdToken;
  evse?: { id: number; connectorId?: number };
  meterValue?: MeterValue[];
}

export interface ChargerRequests201 {
  BootNotification: { reason: string; chargingStation: { model: string; vendorName: string; serialNumber?: string; firmwareVersion?: string } };
  Heartbeat: Record<string, never>;
  StatusNotification: { timestamp: string; connectorStatus: string; evseId: number; connectorId: number };
  Authorize: { idToken: IdToken };
  TransactionEvent: TransactionEventRequest;
  MeterValues: { evseId: number; meterValue: MeterValue[] };
  DataTransfer: { vendorId: string; messageId?: string; data?: unknown };
  FirmwareStatusNotification: { status: string; requestId?: number };
  LogStatusNotification: { status: string; requestId?: number };
  NotifyEvent: { generatedAt: string; seqNo: number; tbc?: boolean; eventData: unknown[] };
}

export interface ChargerResponses201 {
  BootNotification: { currentTime: string; interval: number; status: 'Accepted' | 'Pending' | 'Rejected' };
  Heartbeat: { currentTime: string };
  StatusNotification: Record<string, never>;
  Authorize: { idTokenInfo: IdTokenInfo };
  TransactionEvent: { idTokenInfo?: IdTokenInfo };
  MeterValues: Record<string, never>;
  DataTransfer: { status: 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId' };
  FirmwareStatusNotification: Record<string, never>;
  LogStatusNotification: Record<string, never>;
  NotifyEvent: Record<string, never>;
}

export type ChargerAction201 = keyof ChargerRequests201;
