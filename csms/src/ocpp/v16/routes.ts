import type { RouteTable } from '../context';
import { dataTransfer, firmwareStatusNotification, uploadStatusNotification } from '../station-notices';
import { authorize } from './authorize';
import { bootNotification } from './boot-notification';
import { heartbeat } from './heartbeat';
import type { ChargerRequests16, ChargerResponses16 } from './messages';
import { meterValues } from './meter-values';
import { startTransaction } from './start-transaction';
import { statusNotification } from './status-notification';
import { stopTransaction } from './stop-transaction';

/** Every charger-initiated OCPP 1.6 action the CSMS answers; any other action is NotImplemented. */
export const routes16: RouteTable<ChargerRequests16, ChargerResponses16> = {
  BootNotification: bootNotification,
  Heartbeat: heartbeat,
  StatusNotification: statusNotification,
  Authorize: authorize,
  StartTransaction: startTransaction,
  MeterValues: meterValues,
  StopTransaction: stopTransaction,
  DataTransfer: dataTransfer,
  FirmwareStatusNotification: firmwareStatusNotification,
  DiagnosticsStatusNotification: uploadStatusNotification,
};
