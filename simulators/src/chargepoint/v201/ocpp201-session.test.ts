import type { V201, V201Actions } from '@chargeledger/ocpp-types';
import type { ManualClock } from '../../clock';
import type { ChargePoint } from '../api';
import { createChargePoint } from '../create';
import { CsmsDouble } from '../testing/csms-double';
import { aClock, anEv, anIdentity, decodeSignedMeterValue, FAST_RECONNECT, MINUTE } from '../testing/builders';

type TransactionEventRequest = V201.TransactionEventRequest;

function summary(event: TransactionEventRequest): string {
  return `${event.eventType}/${event.triggerReason}/${event.seqNo}`;
}

describe('OCPP 2.0.1 charging station', () => {
  let csms: CsmsDouble<V201Actions>;
  let cp: ChargePoint;
  let clock: ManualClock;
  let identity: string;
  let transactionIds: number;

  beforeEach(async () => {
    csms = await CsmsDouble.start<V201Actions>({ protocol: 'ocpp2.0.1' });
    clock = aClock();
    identity = anIdentity('CS201');
    transactionIds = 0;
    cp = createChargePoint({
      protocol: '2.0.1',
      identity,
      endpoint: csms.endpoint,
      template: 'voltbridge-ac22-duo',
      clock,
      settings: { meterValueSampleIntervalS: 300 },
      meterRegistersWh: [50_000, 80_000],
      backoff: FAST_RECONNECT,
      newTransactionId: () => `tx-${++transactionIds}`,
    });
  });

  afterEach(async () => {
    await cp.close();
    await csms.close();
    expect(csms.validationFailures).toEqual([]);
  });

  async function startCharging(): Promise<string> {
    expect(await cp.connect()).toBe('Accepted');
    await cp.plugIn({ evseId: 2, connectorId: 1 }, anEv({ maxPowerW: 22_000 }));
    const started = await cp.authorizeAndStart({ value: 'EMP-CONTRACT-77', type: 'eMAID' });
    if (!started.accepted || started.transactionId === undefined) throw new Error('the session did not start');
    return started.transactionId;
  }

  it('sends the messages of a full session in order', async () => {
    await startCharging();
    await cp.advance(15 * MINUTE);
    const stopped = await cp.stop('Local');
    await cp.unplug({ evseId: 2, connectorId: 1 });
    await cp.settle();

    expect(csms.actions()).toEqual([
      'BootNotification',
      'StatusNotification',
      'StatusNotification',
      'StatusNotification',
      'Authorize',
      'TransactionEvent',
      'TransactionEvent',
      'TransactionEvent',
      'TransactionEvent',
      'TransactionEvent',
      'TransactionEvent',
      'StatusNotification',
    ]);
    expect(csms.payloads('BootNotification')[0]).toMatchObject({ reason: 'PowerUp', chargingStation: { vendorName: 'Voltbridge', model: 'AC22 Duo' } });
    expect(csms.payloads('StatusNotification').map((s) => [s.evseId, s.connectorId, s.connectorStatus])).toEqual([
      [1, 1, 'Available'],
      [2, 1, 'Available'],
      [2, 1, 'Occupied'],
      [2, 1, 'Available'],
    ]);
    expect(csms.payloads('Authorize')[0]).toEqual({ idToken: { idToken: 'EMP-CONTRACT-77', type: 'eMAID' } });
    const events = csms.payloads('TransactionEvent');
    expect(events.map(summary)).toEqual([
      'Started/Authorized/0',
      'Updated/ChargingStateChanged/1',
      'Updated/MeterValuePeriodic/2',
      'Updated/MeterValuePeriodic/3',
      'Updated/MeterValuePeriodic/4',
      'Ended/StopAuthorized/5',
    ]);
    expect(events[0]).toMatchObject({
      transactionInfo: { transactionId: 'tx-1', chargingState: 'EVConnected' },
      evse: { id: 2, connectorId: 1 },
      idToken: { idToken: 'EMP-CONTRACT-77', type: 'eMAID' },
    });
    expect(events[1]?.transactionInfo.chargingState).toBe('Charging');
    expect(events[5]?.transactionInfo).toEqual({ transactionId: 'tx-1', stoppedReason: 'Local' });
    expect(events.every((e) => e.offline === undefined)).toBe(true);
    expect(stopped).toMatchObject({ transactionId: 'tx-1', meterStartWh: 80_000, energyWh: 5_500 });
  });

  it('carries signed OCMF begin and end values in sampledValue.signedMeterValue', async () => {
    await startCharging();
    await cp.advance(20 * MINUTE);
    await cp.stop();
    await cp.settle();

    const events = csms.payloads('TransactionEvent');
    const begin = events[0]?.meterValue?.[0]?.sampledValue[0];
    const end = events.at(-1)?.meterValue?.[0]?.sampledValue[0];
    expect(begin).toMatchObject({ context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', value: 80_000 });
    expect(end).toMatchObject({ context: 'Transaction.End', value: 87_333 });
    expect(begin?.signedMeterValue).toMatchObject({ signingMethod: '', encodingMethod: 'OCMF' });

    const decoded = [begin, end].map((v) => decodeSignedMeterValue(v!.signedMeterValue!));
    expect(decoded.every((d) => d.verifies && d.publicKeyHex === cp.meterPublicKey(2))).toBe(true);
    expect(decoded.map((d) => [d.payload.PG, d.payload.RD[0]?.TX, d.payload.IT, d.payload.ID, d.payload.MS])).toEqual([
      ['T1', 'B', 'EMAID', 'EMP-CONTRACT-77', `${identity}-M2`],
      ['T2', 'E', 'EMAID', 'EMP-CONTRACT-77', `${identity}-M2`],
    ]);
  });

  it('signs periodic samples too when SampledDataCtrlr.SignReadings is set', async () => {
    await startCharging();
    const answer = await csms.call(identity, 'SetVariables', {
      setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'SignReadings' }, attributeValue: 'true' }],
    });
    expect(answer).toMatchObject({ setVariableResult: [{ attributeStatus: 'Accepted' }] });
    await cp.advance(5 * MINUTE);

    const periodic = csms.payloads('TransactionEvent').at(-1)?.meterValue?.[0]?.sampledValue[0];
    expect(periodic).toMatchObject({ context: 'Sample.Periodic' });
    expect(decodeSignedMeterValue(periodic!.signedMeterValue!)).toMatchObject({ verifies: true, payload: { PG: 'T2', RD: [{ TX: 'C' }] } });
  });

  it('stops on RequestStopTransaction and rejects unknown transactions', async () => {
    const transactionId = await startCharging();
    expect(await csms.call(identity, 'RequestStopTransaction', { transactionId })).toEqual({ status: 'Accepted' });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'TransactionEvent' && (c.payload as TransactionEventRequest).eventType === 'Ended'));

    expect(csms.payloads('TransactionEvent').at(-1)).toMatchObject({ triggerReason: 'RemoteStop', transactionInfo: { stoppedReason: 'Remote' } });
    expect(await csms.call(identity, 'RequestStopTransaction', { transactionId: 'no-such-tx' })).toEqual({ status: 'Rejected' });
  });

  it('starts on RequestStartTransaction with the remote start id', async () => {
    await cp.connect();
    await cp.plugIn({ evseId: 1, connectorId: 1 }, anEv());
    const answer = await csms.call(identity, 'RequestStartTransaction', { evseId: 1, remoteStartId: 31, idToken: { idToken: 'APP-9', type: 'Central' } });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'TransactionEvent'));

    expect(answer).toEqual({ status: 'Accepted' });
    expect(csms.payloads('TransactionEvent')[0]).toMatchObject({ eventType: 'Started', triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 31 } });
  });

  it('limits power to a charging profile and reports SuspendedEVSE at a zero limit', async () => {
    const transactionId = await startCharging();
    const profile = (limitW: number): object => ({
      evseId: 2,
      chargingProfile: {
        id: 3,
        stackLevel: 0,
        chargingProfilePurpose: 'TxProfile',
        chargingProfileKind: 'Relative',
        transactionId,
        chargingSchedule: [{ id: 1, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: limitW }] }],
      },
    });
    expect(await csms.call(identity, 'SetChargingProfile', profile(7_400))).toEqual({ status: 'Accepted' });
    await cp.advance(30 * MINUTE);
    expect(cp.meterReading(2)).toMatchObject({ powerW: 7_400, registerWh: 80_000 + 3_700 });

    expect(await csms.call(identity, 'SetChargingProfile', profile(0))).toEqual({ status: 'Accepted' });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'TransactionEvent' && (c.payload as TransactionEventRequest).transactionInfo.chargingState === 'SuspendedEVSE'));
  });

  it('answers GetVariables, ChangeAvailability, UnlockConnector and TriggerMessage', async () => {
    await startCharging();
    expect(
      await csms.call(identity, 'GetVariables', {
        getVariableData: [
          { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
          { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'Nope' } },
          { component: { name: 'NoSuchCtrlr' }, variable: { name: 'X' } },
        ],
      }),
    ).toMatchObject({
      getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '3600' }, { attributeStatus: 'UnknownVariable' }, { attributeStatus: 'UnknownComponent' }],
    });
    expect(await csms.call(identity, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).toEqual({ status: 'Scheduled' });
    expect(await csms.call(identity, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
    expect(await csms.call(identity, 'UnlockConnector', { evseId: 2, connectorId: 1 })).toEqual({ status: 'OngoingAuthorizedTransaction' });
    expect(await csms.call(identity, 'UnlockConnector', { evseId: 5, connectorId: 1 })).toEqual({ status: 'UnknownConnector' });
    expect(await csms.call(identity, 'TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 2 } })).toEqual({ status: 'Accepted' });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'TransactionEvent' && (c.payload as TransactionEventRequest).triggerReason === 'Trigger'));

    await cp.stop();
    await cp.settle();
    expect(csms.payloads('StatusNotification').map((s) => [s.evseId, s.connectorStatus]).slice(-2)).toEqual([
      [1, 'Unavailable'],
      [2, 'Unavailable'],
    ]);
  });

  it('retries BootNotification after the interval while the CSMS answers Pending', async () => {
    let boots = 0;
    csms.respond('BootNotification', () => ({ status: ++boots < 2 ? 'Pending' : 'Accepted', currentTime: new Date().toISOString(), interval: 30 }));

    expect(await cp.connect()).toBe('Pending');
    expect(cp.online).toBe(false);
    const registered = cp.next('registration', (r) => r.status === 'Accepted');
    await cp.advance(30_000);
    await registered;
    await cp.settle();

    expect(cp.online).toBe(true);
    expect(csms.actions().slice(0, 3)).toEqual(['BootNotification', 'BootNotification', 'StatusNotification']);
  });

  it('does not start for a token the CSMS rejects', async () => {
    csms.respond('Authorize', () => ({ idTokenInfo: { status: 'Invalid' } }));
    await cp.connect();
    await cp.plugIn({ evseId: 1, connectorId: 1 }, anEv());

    expect(await cp.authorizeAndStart('UNKNOWN')).toEqual({ accepted: false, status: 'Invalid' });
    await cp.settle();
    expect(csms.actions()).not.toContain('TransactionEvent');
    expect(cp.connectors()[0]?.status).toBe('Preparing');
  });
});
