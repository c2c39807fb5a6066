import type { RouteTable } from '../context';
import { dataTransfer, firmwareStatusNotification, uploadStatusNotification } from '../station-notices';
import { authorize, heartbeat, notifyEvent, statusNotification } from './basic';
import { bootNotification } from './boot-notification';
import type { ChargerRequests201, ChargerResponses201 } from './messages';
import { meterValues } from './meter-values';
import { transactionEvent } from './transaction-event';

/** Every charger-initiated OCPP 2.0.1 action the CSMS answers; any other action is NotImplemented. */
export const routes201: RouteTable<ChargerRequests201, ChargerResponses201> = {
  BootNotification: bootNotification,
  Heartbeat: heartbeat,
  StatusNotification: statusNotification,
  Authorize: authorize,
  TransactionEvent: transactionEvent,
  MeterValues: meterValues,
  DataTransfer: dataTransfer,
  FirmwareStatusNotification: firmwareStatusNotification,
  LogStatusNotification: uploadStatusNotification,
  NotifyEvent: notifyEvent,
};
