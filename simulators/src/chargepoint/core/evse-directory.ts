import { ChargePointError } from '../../errors';
import type { SmartMeter } from '../../meter/smart-meter';
import type { ChargerTemplate } from '../../template/template';
import { Evse } from './evse';
import type { ConnectorRef } from './types';

/** The station's EVSEs and how connector references resolve to them. */
export class EvseDirectory {
  readonly all: readonly Evse[];

  constructor(template: ChargerTemplate, meters: readonly SmartMeter[]) {
    let nextNumber = 1;
    this.all = template.evses.map((evseTemplate, i) => {
      const meter = meters[i];
      if (meter === undefined) throw new RangeError(`no meter for EVSE ${i + 1}`);
      const evse = new Evse(i + 1, evseTemplate, meter, nextNumber);
      nextNumber += evseTemplate.connectors.length;
      return evse;
    });
  }

  byId(evseId: number): Evse {
    const evse = this.all.find((e) => e.id === evseId);
    if (evse === undefined) throw new ChargePointError('UnknownConnector', `there is no EVSE ${evseId}`, { evseId, connectorId: 0 });
    return evse;
  }

  resolve(ref: ConnectorRef): { evse: Evse; connectorId: number } {
    for (const evse of this.all) {
      if (typeof ref === 'number') {
        const index = evse.connectorNumbers.indexOf(ref);
        if (index >= 0) return { evse, connectorId: index + 1 };
      } else if (evse.id === ref.evseId && ref.connectorId >= 1 && ref.connectorId <= evse.connectorIds.length) {
        return { evse, connectorId: ref.connectorId };
      }
    }
    const where = typeof ref === 'number' ? { evseId: 0, connectorId: ref } : ref;
    throw new ChargePointError('UnknownConnector', `there is no connector ${JSON.stringify(ref)}`, where);
  }

  /** An EVSE for a token presented without naming one: a plugged-in vehicle first, then any free EVSE. */
  pickForStart(): Evse {
    const candidates = this.all.filter((e) => e.operative && e.idle);
    const evse = candidates.find((e) => e.plug !== undefined && !e.finished) ?? candidates.find((e) => e.plug === undefined);
    if (evse === undefined) throw new ChargePointError('ConnectorBusy', 'no EVSE is free to start a transaction');
    return evse;
  }

  startable(evse: Evse): Evse {
    const where = { evseId: evse.id, connectorId: evse.plug?.connectorId ?? 1 };
    if (!evse.operative) throw new ChargePointError('Inoperative', `EVSE ${evse.id} is inoperative`, where);
    if (!evse.idle) throw new ChargePointError('ConnectorBusy', `EVSE ${evse.id} already has a transaction`, where);
    return evse;
  }
}
