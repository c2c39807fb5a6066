import { costText, DISPLAY_CURRENCY, type DisplayLine } from '../core/price-display';
import type { InboundHandler } from '../../ocpp/link';
import type { TypedEmitter } from '../../typed-emitter';
import type { AdapterSignals } from '../adapter';
import type { Station } from '../core/station';
import type { IdToken } from '../core/types';
import type { V201Inbound } from './actions';
import { fromV201Profile } from './charging-profile';
import { getVariable, setVariable, type deviceModel } from './device-model';
import { fromV201LocalList } from './local-list';

export interface V201HandlerDeps {
  readonly station: Station;
  readonly deviceModel: ReturnType<typeof deviceModel>;
  readonly signals: TypedEmitter<AdapterSignals>;
  /** Messages still waiting in the outbox. */
  queuedMessages(): number;
  /** Sends the current status of the matching connectors now. */
  reportStatus(evseId: number | undefined, connectorId: number | undefined): void;
  /** TransactionEvent (running transactions) or MeterValues (idle EVSEs) with trigger reason Trigger. */
  sampleNow(evseId: number | undefined, asTransactionEvent: boolean): void;
  sendIdleNotification(action: 'FirmwareStatusNotification' | 'LogStatusNotification'): Promise<unknown>;
  /** The charger has a price display (StationSettings.priceDisplay). */
  readonly hasPriceDisplay: boolean;
  /** Puts a line on the driver's display (stamped with the charger's clock). */
  showPrice(line: Omit<DisplayLine, 'atMs'>): void;
}

type V201Handlers = { [A in keyof V201Inbound]: InboundHandler<V201Inbound[A]['request'], V201Inbound[A]['response']> };

/** One handler per 2.0.1 action the station answers. Handlers decide and reply; effects that must follow the reply go to afterReply. */
export function v201Handlers(deps: V201HandlerDeps): V201Handlers {
  const { station } = deps;
  const hasEvse = (evseId: number): boolean => station.evseIds.includes(evseId);
  let resetWhenIdle = false;
  station.events.on('transactionEnded', () => {
    if (!resetWhenIdle || station.transactions().length > 0) return;
    resetWhenIdle = false;
    deps.signals.emit('reset', { kind: 'Immediate' });
  });

  return {
    ChangeAvailability: ({ operationalStatus, evse }) => {
      if (evse !== undefined && evse.id !== 0 && !hasEvse(evse.id)) return { status: 'Rejected' };
      return { status: station.changeAvailability(evse?.id, operationalStatus === 'Operative') };
    },

    // I05: the CSMS's final word on a transaction's cost replaces whatever the display showed.
    CostUpdated: ({ totalCost, transactionId }) => {
      if (!deps.hasPriceDisplay) return {};
      deps.showPrice({ kind: 'final-cost', text: costText(totalCost, DISPLAY_CURRENCY), cost: totalCost, currency: DISPLAY_CURRENCY, transactionId });
      return {};
    },

    SetDisplayMessage: ({ message }) => {
      if (!deps.hasPriceDisplay) return { status: 'NotSupportedMessageFormat' };
      deps.showPrice({ kind: 'message', text: message.message.content, ...(message.transactionId === undefined ? {} : { transactionId: message.transactionId }) });
      return { status: 'Accepted' };
    },

    GetVariables: ({ getVariableData }) => ({ getVariableResult: getVariableData.map((data) => getVariable(deps.deviceModel, data)) }),

    SetVariables: ({ setVariableData }) => ({ setVariableResult: setVariableData.map((data) => setVariable(deps.deviceModel, data)) }),

    RequestStartTransaction: ({ evseId, remoteStartId, idToken, chargingProfile }, { afterReply }) => {
      const target = station.remoteStartTarget(evseId);
      if (target === undefined || (chargingProfile !== undefined && chargingProfile.chargingProfilePurpose !== 'TxProfile')) return { status: 'Rejected' };
      const token: IdToken = { value: idToken.idToken, type: idToken.type };
      afterReply(() => {
        if (chargingProfile !== undefined) {
          void station.events.next('transactionStarted', (t) => t.evseId === target).then((t) => {
            const profile = fromV201Profile({ ...chargingProfile, transactionId: t.id }, target);
            if (profile !== undefined) station.installProfile(profile);
          });
        }
        station.remoteStart(token, target, remoteStartId).catch(() => undefined);
      });
      return { status: 'Accepted' };
    },

    RequestStopTransaction: ({ transactionId }, { afterReply }) => {
      if (!station.transactions().some((t) => t.id === transactionId)) return { status: 'Rejected' };
      afterReply(() => void station.stopTransaction(transactionId, 'Remote').catch(() => undefined));
      return { status: 'Accepted' };
    },

    // D01.FR.18: version 0 means no list is installed; an emptied list reads 0 as well.
    GetLocalListVersion: () => ({ versionNumber: station.localList.version }),

    SendLocalList: (request) => ({ status: station.localList.apply(fromV201LocalList(request)) }),

    GetTransactionStatus: ({ transactionId }) => ({
      messagesInQueue: deps.queuedMessages() > 0,
      ...(transactionId === undefined ? {} : { ongoingIndicator: station.transactions().some((t) => t.id === transactionId) }),
    }),

    Reset: ({ type, evseId }, { afterReply }) => {
      if (evseId !== undefined) return { status: 'Rejected' };
      if (type === 'OnIdle' && station.transactions().length > 0) {
        resetWhenIdle = true;
        return { status: 'Scheduled' };
      }
      afterReply(() => deps.signals.emit('reset', { kind: 'Immediate' }));
      return { status: 'Accepted' };
    },

    SetChargingProfile: ({ evseId, chargingProfile }) => {
      if (evseId !== 0 && !hasEvse(evseId)) return { status: 'Rejected' };
      const profile = fromV201Profile(chargingProfile, evseId);
      if (profile === undefined) return { status: 'Rejected' };
      if (profile.purpose === 'StationMax' && evseId !== 0) return { status: 'Rejected' };
      if (profile.purpose === 'Tx') {
        const running = station.transactions().find((t) => t.evseId === evseId);
        if (running === undefined || (profile.transactionId !== undefined && profile.transactionId !== running.id)) return { status: 'Rejected' };
        station.installProfile({ ...profile, transactionId: running.id });
        return { status: 'Accepted' };
      }
      station.installProfile(profile);
      return { status: 'Accepted' };
    },

    ClearChargingProfile: ({ chargingProfileId, chargingProfileCriteria: criteria }) => {
      const purposes = { ChargingStationMaxProfile: 'StationMax', TxDefaultProfile: 'TxDefault', TxProfile: 'Tx' } as const;
      const purpose = criteria?.chargingProfilePurpose;
      if (purpose === 'ChargingStationExternalConstraints') return { status: 'Unknown' };
      const removed = station.clearProfiles({
        ...(chargingProfileId === undefined ? {} : { id: chargingProfileId }),
        ...(criteria?.evseId === undefined ? {} : { evseId: criteria.evseId }),
        ...(purpose === undefined ? {} : { purpose: purposes[purpose] }),
        ...(criteria?.stackLevel === undefined ? {} : { stackLevel: criteria.stackLevel }),
      });
      return { status: removed > 0 ? 'Accepted' : 'Unknown' };
    },

    TriggerMessage: ({ requestedMessage, evse }, { afterReply }) => {
      if (evse !== undefined && !hasEvse(evse.id)) return { status: 'Rejected' };
      const follow: Partial<Record<typeof requestedMessage, () => void>> = {
        BootNotification: () => deps.signals.emit('triggerBoot', {}),
        Heartbeat: () => deps.signals.emit('triggerHeartbeat', {}),
        StatusNotification: () => deps.reportStatus(evse?.id, evse?.connectorId),
        MeterValues: () => deps.sampleNow(evse?.id, false),
        TransactionEvent: () => deps.sampleNow(evse?.id, true),
        FirmwareStatusNotification: () => void deps.sendIdleNotification('FirmwareStatusNotification'),
        LogStatusNotification: () => void deps.sendIdleNotification('LogStatusNotification'),
      };
      const task = follow[requestedMessage];
      if (task === undefined) return { status: 'NotImplemented' };
      afterReply(task);
      return { status: 'Accepted' };
    },

    UnlockConnector: ({ evseId, connectorId }) => {
      const ref = { evseId, connectorId };
      if (!station.hasConnector(ref)) return { status: 'UnknownConnector' };
      if (station.connector(ref).transaction !== undefined) return { status: 'OngoingAuthorizedTransaction' };
      return { status: 'Unlocked' };
    },
  };
}
