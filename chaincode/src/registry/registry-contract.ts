import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import type { Account, Ev, Meter, MeterKey, Station } from '../api';
import { peersOf, requireOperator } from '../core/access';
import { refuse } from '../core/errors';
import { KEY } from '../core/keys';
import { ALL_MSPS, evaluate, submit } from '../core/submit-evaluate';
import type { Tx } from '../core/transaction-view';
import { latestTariff } from '../tariffs/tariffs';
import { bindingKey, checkBindingTarget } from './meters';
import { admitOperator, loadOperator } from './operators';
import { REGISTRY_REQUESTS } from './requests';
import { cellOf, cellsAround, distanceM } from './stations';
import { allowUnsignedMeterData, loadPermission, revokeUnsignedMeterData } from './unsigned';


@Info({ title: 'Registry', description: 'Stations, EVs and meters with their registered public keys' })
export class RegistryContract extends Contract {
  constructor() {
    super('Registry');
  }

  /** Admits an operator's organization (ADR 0038): the Authority submits, Wallets co-endorses by the chaincode policy. */
  @Transaction()
  @Returns('string')
  async admitOperator(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Registry:admitOperator',
      callers: ['AuthorityMSP'],
      request: REGISTRY_REQUESTS['Registry:admitOperator'],
      run: admitOperator,
    });
  }

  @Transaction(false)
  @Returns('string')
  async getOperator(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Registry:getOperator',
      callers: ALL_MSPS,
      request: REGISTRY_REQUESTS['Registry:getOperator'],
      run: (tx, req) => loadOperator(tx, req.operatorId),
    });
  }

  @Transaction()
  @Returns('string')
  async registerStation(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Registry:registerStation',
      callers: ['OperatorsMSP'],
      request: REGISTRY_REQUESTS['Registry:registerStation'],
      run: async (tx, req) => {
        const key = tx.key(KEY.station, req.stationId);
        if ((await tx.get<Station>(key)) !== undefined) refuse('ALREADY_EXISTS', `station ${req.stationId} exists`);
        const station: Station = {
          stationId: req.stationId,
          operatorId,
          payeeAccountId: req.payeeAccountId,
          latMicroDeg: req.latMicroDeg,
          lonMicroDeg: req.lonMicroDeg,
          evses: req.evses,
          policy: req.policy,
          tariffId: req.tariffId,
        };
        await checkStationLinks(tx, station);
        await tx.put(key, station);
        // Every later change of the station needs its operator's own organization (ADR 0038).
        await tx.ctx.stub.setStateValidationParameter(key, peersOf(ctx.clientIdentity.getMSPID()));
        await tx.put(tx.key(KEY.stationCell, cellOf(station.latMicroDeg), cellOf(station.lonMicroDeg), station.stationId), station.stationId);
        tx.emit('StationRegistered', { stationId: station.stationId, operatorId });
        return station;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async updateStation(ctx: Context, request: string): Promise<string> {
    const operatorId = await requireOperator(ctx);
    return submit(ctx, request, {
      name: 'Registry:updateStation',
      callers: ['OperatorsMSP'],
      request: REGISTRY_REQUESTS['Registry:updateStation'],
      run: async (tx, req) => {
        const current = await ownedStation(tx, req.stationId, operatorId);
        const station: Station = {
          ...current,
          evses: req.evses ?? current.evses,
          policy: req.policy ?? current.policy,
          tariffId: req.tariffId ?? current.tariffId,
          payeeAccountId: req.payeeAccountId ?? current.payeeAccountId,
        };
        await checkStationLinks(tx, station);
        await tx.put(tx.key(KEY.station, station.stationId), station);
        tx.emit('StationUpdated', { stationId: station.stationId });
        return station;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async registerEv(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Registry:registerEv',
      callers: ['WalletsMSP'],
      request: REGISTRY_REQUESTS['Registry:registerEv'],
      run: async (tx, req) => {
        const key = tx.key(KEY.ev, req.evId);
        if ((await tx.get<Ev>(key)) !== undefined) refuse('ALREADY_EXISTS', `EV ${req.evId} exists`);
        const owner = await tx.must<Account>(tx.key(KEY.account, req.ownerAccountId), `account ${req.ownerAccountId}`);
        if (owner.kind !== 'driver') refuse('BAD_REQUEST', 'an EV belongs to a driver account');
        const ev: Ev = { evId: req.evId, ownerAccountId: req.ownerAccountId, batteryCapacityWh: req.batteryCapacityWh };
        await tx.put(key, ev);
        tx.emit('EvRegistered', { evId: ev.evId });
        return ev;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async registerMeter(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Registry:registerMeter',
      callers: ['AuthorityMSP'],
      request: REGISTRY_REQUESTS['Registry:registerMeter'],
      run: async (tx, req) => {
        const key = tx.key(KEY.meter, req.meterSerial);
        if ((await tx.get<Meter>(key)) !== undefined) refuse('ALREADY_EXISTS', `meter ${req.meterSerial} is registered`);
        await checkBindingTarget(tx, req.binding);
        const bound = bindingKey(tx, req.binding);
        const occupant = await tx.get<string>(bound);
        if (occupant !== undefined) refuse('ALREADY_EXISTS', `meter ${occupant} is bound there`);
        const meter: Meter = {
          meterSerial: req.meterSerial,
          binding: req.binding,
          keys: [{ keyId: req.keyId, publicKey: req.publicKey, status: 'current', registeredAtMs: tx.nowMs }],
        };
        await tx.put(key, meter);
        await tx.put(bound, req.meterSerial);
        tx.emit('MeterKeyRegistered', { meterSerial: req.meterSerial, keyId: req.keyId, rotated: false });
        return meter;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async rotateMeterKey(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Registry:rotateMeterKey',
      callers: ['AuthorityMSP'],
      request: REGISTRY_REQUESTS['Registry:rotateMeterKey'],
      run: async (tx, req) => {
        const meter = await tx.must<Meter>(tx.key(KEY.meter, req.meterSerial), `meter ${req.meterSerial}`);
        if (meter.keys.some((key) => key.keyId === req.keyId)) refuse('ALREADY_EXISTS', `key ${req.keyId} exists`);
        // A retired key still verifies sessions that started under it; only revocation withdraws trust.
        const keys: MeterKey[] = meter.keys.map((key) => (key.status === 'current' ? { ...key, status: 'retired' } : key));
        keys.push({ keyId: req.keyId, publicKey: req.publicKey, status: 'current', registeredAtMs: tx.nowMs });
        const rotated: Meter = { ...meter, keys };
        await tx.put(tx.key(KEY.meter, req.meterSerial), rotated);
        tx.emit('MeterKeyRegistered', { meterSerial: req.meterSerial, keyId: req.keyId, rotated: true });
        return rotated;
      },
    });
  }

  @Transaction()
  @Returns('string')
  async revokeMeterKey(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Registry:revokeMeterKey',
      callers: ['AuthorityMSP'],
      request: REGISTRY_REQUESTS['Registry:revokeMeterKey'],
      run: async (tx, req) => {
        const meter = await tx.must<Meter>(tx.key(KEY.meter, req.meterSerial), `meter ${req.meterSerial}`);
        const target = meter.keys.find((key) => key.keyId === req.keyId) ?? refuse('NOT_FOUND', `key ${req.keyId} does not exist`);
        if (target.status === 'revoked') refuse('INVALID_STATE', `key ${req.keyId} is already revoked`);
        const keys = meter.keys.map((key): MeterKey => (key.keyId === req.keyId ? { ...key, status: 'revoked', revokedAtMs: tx.nowMs } : key));
        const revoked: Meter = { ...meter, keys };
        await tx.put(tx.key(KEY.meter, req.meterSerial), revoked);
        tx.emit('MeterKeyRevoked', { meterSerial: req.meterSerial, keyId: req.keyId });
        return revoked;
      },
    });
  }

  /** Lets a station with a legacy meter settle from unsigned meter data, until an expiry and within a cap (ADR 0013). */
  @Transaction()
  @Returns('string')
  async allowUnsignedMeterData(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Registry:allowUnsignedMeterData',
      callers: ['AuthorityMSP'],
      request: REGISTRY_REQUESTS['Registry:allowUnsignedMeterData'],
      run: allowUnsignedMeterData,
    });
  }

  @Transaction()
  @Returns('string')
  async revokeUnsignedMeterData(ctx: Context, request: string): Promise<string> {
    return submit(ctx, request, {
      name: 'Registry:revokeUnsignedMeterData',
      callers: ['AuthorityMSP'],
      request: REGISTRY_REQUESTS['Registry:revokeUnsignedMeterData'],
      run: revokeUnsignedMeterData,
    });
  }

  @Transaction(false)
  @Returns('string')
  async getStation(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Registry:getStation',
      callers: ALL_MSPS,
      request: REGISTRY_REQUESTS['Registry:getStation'],
      run: async (tx, req) => ({
        ...(await tx.must<Station>(tx.key(KEY.station, req.stationId), `station ${req.stationId}`)),
        unsignedMeterData: await loadPermission(tx, req.stationId),
      }),
    });
  }

  @Transaction(false)
  @Returns('string')
  async findStationsNear(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Registry:findStationsNear',
      callers: ALL_MSPS,
      request: REGISTRY_REQUESTS['Registry:findStationsNear'],
      run: async (tx, req) => {
        const found: (Station & { distanceM: number })[] = [];
        for (const [latCell, lonCell] of cellsAround(req.latMicroDeg, req.lonMicroDeg, req.radiusM)) {
          for (const { value: stationId } of await tx.list<string>(KEY.stationCell, latCell, lonCell)) {
            const station = await tx.must<Station>(tx.key(KEY.station, stationId), `station ${stationId}`);
            const distance = distanceM(req.latMicroDeg, req.lonMicroDeg, station.latMicroDeg, station.lonMicroDeg);
            if (distance <= req.radiusM) found.push({ ...station, distanceM: distance });
          }
        }
        return { stations: found.sort((a, b) => a.distanceM - b.distanceM || (a.stationId < b.stationId ? -1 : 1)) };
      },
    });
  }

  @Transaction(false)
  @Returns('string')
  async getMeter(ctx: Context, request: string): Promise<string> {
    return evaluate(ctx, request, {
      name: 'Registry:getMeter',
      callers: ALL_MSPS,
      request: REGISTRY_REQUESTS['Registry:getMeter'],
      run: (tx, req) => tx.must<Meter>(tx.key(KEY.meter, req.meterSerial), `meter ${req.meterSerial}`),
    });
  }
}

async function ownedStation(tx: Tx, stationId: string, operatorId: string): Promise<Station> {
  const station = await tx.must<Station>(tx.key(KEY.station, stationId), `station ${stationId}`);
  if (station.operatorId !== operatorId) refuse('ACCESS_DENIED', `station ${stationId} belongs to another operator`);
  return station;
}

/** The payee account is the operator's own; an assigned tariff exists and is the operator's own. */
async function checkStationLinks(tx: Tx, station: Station): Promise<void> {
  const payee = await tx.must<Account>(tx.key(KEY.account, station.payeeAccountId), `account ${station.payeeAccountId}`);
  if (payee.kind !== 'operator' || payee.ownerId !== station.operatorId) refuse('ACCESS_DENIED', 'the payee account is not the operator\'s');
  if (station.tariffId !== undefined) {
    const tariff = (await latestTariff(tx, station.tariffId)) ?? refuse('NOT_FOUND', `tariff ${station.tariffId} does not exist`);
    if (tariff.operatorId !== station.operatorId) refuse('ACCESS_DENIED', 'the tariff belongs to another operator');
    if (tariff.currency !== payee.currency) refuse('CURRENCY_MISMATCH', 'the tariff and the payee account differ in currency');
  }
}
