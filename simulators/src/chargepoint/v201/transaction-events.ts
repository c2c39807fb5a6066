import type { ConnectorStatus, StartTrigger, StopReason, Transaction } from '../core/types';
import { isoTime } from '../signed-meter-value';
import type { MeterValueType, TransactionEventRequest } from './actions';

type TriggerReason = TransactionEventRequest['triggerReason'];
type ChargingState = NonNullable<TransactionEventRequest['transactionInfo']['chargingState']>;
type StoppedReason = NonNullable<TransactionEventRequest['transactionInfo']['stoppedReason']>;

export interface TransactionEventFields {
  readonly eventType: TransactionEventRequest['eventType'];
  /** A protocol-free cause, mapped here; or a 2.0.1 trigger reason as is. */
  readonly triggerReason: StartTrigger | StopReason | TriggerReason;
  readonly timestampMs: number;
  readonly chargingState?: ChargingState;
  readonly stoppedReason?: StopReason;
  readonly meterValue?: MeterValueType[];
}

const STOP_TRIGGER: Record<StopReason, TriggerReason> = {
  Local: 'StopAuthorized',
  Remote: 'RemoteStop',
  EVDisconnected: 'EVDeparted',
  DeAuthorized: 'Deauthorized',
  HardReset: 'ResetCommand',
  SoftReset: 'ResetCommand',
  UnlockCommand: 'UnlockCommand',
  PowerLoss: 'AbnormalCondition',
  EmergencyStop: 'AbnormalCondition',
  Other: 'AbnormalCondition',
};

const STOPPED_REASON: Record<StopReason, StoppedReason> = {
  Local: 'Local',
  Remote: 'Remote',
  EVDisconnected: 'EVDisconnected',
  DeAuthorized: 'DeAuthorized',
  HardReset: 'ImmediateReset',
  SoftReset: 'ImmediateReset',
  UnlockCommand: 'Other',
  PowerLoss: 'PowerLoss',
  EmergencyStop: 'EmergencyStop',
  Other: 'Other',
};

function triggerReason(cause: TransactionEventFields['triggerReason']): TriggerReason {
  return cause in STOP_TRIGGER ? STOP_TRIGGER[cause as StopReason] : (cause as TriggerReason);
}

/** 2.0.1 folds the session states into Occupied. */
export function connectorStatusOf(status: ConnectorStatus): 'Available' | 'Occupied' | 'Unavailable' | 'Faulted' {
  if (status === 'Available' || status === 'Unavailable' || status === 'Faulted') return status;
  return 'Occupied';
}

/** The transaction's charging state for a connector status; undefined outside a transaction. */
export function chargingStateOf(status: ConnectorStatus): ChargingState | undefined {
  switch (status) {
    case 'Charging':
    case 'SuspendedEV':
    case 'SuspendedEVSE':
      return status;
    default:
      return undefined;
  }
}

/** Started carries the EVSE, the token and the remote start id; every event carries the transaction id. */
export function transactionEvent(transaction: Transaction, fields: TransactionEventFields, seqNo: number, offline: boolean): TransactionEventRequest {
  const started = fields.eventType === 'Started';
  return {
    eventType: fields.eventType,
    timestamp: isoTime(fields.timestampMs),
    triggerReason: triggerReason(fields.triggerReason),
    seqNo,
    ...(offline ? { offline: true } : {}),
    transactionInfo: {
      transactionId: transaction.id,
      ...(fields.chargingState === undefined ? {} : { chargingState: fields.chargingState }),
      ...(fields.stoppedReason === undefined ? {} : { stoppedReason: STOPPED_REASON[fields.stoppedReason] }),
      ...(started && transaction.remoteStartId !== undefined ? { remoteStartId: transaction.remoteStartId } : {}),
    },
    ...(started
      ? { evse: { id: transaction.evseId, connectorId: transaction.connectorId }, idToken: { idToken: transaction.token.value, type: transaction.token.type } }
      : {}),
    ...(fields.meterValue === undefined ? {} : { meterValue: fields.meterValue }),
  };
}
