import type { V16Actions } from '@chargeledger/ocpp-types';
import type { ManualClock } from '../../clock';
import type { ChargePoint } from '../api';
import { createChargePoint } from '../create';
import { CsmsDouble } from '../testing/csms-double';
import { aClock, anEv, anIdentity, decodeSignedMeterValue, FAST_RECONNECT, MINUTE } from '../testing/builders';

describe('OCPP 1.6 charge point', () => {
  let csms: CsmsDouble<V16Actions>;
  let cp: ChargePoint;
  let clock: ManualClock;
  let identity: string;

  beforeEach(async () => {
    csms = await CsmsDouble.start<V16Actions>({ protocol: 'ocpp1.6' });
    clock = aClock();
    identity = anIdentity('CP16');
    cp = createChargePoint({
      protocol: '1.6',
      identity,
      endpoint: csms.endpoint,
      template: 'homebox-ac11',
      clock,
      settings: { meterValueSampleIntervalS: 300 },
      meterRegistersWh: [125_000],
      backoff: FAST_RECONNECT,
    });
  });

  afterEach(async () => {
    await cp.close();
    await csms.close();
    expect(csms.validationFailures).toEqual([]);
  });

  async function startCharging(): Promise<string> {
    expect(await cp.connect()).toBe('Accepted');
    await cp.plugIn(1, anEv());
    const started = await cp.authorizeAndStart('04A2B3C4D5');
    if (!started.accepted || started.transactionId === undefined) throw new Error('the session did not start');
    return started.transactionId;
  }

  it('sends the messages of a full session in order', async () => {
    await startCharging();
    await cp.advance(15 * MINUTE);
    const stopped = await cp.stop('Local');
    await cp.unplug(1);
    await cp.settle();

    expect(csms.actions()).toEqual([
      'BootNotification',
      'StatusNotification',
      'StatusNotification',
      'StatusNotification',
      'Authorize',
      'StartTransaction',
      'MeterValues',
      'StatusNotification',
      'MeterValues',
      'MeterValues',
      'MeterValues',
      'StopTransaction',
      'StatusNotification',
      'StatusNotification',
    ]);
    expect(csms.payloads('BootNotification')[0]).toMatchObject({ chargePointVendor: 'Homebox', chargePointModel: 'HB-11', firmwareVersion: '1.8.0' });
    expect(csms.payloads('StatusNotification').map((s) => [s.connectorId, s.status])).toEqual([
      [0, 'Available'],
      [1, 'Available'],
      [1, 'Preparing'],
      [1, 'Charging'],
      [1, 'Finishing'],
      [1, 'Available'],
    ]);
    expect(csms.payloads('StartTransaction')[0]).toMatchObject({ connectorId: 1, idTag: '04A2B3C4D5', meterStart: 125_000 });
    expect(stopped).toMatchObject({ transactionId: '1000', reason: 'Local', meterStartWh: 125_000, energyWh: 2_750 });
    expect(csms.payloads('StopTransaction')[0]).toMatchObject({ transactionId: 1000, meterStop: 127_750, reason: 'Local', idTag: '04A2B3C4D5' });
  });

  it('reports periodic register and power readings inside the transaction', async () => {
    await startCharging();
    await cp.advance(10 * MINUTE);

    const periodic = csms.payloads('MeterValues').slice(1);
    expect(periodic).toHaveLength(2);
    expect(periodic.map((m) => m.transactionId)).toEqual([1000, 1000]);
    const [first] = periodic;
    expect(first?.meterValue[0]?.timestamp).toBe('2025-03-01T08:05:00.000Z');
    expect(first?.meterValue[0]?.sampledValue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ measurand: 'Energy.Active.Import.Register', unit: 'Wh', value: '125916', context: 'Sample.Periodic' }),
        expect.objectContaining({ measurand: 'Power.Active.Import', unit: 'W', value: '11000' }),
      ]),
    );
  });

  it('signs the begin and end readings as OCMF the meter key verifies', async () => {
    await startCharging();
    await cp.advance(30 * MINUTE);
    await cp.stop();
    await cp.settle();

    const beginValues = csms.payloads('MeterValues')[0]?.meterValue[0]?.sampledValue ?? [];
    expect(beginValues.find((v) => v.format === 'SignedData')).toMatchObject({ context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register' });
    const transactionData = csms.payloads('StopTransaction')[0]?.transactionData ?? [];
    const signed = transactionData.flatMap((m) => m.sampledValue).filter((v) => v.format === 'SignedData');
    expect(signed.map((v) => v.context)).toEqual(['Transaction.Begin', 'Transaction.End']);

    const decoded = signed.map((v) => decodeSignedMeterValue(JSON.parse(v.value) as { signedMeterData: string; publicKey: string; encodingMethod: string }));
    expect(decoded.every((d) => d.verifies && d.publicKeyHex === cp.meterPublicKey(1))).toBe(true);
    expect(decoded.map((d) => [d.payload.PG, d.payload.RD[0]?.TX, d.payload.RD[0]?.RV, d.payload.ID])).toEqual([
      ['T1', 'B', 125, '04A2B3C4D5'],
      ['T2', 'E', 130.5, '04A2B3C4D5'],
    ]);
  });

  it('stops when the CSMS sends RemoteStopTransaction', async () => {
    const transactionId = await startCharging();
    await cp.advance(5 * MINUTE);

    const answer = await csms.call(identity, 'RemoteStopTransaction', { transactionId: Number(transactionId) });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'StopTransaction'));
    await cp.settle();

    expect(answer).toEqual({ status: 'Accepted' });
    expect(csms.payloads('StopTransaction')[0]).toMatchObject({ transactionId: 1000, reason: 'Remote' });
    expect(cp.connectors()[0]?.status).toBe('Finishing');
    expect(await csms.call(identity, 'RemoteStopTransaction', { transactionId: 4242 })).toEqual({ status: 'Rejected' });
  });

  it('limits power to a charging profile and suspends at a zero limit', async () => {
    const transactionId = await startCharging();
    const profile = (limit: number): object => ({
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 7,
        transactionId: Number(transactionId),
        stackLevel: 1,
        chargingProfilePurpose: 'TxProfile',
        chargingProfileKind: 'Relative',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit, numberPhases: 1 }] },
      },
    });

    expect(await csms.call(identity, 'SetChargingProfile', profile(16))).toEqual({ status: 'Accepted' });
    await cp.advance(60 * MINUTE);
    expect(cp.meterReading(1)).toMatchObject({ powerW: 3_680, registerWh: 125_000 + 3_680 });

    expect(await csms.call(identity, 'SetChargingProfile', profile(0))).toEqual({ status: 'Accepted' });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'StatusNotification' && (c.payload as { status: string }).status === 'SuspendedEVSE'));

    expect(await csms.call(identity, 'ClearChargingProfile', { id: 7 })).toEqual({ status: 'Accepted' });
    await csms.waitFor((calls) => calls.filter((c) => c.action === 'StatusNotification' && (c.payload as { status: string }).status === 'Charging').length === 2);
    expect(cp.meterReading(1).powerW).toBe(11_000);
  });

  it('answers configuration, availability, trigger and unlock requests', async () => {
    await cp.connect();
    expect(await csms.call(identity, 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '120' })).toEqual({ status: 'Accepted' });
    expect(await csms.call(identity, 'ChangeConfiguration', { key: 'NumberOfConnectors', value: '4' })).toEqual({ status: 'Rejected' });
    expect(await csms.call(identity, 'ChangeConfiguration', { key: 'NoSuchKey', value: '1' })).toEqual({ status: 'NotSupported' });
    expect(await csms.call(identity, 'GetConfiguration', { key: ['HeartbeatInterval', 'NoSuchKey'] })).toEqual({
      configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '120' }],
      unknownKey: ['NoSuchKey'],
    });

    await cp.advance(120_000);
    await csms.waitFor((calls) => calls.some((c) => c.action === 'Heartbeat'));

    expect(await csms.call(identity, 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' })).toEqual({ status: 'Accepted' });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'StatusNotification' && (c.payload as { status: string }).status === 'Unavailable'));
    await expect(cp.authorizeAndStart('CARD')).rejects.toMatchObject({ name: 'ChargePointError', code: 'ConnectorBusy' });

    expect(await csms.call(identity, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).toEqual({ status: 'Accepted' });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'MeterValues'));
    expect(await csms.call(identity, 'UnlockConnector', { connectorId: 1 })).toEqual({ status: 'Unlocked' });
    expect(await csms.call(identity, 'UnlockConnector', { connectorId: 9 })).toEqual({ status: 'NotSupported' });
  });

  it('starts on RemoteStartTransaction once the vehicle is plugged in', async () => {
    await cp.connect();
    expect(await csms.call(identity, 'RemoteStartTransaction', { connectorId: 1, idTag: 'APP-USER-1' })).toEqual({ status: 'Accepted' });
    await csms.waitFor((calls) => calls.some((c) => c.action === 'StatusNotification' && (c.payload as { status: string }).status === 'Preparing'));
    const started = await cp.plugIn(1, anEv());

    expect(started).toMatchObject({ accepted: true, transactionId: '1000' });
    expect(csms.payloads('StartTransaction')[0]).toMatchObject({ idTag: 'APP-USER-1' });
    expect(csms.actions()).not.toContain('Authorize');
  });

  it('ends a transaction with DeAuthorized when the CSMS rejects the token in its StartTransaction reply', async () => {
    csms.respond('StartTransaction', () => ({ transactionId: 77, idTagInfo: { status: 'Blocked' } }));
    await cp.connect();
    await cp.plugIn(1, anEv());
    await cp.authorizeAndStart('STOLEN-CARD');
    await csms.waitFor((calls) => calls.some((c) => c.action === 'StopTransaction'));

    expect(csms.payloads('StopTransaction')[0]).toMatchObject({ transactionId: 77, reason: 'DeAuthorized' });
  });
});
