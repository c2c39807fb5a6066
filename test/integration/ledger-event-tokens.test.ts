import type { RPCClient } from 'ocpp-rpc';
import { issueIdToken, provisionCharger, type RunningCsms, startCsms } from '../support/csms';
import { ocppClient } from '../../support/ocpp-client';

const PASSWORD = 'a-long-charger-password';
// A token no other text in Redis could contain by chance.
const TOKEN = 'C0FFEE0123456789';

/**
 * The raw id token crosses Redis to the bridge once, in SessionStarted, because the Wallets peer resolves it
 * to an account there (decision 15). No other queued event holds it, and the open's job goes away after it
 * is applied.
 */
describe('the raw id token in the ledger events queue', () => {
  let running: RunningCsms;
  const clients: RPCClient[] = [];

  beforeEach(async () => {
    running = await startCsms();
    await provisionCharger(running, 'CP-16', PASSWORD);
    await provisionCharger(running, 'CP-201', PASSWORD);
    await issueIdToken(running, TOKEN, 'driver-alice');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close({ force: true })));
    await running.stop();
  });

  async function charger(identity: string, protocol: 'ocpp1.6' | 'ocpp2.0.1'): Promise<RPCClient> {
    const client = ocppClient({ endpoint: running.ocppEndpoint, identity, password: PASSWORD, protocols: [protocol], strictMode: true, reconnect: false });
    clients.push(client);
    await client.connect();
    return client;
  }

  /** Every key of the events queue whose stored fields contain the raw token. */
  async function queueKeysHoldingTheToken(): Promise<string[]> {
    const keys = await running.redis.keys(`${running.prefix}:${running.queue.name}:*`);
    const holding: string[] = [];
    for (const key of keys) {
      if ((await running.redis.type(key)) !== 'hash') continue;
      if (Object.values(await running.redis.hgetall(key)).some((value) => value.includes(TOKEN))) holding.push(key);
    }
    return holding.sort();
  }

  it('holds the token only in the SessionStarted job, which is removed an hour after the bridge applied it (1.6)', async () => {
    const cp = await charger('CP-16', 'ocpp1.6');
    const { transactionId } = (await cp.call('StartTransaction', { connectorId: 1, idTag: TOKEN, meterStart: 0, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
    await cp.call('StopTransaction', { transactionId, idTag: TOKEN, meterStop: 1200, timestamp: '2026-11-24T10:30:00.000Z' });
    const sessionId = `CP-16-${transactionId}`;

    const started = await running.queue.getJob(`started.${sessionId}`);
    const ended = await running.queue.getJob(`ended.${sessionId}`);
    expect(started?.data).toMatchObject({ idToken: TOKEN });
    expect(started?.opts.removeOnComplete).toEqual({ age: 3600, count: 20_000 });
    expect(ended?.data).not.toHaveProperty('idToken');
    expect(await queueKeysHoldingTheToken()).toEqual([`${running.prefix}:${running.queue.name}:started.${sessionId}`]);
  });

  it('leaves the token out of SessionEnded when a 2.0.1 Ended names it', async () => {
    const cp = await charger('CP-201', 'ocpp2.0.1');
    const idToken = { idToken: TOKEN, type: 'ISO14443' };
    const base = { evse: { id: 1, connectorId: 1 }, transactionInfo: { transactionId: 'tx-1' } };
    await cp.call('TransactionEvent', { ...base, eventType: 'Started', timestamp: '2026-11-24T10:00:00.000Z', triggerReason: 'Authorized', seqNo: 0, idToken });
    await cp.call('TransactionEvent', { ...base, eventType: 'Ended', timestamp: '2026-11-24T10:20:00.000Z', triggerReason: 'StopAuthorized', seqNo: 1, idToken });

    expect((await running.queue.getJob('ended.CP-201-tx-1'))?.data).not.toHaveProperty('idToken');
    expect(await queueKeysHoldingTheToken()).toEqual([`${running.prefix}:${running.queue.name}:started.CP-201-tx-1`]);
  });
});
