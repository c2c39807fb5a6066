import type { Timer } from '../../clock';
import type { ElectricVehicle } from '../../meter/ev';
import type { SmartMeter } from '../../meter/smart-meter';
import type { EvseTemplate } from '../../template/template';
import type { ConnectorFacts } from './connector-status';
import type { AuthorizationSource, ConnectorStatus, IdToken, Transaction } from './types';

/** A token accepted before the cable: the transaction starts when a vehicle is plugged in, unless the timer lapses. */
export interface PendingStart {
  readonly token: IdToken;
  readonly authorizedBy: AuthorizationSource;
  readonly remote: boolean;
  readonly remoteStartId?: number;
  readonly timeout: Timer;
}

/**
 * One EVSE: connectors that share a meter and a power path. Invariants: at most one connector is plugged; a
 * transaction exists only while a vehicle is plugged; `finished` is only true while the cable stays in after a
 * transaction ended.
 */
export class Evse {
  readonly id: number;
  readonly template: EvseTemplate;
  readonly meter: SmartMeter;
  /** Station-wide numbers of this EVSE's connectors, index = connectorId - 1. */
  readonly connectorNumbers: readonly number[];
  operative = true;
  /** An availability change that waits for the running transaction to end. */
  scheduledOperative: boolean | undefined;
  plug: { readonly connectorId: number; readonly vehicle: ElectricVehicle } | undefined;
  transaction: Transaction | undefined;
  finished = false;
  pendingStart: PendingStart | undefined;
  sampleTimer: Timer | undefined;
  readonly reported = new Map<number, ConnectorStatus>();

  constructor(id: number, template: EvseTemplate, meter: SmartMeter, firstConnectorNumber: number) {
    this.id = id;
    this.template = template;
    this.meter = meter;
    this.connectorNumbers = template.connectors.map((_, i) => firstConnectorNumber + i);
  }

  get connectorIds(): number[] {
    return this.template.connectors.map((_, i) => i + 1);
  }

  get idle(): boolean {
    return this.transaction === undefined && this.pendingStart === undefined;
  }

  connectorMaxW(connectorId: number): number {
    return Math.min(this.template.maxPowerW, this.template.connectors[connectorId - 1]?.maxPowerW ?? 0);
  }

  facts(connectorId: number, offeredW: number): ConnectorFacts {
    const mine = this.plug?.connectorId === connectorId;
    const inUse = this.plug !== undefined || this.transaction !== undefined;
    return {
      operative: this.operative,
      faulted: false,
      siblingInUse: inUse && !mine,
      plugged: mine,
      awaitingCable: this.pendingStart !== undefined && this.plug === undefined,
      inTransaction: this.transaction !== undefined && mine,
      finished: this.finished,
      offeredW,
      acceptedW: mine && this.plug !== undefined ? this.plug.vehicle.acceptanceW() : 0,
    };
  }
}
