import type { Server } from 'node:http';
import { EmbeddedGatewayClient } from './gateway-client';
import { startEmbeddedGateway } from './gateway-server';
import { aDataDir, type Parties, openAt, removeDataDir } from './testing';

/** Each organization has its own key to the gateway, and a key acts only as its own organization's identities. */
describe('the embedded ledger gateway', () => {
  const KEYS = { WalletsMSP: 'wallets-key-0123456789abcdef', OperatorsMSP: 'operators-key-0123456789abcdef' } as const;
  let dataDir: string;
  let parties: Parties;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dataDir = await aDataDir();
    parties = await openAt(dataDir);
    ({ server, url } = await startEmbeddedGateway({ ledger: parties.ledger, host: '127.0.0.1', port: 0, keys: KEYS }));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await parties.ledger.close();
    await removeDataDir(dataDir);
  });

  const post = (key: string, body: unknown): Promise<Response> =>
    fetch(`${url}/v1/submit`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('lets an organization’s key act as that organization', async () => {
    const wallets = new EmbeddedGatewayClient({ url, key: KEYS.WalletsMSP, identity: { mspId: 'WalletsMSP' } });
    await expect(wallets.submit('Wallet:openAccount', { eventId: 'gw-open-1', accountId: 'drv-gw-1', kind: 'driver', currency: 'EUR', sessionLimit: 1000 })).resolves.toMatchObject({ accountId: 'drv-gw-1' });
  });

  it('refuses another organization’s identity with its key: the Operators’ key cannot top up a wallet as Wallets', async () => {
    const impostor = new EmbeddedGatewayClient({ url, key: KEYS.OperatorsMSP, identity: { mspId: 'WalletsMSP' } });
    const height = parties.ledger.height();
    await expect(impostor.submit('Wallet:topUp', { eventId: 'gw-topup-1', accountId: 'drv-gw-1', amount: 100_000_000, reference: 'free money' } as never)).rejects.toMatchObject({ name: 'LedgerRefusal', code: 'ACCESS_DENIED' });
    expect((await post(KEYS.OperatorsMSP, { identity: { mspId: 'ProsumersMSP' }, name: 'Wallet:getAccount', request: { accountId: 'drv-gw-1' } })).status).toBe(403);
    expect(parties.ledger.height()).toBe(height);
  });

  it('refuses an organization that has no key, and a key nobody was given', async () => {
    expect((await post('no-such-key', { identity: { mspId: 'WalletsMSP' }, name: 'Wallet:getAccount', request: { accountId: 'drv-gw-1' } })).status).toBe(401);
    expect((await post('', { identity: { mspId: 'AuthorityMSP' }, name: 'Wallet:getAccount', request: { accountId: 'drv-gw-1' } })).status).toBe(401);
  });

  it('lets every organization’s key read blocks, as any channel member may', async () => {
    const operators = new EmbeddedGatewayClient({ url, key: KEYS.OperatorsMSP, identity: { mspId: 'OperatorsMSP' } });
    await expect(operators.block(0)).resolves.toMatchObject({ header: { number: 0 } });
  });

  it('answers malformed calls 400 without the runtime’s error text', async () => {
    const answer = await post(KEYS.WalletsMSP, { identity: { mspId: 'WalletsMSP' }, name: 'Wallet:setDriverProfile', request: { eventId: 'x', accountId: 'drv-gw-1' }, transient: { driverProfile: 42 } });
    expect(answer.status).toBe(400);
    expect(await answer.text()).not.toMatch(/TypeError|must be of type/);
  });

  it('answers an absolute-form request target 400, not 500', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const target = new URL(url);
      const outgoing = request({ host: target.hostname, port: target.port, method: 'GET', path: 'http://gateway:1/v1/height', headers: { authorization: `Bearer ${KEYS.WalletsMSP}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect(status).toBe(400);
  });
});
