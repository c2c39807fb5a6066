import { type ChargePoint, createChargePoint, ManualClock } from '@chargeledger/simulators';
import { ADMIN_KEY, provisionCharger, type RunningCsms, startCsms } from '../support/csms';

const PASSWORD = 'a-long-charger-password';

async function command(running: RunningCsms, identity: string, action: string, params: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${running.url}/api/chargers/${identity}/commands/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const profile16 = { connectorId: 1, csChargingProfiles: { chargingProfileId: 7, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 3700 }] } } };
const profile201 = { evseId: 1, chargingProfile: { id: 7, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 1, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 3700 }] }] } };

/** Every CSMS-initiated action the admin API forwards, with a request the charger accepts as valid. */
const COMMANDS = {
  '1.6': [
    ['GetConfiguration', { key: ['HeartbeatInterval'] }],
    ['ChangeConfiguration', { key: 'HeartbeatInterval', value: '120' }],
    ['TriggerMessage', { requestedMessage: 'Heartbeat' }],
    ['SetChargingProfile', profile16],
    ['ClearChargingProfile', { id: 7 }],
    ['RemoteStartTransaction', { connectorId: 1, idTag: 'APP-1' }],
    ['RemoteStopTransaction', { transactionId: 999 }],
    ['UnlockConnector', { connectorId: 1 }],
    ['ChangeAvailability', { connectorId: 1, type: 'Inoperative' }],
    ['SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'RFID-0001', idTagInfo: { status: 'Accepted' } }] }],
    ['GetLocalListVersion', {}],
    ['Reset', { type: 'Soft' }],
  ],
  '2.0.1': [
    ['GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] }],
    ['SetVariables', { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '120' }] }],
    ['TriggerMessage', { requestedMessage: 'Heartbeat' }],
    ['SetChargingProfile', profile201],
    ['ClearChargingProfile', { chargingProfileId: 7 }],
    ['RequestStartTransaction', { evseId: 1, remoteStartId: 1, idToken: { idToken: 'APP-1', type: 'Central' } }],
    ['RequestStopTransaction', { transactionId: 'no-such-transaction' }],
    ['UnlockConnector', { evseId: 1, connectorId: 1 }],
    ['ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } }],
    ['SendLocalList', { versionNumber: 3, updateType: 'Full', localAuthorizationList: [{ idToken: { idToken: 'RFID-0001', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } }] }],
    ['GetLocalListVersion', {}],
    ['Reset', { type: 'OnIdle' }],
  ],
} as const;

describe.each(['1.6', '2.0.1'] as const)('commands to an OCPP %s charger through the admin API', (protocol) => {
  let running: RunningCsms;
  let cp: ChargePoint;
  const answered: { action: string; response: unknown }[] = [];

  beforeAll(async () => {
    running = await startCsms();
    await provisionCharger(running, 'CP-CMD', PASSWORD);
    cp = createChargePoint({ protocol, identity: 'CP-CMD', endpoint: running.ocppEndpoint, password: PASSWORD, template: 'homebox-ac11', clock: new ManualClock(Date.parse('2026-11-24T08:00:00Z')) });
    // After its boot the CSMS reads what the charger's display can show (ADR 0033); the tests count what comes after.
    const capabilityRead = cp.next('csmsRequest', ({ action }) => action === (protocol === '1.6' ? 'GetConfiguration' : 'GetVariables'));
    expect(await cp.connect()).toBe('Accepted');
    await capabilityRead;
    cp.on('csmsRequest', ({ action, response }) => answered.push({ action, response }));
  });

  afterAll(async () => {
    await cp.close();
    await running.stop();
  });

  it('refuses a command that does not fit the protocol schema with 400, without sending it', async () => {
    const before = answered.length;
    const { status, body } = await command(running, 'CP-CMD', 'Reset', { type: 'Sideways' });
    expect(status).toBe(400);
    expect(body.error).toMatch(/Violation/);
    expect(answered).toHaveLength(before);
  });

  it('returns the charger refusing an action it does not implement as a 502 with its error code', async () => {
    const params =
      protocol === '1.6'
        ? { connectorId: 1, expiryDate: '2026-11-24T12:00:00.000Z', idTag: 'RFID-0001', reservationId: 1 }
        : { id: 1, expiryDateTime: '2026-11-24T12:00:00.000Z', idToken: { idToken: 'RFID-0001', type: 'ISO14443' } };
    expect(await command(running, 'CP-CMD', 'ReserveNow', params)).toMatchObject({ status: 502, body: { error: 'NotImplemented' } });
  });

  // Last: Reset makes the charger reboot.
  it.each(COMMANDS[protocol].map(([action, params]) => [action, params] as const))('%s returns what the charger answered', async (action, params) => {
    const { status, body } = await command(running, 'CP-CMD', action, params);
    expect(status).toBe(200);
    expect(answered.filter((a) => a.action === action).at(-1)?.response).toEqual(body);
  });
});
