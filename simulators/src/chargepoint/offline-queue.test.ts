import type { V16Actions, V201Actions } from '@chargeledger/ocpp-types';
import type { ChargePoint } from './api';
import { createChargePoint } from './create';
import { CsmsDouble } from './testing/csms-double';
import { aClock, anEv, anIdentity, decodeSignedMeterValue, FAST_RECONNECT, MINUTE } from './testing/builders';
import { outage, recovery } from './testing/outage';

describe('offline queuing, OCPP 1.6', () => {
  let csms: CsmsDouble<V16Actions>;
  let cp: ChargePoint;

  beforeEach(async () => {
    csms = await CsmsDouble.start<V16Actions>({ protocol: 'ocpp1.6' });
    cp = createChargePoint({
      protocol: '1.6',
      identity: anIdentity('CP16-OFF'),
      endpoint: csms.endpoint,
      template: 'homebox-ac11',
      clock: aClock(),
      settings: { meterValueSampleIntervalS: 300 },
      backoff: FAST_RECONNECT,
    });
  });

  afterEach(async () => {
    await cp.close();
    await csms.close();
    expect(csms.validationFailures).toEqual([]);
  });

  it('queues meter values and the stop while the CSMS is down and delivers them in order exactly once', async () => {
    await cp.connect();
    await cp.plugIn(1, anEv());
    await cp.authorizeAndStart('CARD-1');
    await cp.advance(5 * MINUTE);

    await outage(csms, cp);
    const before = csms.calls.length;
    await cp.advance(15 * MINUTE);
    const stopped = await cp.stop();
    expect(cp.queuedMessages).toBe(4);
    expect(csms.calls.length).toBe(before);

    await recovery(csms, cp);
    const delivered = csms.calls.slice(before);
    expect(delivered.map((c) => c.action)).toEqual(['MeterValues', 'MeterValues', 'MeterValues', 'StopTransaction', 'StatusNotification']);
    expect(csms.payloads('MeterValues').map((m) => [m.transactionId, m.meterValue[0]?.timestamp])).toEqual([
      [1000, '2025-03-01T08:00:00.000Z'],
      [1000, '2025-03-01T08:05:00.000Z'],
      [1000, '2025-03-01T08:10:00.000Z'],
      [1000, '2025-03-01T08:15:00.000Z'],
      [1000, '2025-03-01T08:20:00.000Z'],
    ]);
    expect(csms.payloads('StopTransaction')).toEqual([expect.objectContaining({ transactionId: 1000, meterStop: stopped.meterStopWh, timestamp: '2025-03-01T08:20:00.000Z' })]);
    expect(csms.payloads('StatusNotification').at(-1)).toMatchObject({ connectorId: 1, status: 'Finishing' });
    expect(cp.queuedMessages).toBe(0);
  });

  it('starts offline on local authority and sends the transaction with the id the CSMS assigns later', async () => {
    await cp.connect();
    await outage(csms, cp);
    await cp.plugIn(1, anEv());
    const started = await cp.authorizeAndStart('UNKNOWN-CARD');
    await cp.advance(10 * MINUTE);
    await cp.stop();

    expect(started).toMatchObject({ accepted: true });
    await recovery(csms, cp);
    expect(csms.actions().filter((a) => a !== 'StatusNotification').slice(1)).toEqual(['StartTransaction', 'MeterValues', 'MeterValues', 'MeterValues', 'StopTransaction']);
    expect(csms.payloads('MeterValues').every((m) => m.transactionId === 1000)).toBe(true);
    const signedBegin = csms.payloads('StopTransaction')[0]?.transactionData?.[0]?.sampledValue.find((v) => v.format === 'SignedData');
    const decoded = decodeSignedMeterValue(JSON.parse(signedBegin?.value ?? '{}') as { signedMeterData: string; publicKey: string; encodingMethod: string });
    expect(decoded).toMatchObject({ verifies: true, payload: { IL: 'HEARSAY', IF: ['RFID_PLAIN', 'OCPP_NONE'], ID: 'UNKNOWN-CARD' } });
  });
});

describe('offline queuing, OCPP 2.0.1', () => {
  let csms: CsmsDouble<V201Actions>;
  let cp: ChargePoint;

  beforeEach(async () => {
    csms = await CsmsDouble.start<V201Actions>({ protocol: 'ocpp2.0.1' });
    cp = createChargePoint({
      protocol: '2.0.1',
      identity: anIdentity('CS201-OFF'),
      endpoint: csms.endpoint,
      template: 'voltbridge-dc150',
      clock: aClock(),
      settings: { meterValueSampleIntervalS: 300 },
      backoff: FAST_RECONNECT,
    });
  });

  afterEach(async () => {
    await cp.close();
    await csms.close();
    expect(csms.validationFailures).toEqual([]);
  });

  it('marks events produced offline and keeps seqNo consecutive across the outage', async () => {
    await cp.connect();
    await cp.plugIn({ evseId: 1, connectorId: 1 }, anEv({ maxPowerW: 120_000, batteryCapacityWh: 80_000 }));
    await cp.authorizeAndStart({ value: 'RFID-AA11', type: 'ISO14443' });
    await cp.advance(5 * MINUTE);

    await outage(csms, cp);
    const before = csms.calls.length;
    await cp.advance(15 * MINUTE);
    await cp.stop();
    expect(cp.queuedMessages).toBe(4);

    await recovery(csms, cp);
    const events = csms.payloads('TransactionEvent');
    expect(events.map((e) => e.seqNo)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events.map((e) => [e.eventType, e.offline ?? false])).toEqual([
      ['Started', false],
      ['Updated', false],
      ['Updated', false],
      ['Updated', true],
      ['Updated', true],
      ['Updated', true],
      ['Ended', true],
    ]);
    expect(csms.calls.slice(before).map((c) => c.action)).toEqual(['TransactionEvent', 'TransactionEvent', 'TransactionEvent', 'TransactionEvent']);
    expect(events.map((e) => e.timestamp.slice(11, 16))).toEqual(['08:00', '08:00', '08:05', '08:10', '08:15', '08:20', '08:20']);
  });
});
