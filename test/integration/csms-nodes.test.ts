import { randomBytes } from 'node:crypto';
import { createRPCError, type RPCClient } from 'ocpp-rpc';
import { ADMIN_KEY, issueIdToken, provisionCharger, type RunningCsms, startCsms } from '../support/csms';
import { removeKeys } from '../../support/redis-keys';
import { ocppClient } from '../../support/ocpp-client';

const PASSWORD = 'a-long-charger-password';

async function command(node: RunningCsms, identity: string, action: string, params: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${node.url}/api/chargers/${identity}/commands/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('several CSMS nodes sharing one Redis', () => {
  let prefix: string;
  let nodeA: RunningCsms;
  let nodeB: RunningCsms;
  const clients: RPCClient[] = [];

  const connect = async (node: RunningCsms, identity: string): Promise<RPCClient> => {
    const client = ocppClient({ endpoint: node.ocppEndpoint, identity, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    clients.push(client);
    await client.connect();
    return client;
  };

  beforeEach(async () => {
    prefix = `test-${randomBytes(6).toString('hex')}`;
    nodeA = await startCsms({ prefix, nodeId: 'node-a' });
    nodeB = await startCsms({ prefix, nodeId: 'node-b' });
    await provisionCharger(nodeA, 'CP-1', PASSWORD);
    await issueIdToken(nodeA, 'RFID-0001', 'driver-alice');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close({ force: true })));
    await nodeB.stop();
    const redis = nodeA.redis.duplicate();
    await removeKeys(redis, prefix);
    redis.disconnect();
    await nodeA.stop();
  });

  it('routes an admin call to the node that holds the charger and returns the charger answer', async () => {
    const client = await connect(nodeB, 'CP-1');
    client.handle('Reset', async ({ params }) => ({ status: (params as { type: string }).type === 'Soft' ? 'Accepted' : 'Rejected' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await command(nodeA, 'CP-1', 'Reset', { type: 'Soft' })).toEqual({ status: 200, body: { status: 'Accepted' } });
  });

  it('answers 404 for a charger no node holds, and 502 with the code when the charger refuses', async () => {
    expect((await command(nodeA, 'CP-1', 'Reset', { type: 'Soft' })).status).toBe(404);
    const client = await connect(nodeB, 'CP-1');
    client.handle('UnlockConnector', async () => {
      throw createRPCError('GenericError', 'stuck');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await command(nodeA, 'CP-1', 'UnlockConnector', { connectorId: 1 })).toMatchObject({ status: 502, body: { error: 'GenericError' } });
  });

  it('carries a session on when the charger reconnects to another node', async () => {
    const first = await connect(nodeA, 'CP-1');
    const { transactionId } = (await first.call('StartTransaction', { connectorId: 1, idTag: 'RFID-0001', meterStart: 100, timestamp: '2026-11-24T10:00:00.000Z' })) as { transactionId: number };
    await first.close({ force: true });
    const second = await connect(nodeB, 'CP-1');
    await second.call('StopTransaction', { transactionId, meterStop: 2100, timestamp: '2026-11-24T10:30:00.000Z', reason: 'Local' });
    const ended = await nodeB.queue.getJob(`ended.CP-1-${transactionId}`);
    expect(ended?.data).toMatchObject({ meterStartWh: 100, meterStopWh: 2100, startedAt: '2026-11-24T10:00:00.000Z' });
  });

  it('exposes connected chargers and counted calls at /metrics', async () => {
    const client = await connect(nodeA, 'CP-1');
    await client.call('Heartbeat', {});
    const text = await (await fetch(`${nodeA.url}/metrics`)).text();
    expect(text).toMatch(/^csms_connected_chargers 1$/m);
    expect(text).toMatch(/^csms_ocpp_messages_total\{protocol="ocpp1.6",action="Heartbeat",result="ok"\} 1$/m);
    expect(text).toMatch(/^csms_ledger_queue_depth 0$/m);
  });
});
