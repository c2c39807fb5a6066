import { randomBytes } from 'node:crypto';
import type { RPCClient } from 'ocpp-rpc';
import { ADMIN_KEY, provisionCharger, type RunningCsms, startCsms } from '../support/csms';
import { removeKeys } from '../../support/redis-keys';
import { ocppClient } from '../../support/ocpp-client';
import { HandshakeRefusedError, RawCharger } from '../support/raw-charger';

const PASSWORD = 'a-long-charger-password';

async function command(node: RunningCsms, identity: string, action: string, params: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${node.url}/api/chargers/${identity}/commands/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Two nodes sharing one Redis; a charger on B, commands asked of either. */
describe('what a new user of the CSMS ran into', () => {
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
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close({ force: true })));
    await nodeB.stop();
    const redis = nodeA.redis.duplicate();
    await removeKeys(redis, prefix);
    redis.disconnect();
    await nodeA.stop();
  });

  it('refuses at the handshake a connection offering no OCPP version it speaks, and leaves the live connection alone', async () => {
    const live = await connect(nodeB, 'CP-1');
    let liveClosed = false;
    live.once('close', () => (liveClosed = true));
    for (const protocols of [[], ['ocpp1.5'], ['ocpp1.5', 'ocpp3.0']]) {
      const attempt = RawCharger.connect({ endpoint: nodeB.ocppEndpoint, identity: 'CP-1', password: PASSWORD, protocols });
      await expect(attempt).rejects.toEqual(expect.objectContaining({ name: 'HandshakeRefusedError', statusCode: 400 }));
      await expect(attempt).rejects.toBeInstanceOf(HandshakeRefusedError);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(liveClosed).toBe(false);
    expect(await live.call('Heartbeat', {})).toHaveProperty('currentTime');
  });

  it.each([
    ['the node holding the socket', () => nodeB],
    ['another node', () => nodeA],
  ])('answers 504 ChargerTimeout on %s when the charger never answers a command', async (_where, node) => {
    const client = await connect(nodeB, 'CP-1');
    client.handle('Reset', () => new Promise(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answer = await command(node(), 'CP-1', 'Reset', { type: 'Soft' });
    expect(answer).toMatchObject({ status: 504, body: { error: 'ChargerTimeout' } });
  }, 30_000);

  it('refuses to provision an identity that exists with 409, and replaces its password only when asked to rotate it', async () => {
    const again = async (body: object): Promise<number> => {
      const response = await fetch(`${nodeA.url}/api/chargers`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await response.arrayBuffer();
      return response.status;
    };
    const NEW_PASSWORD = 'another-long-charger-password';
    expect(await again({ identity: 'CP-1', password: NEW_PASSWORD })).toBe(409);
    // The first password still opens the door, the second does not.
    await (await connect(nodeA, 'CP-1')).close();
    const refused = ocppClient({ endpoint: nodeA.ocppEndpoint, identity: 'CP-1', password: NEW_PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    await expect(refused.connect()).rejects.toThrow();

    expect(await again({ identity: 'CP-1', password: NEW_PASSWORD, rotatePassword: true })).toBe(201);
    const old = ocppClient({ endpoint: nodeA.ocppEndpoint, identity: 'CP-1', password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    await expect(old.connect()).rejects.toThrow();
    const rotated = ocppClient({ endpoint: nodeA.ocppEndpoint, identity: 'CP-1', password: NEW_PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    clients.push(rotated);
    await rotated.connect();
    // Rotating an identity nobody provisioned is not a way to create one by mistake.
    expect(await again({ identity: 'CP-NEW', password: NEW_PASSWORD, rotatePassword: true })).toBe(404);
  });
});
