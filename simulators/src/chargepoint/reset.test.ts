import type { V16Actions, V201, V201Actions } from '@chargeledger/ocpp-types';
import { createChargePoint } from './create';
import { CsmsDouble } from './testing/csms-double';
import { aClock, anEv, anIdentity, FAST_RECONNECT, MINUTE } from './testing/builders';

type TransactionEventRequest = V201.TransactionEventRequest;

describe('Reset', () => {
  it('1.6: stops the transaction with HardReset, reconnects and boots again', async () => {
    const csms = await CsmsDouble.start<V16Actions>({ protocol: 'ocpp1.6' });
    const identity = anIdentity('CP16-RST');
    const cp = createChargePoint({ protocol: '1.6', identity, endpoint: csms.endpoint, template: 'homebox-ac11', clock: aClock(), backoff: FAST_RECONNECT });
    try {
      await cp.connect();
      await cp.plugIn(1, anEv());
      await cp.authorizeAndStart('CARD');
      await cp.advance(10 * MINUTE);

      const rebooted = cp.next('registration', (r) => r.status === 'Accepted');
      expect(await csms.call(identity, 'Reset', { type: 'Hard' })).toEqual({ status: 'Accepted' });
      await rebooted;
      await cp.settle();

      expect(csms.payloads('StopTransaction')[0]).toMatchObject({ reason: 'HardReset' });
      expect(csms.actions().filter((a) => a === 'BootNotification')).toHaveLength(2);
      expect(csms.payloads('StatusNotification').at(-1)).toMatchObject({ connectorId: 1, status: 'Finishing' });
      expect(csms.validationFailures).toEqual([]);
    } finally {
      await cp.close();
      await csms.close();
    }
  });

  it('2.0.1: OnIdle waits for the running transaction, then boots with reason RemoteReset', async () => {
    const csms = await CsmsDouble.start<V201Actions>({ protocol: 'ocpp2.0.1' });
    const identity = anIdentity('CS201-RST');
    const cp = createChargePoint({ protocol: '2.0.1', identity, endpoint: csms.endpoint, template: 'homebox-ac11', clock: aClock(), backoff: FAST_RECONNECT });
    try {
      await cp.connect();
      await cp.plugIn(1, anEv());
      await cp.authorizeAndStart('CARD');

      expect(await csms.call(identity, 'Reset', { type: 'OnIdle' })).toEqual({ status: 'Scheduled' });
      const rebooted = cp.next('registration', (r) => r.status === 'Accepted');
      await cp.stop();
      await rebooted;
      await cp.settle();

      expect(csms.payloads('TransactionEvent').map((e: TransactionEventRequest) => e.eventType).at(-1)).toBe('Ended');
      expect(csms.payloads('BootNotification').map((b) => b.reason)).toEqual(['PowerUp', 'RemoteReset']);
      expect(csms.validationFailures).toEqual([]);
    } finally {
      await cp.close();
      await csms.close();
    }
  });
});
