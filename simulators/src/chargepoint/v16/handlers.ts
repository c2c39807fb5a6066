import type { DisplayLine } from '../core/price-display';
import { californiaPricingLine, COST_VENDOR_ID } from './california-pricing';
import type { Clock } from '../../clock';
import type { InboundHandler } from '../../ocpp/link';
import type { TypedEmitter } from '../../typed-emitter';
import type { AdapterSignals } from '../adapter';
import type { Station } from '../core/station';
import type { V16Inbound } from './actions';
import { fromV16Profile } from './charging-profile';
import { changeConfiguration, getConfiguration, type configurationKeys } from './configuration';
import { fromV16LocalList } from './local-list';

export interface V16HandlerDeps {
  readonly station: Station;
  readonly clock: Clock;
  readonly configuration: ReturnType<typeof configurationKeys>;
  readonly signals: TypedEmitter<AdapterSignals>;
  localTransactionId(csmsId: number): string | undefined;
  csmsTransactionId(localId: string): number | undefined;
  /** Sends the current status of one connector (0: the charge point) or, undefined, of all. */
  reportStatus(connectorNumber: number | undefined): void;
  sampleNow(connectorNumber: number | undefined): void;
  sendIdleNotification(action: 'DiagnosticsStatusNotification' | 'FirmwareStatusNotification'): Promise<unknown>;
  /** The charger has a price display (StationSettings.priceDisplay). */
  readonly hasPriceDisplay: boolean;
  /** Puts a line on the driver's display (stamped with the charger's clock). */
  showPrice(line: Omit<DisplayLine, 'atMs'>): void;
}

type V16Handlers = { [A in keyof V16Inbound]: InboundHandler<V16Inbound[A]['request'], V16Inbound[A]['response']> };

/** One handler per 1.6 action the charge point answers. Handlers decide and reply; effects that must follow the reply go to afterReply. */
export function v16Handlers(deps: V16HandlerDeps): V16Handlers {
  const { station } = deps;
  const evseOf = (connectorId: number): number | undefined => (station.hasConnector(connectorId) ? station.connector(connectorId).evseId : undefined);

  return {
    ChangeAvailability: ({ connectorId, type }, { afterReply }) => {
      const evseId = connectorId === 0 ? 0 : evseOf(connectorId);
      if (evseId === undefined) return { status: 'Rejected' };
      const status = station.changeAvailability(evseId, type === 'Operative');
      if (connectorId === 0) afterReply(() => deps.reportStatus(0));
      return { status };
    },

    ChangeConfiguration: ({ key, value }) => ({ status: changeConfiguration(deps.configuration, key, value) }),

    // The OCA's California Pricing: SetUserPrice at Authorize, RunningCost while charging, FinalCost at the end.
    DataTransfer: ({ vendorId, messageId, data }) => {
      if (!deps.hasPriceDisplay || vendorId !== COST_VENDOR_ID) return { status: 'UnknownVendorId' };
      const shown = californiaPricingLine(messageId, data, (csmsId) => deps.localTransactionId(csmsId));
      if (shown === undefined) return { status: 'UnknownMessageId' };
      if (shown === 'invalid') return { status: 'Rejected' };
      deps.showPrice(shown);
      return { status: 'Accepted' };
    },

    GetConfiguration: ({ key }) => getConfiguration(deps.configuration, key),

    // 1.6 §5.10: 0 means the list is empty, -1 that the charge point does not support local lists (this one does).
    GetLocalListVersion: () => ({ listVersion: station.localList.version }),

    // NotSupported is for a charge point without the LocalAuthListManagement profile, which this one advertises.
    SendLocalList: (request) => ({ status: station.localList.apply(fromV16LocalList(request)) }),

    RemoteStartTransaction: ({ connectorId, idTag, chargingProfile }, { afterReply }) => {
      const evseId = station.remoteStartTarget(connectorId === undefined ? undefined : evseOf(connectorId) ?? -1);
      if (evseId === undefined || (chargingProfile !== undefined && chargingProfile.chargingProfilePurpose !== 'TxProfile')) return { status: 'Rejected' };
      afterReply(() => {
        if (chargingProfile !== undefined) {
          void station.events
            .next('transactionStarted', (t) => t.evseId === evseId)
            .then((t) => station.installProfile(fromV16Profile(chargingProfile, evseId, t.id)));
        }
        station.remoteStart({ value: idTag, type: 'Central' }, evseId, undefined).catch(() => undefined);
      });
      return { status: 'Accepted' };
    },

    RemoteStopTransaction: ({ transactionId }, { afterReply }) => {
      const localId = deps.localTransactionId(transactionId);
      if (localId === undefined) return { status: 'Rejected' };
      afterReply(() => void station.stopTransaction(localId, 'Remote').catch(() => undefined));
      return { status: 'Accepted' };
    },

    Reset: ({ type }, { afterReply }) => {
      afterReply(() => deps.signals.emit('reset', { kind: type }));
      return { status: 'Accepted' };
    },

    SetChargingProfile: ({ connectorId, csChargingProfiles: profile }) => {
      const evseId = connectorId === 0 ? 0 : evseOf(connectorId);
      if (evseId === undefined) return { status: 'Rejected' };
      if (profile.chargingProfilePurpose === 'ChargePointMaxProfile' && connectorId !== 0) return { status: 'Rejected' };
      let transactionId: string | undefined;
      if (profile.chargingProfilePurpose === 'TxProfile') {
        const running = connectorId === 0 ? undefined : station.connector(connectorId).transaction;
        if (running === undefined) return { status: 'Rejected' };
        if (profile.transactionId !== undefined && profile.transactionId !== deps.csmsTransactionId(running.id)) return { status: 'Rejected' };
        transactionId = running.id;
      }
      station.installProfile(fromV16Profile(profile, evseId, transactionId));
      return { status: 'Accepted' };
    },

    ClearChargingProfile: ({ id, connectorId, chargingProfilePurpose, stackLevel }) => {
      const evseId = connectorId === undefined || connectorId === 0 ? connectorId : evseOf(connectorId);
      const purpose = chargingProfilePurpose === undefined ? undefined : ({ ChargePointMaxProfile: 'StationMax', TxDefaultProfile: 'TxDefault', TxProfile: 'Tx' } as const)[chargingProfilePurpose];
      const removed = station.clearProfiles({
        ...(id === undefined ? {} : { id }),
        ...(evseId === undefined ? {} : { evseId }),
        ...(purpose === undefined ? {} : { purpose }),
        ...(stackLevel === undefined ? {} : { stackLevel }),
      });
      return { status: removed > 0 ? 'Accepted' : 'Unknown' };
    },

    TriggerMessage: ({ requestedMessage, connectorId }, { afterReply }) => {
      if (connectorId !== undefined && connectorId !== 0 && !station.hasConnector(connectorId)) return { status: 'Rejected' };
      const connector = connectorId === 0 ? undefined : connectorId;
      const follow: Record<typeof requestedMessage, (() => void) | undefined> = {
        BootNotification: () => deps.signals.emit('triggerBoot', {}),
        Heartbeat: () => deps.signals.emit('triggerHeartbeat', {}),
        StatusNotification: () => deps.reportStatus(connectorId),
        MeterValues: () => deps.sampleNow(connector),
        DiagnosticsStatusNotification: () => void deps.sendIdleNotification('DiagnosticsStatusNotification'),
        FirmwareStatusNotification: () => void deps.sendIdleNotification('FirmwareStatusNotification'),
      };
      const task = follow[requestedMessage];
      if (task === undefined) return { status: 'NotImplemented' };
      afterReply(task);
      return { status: 'Accepted' };
    },

    UnlockConnector: ({ connectorId }) => {
      if (!station.hasConnector(connectorId)) return { status: 'NotSupported' };
      if (station.connector(connectorId).transaction !== undefined) station.stop('UnlockCommand', connectorId).catch(() => undefined);
      return { status: 'Unlocked' };
    },
  };
}
