import { loadConfig } from '@chargeledger/config';
import { Redis } from 'ioredis';
import { removeKeys } from '../../support/redis-keys';
import { aCsmsProcess, type CsmsProcess, freePort } from '../../support/csms-process';
import { ocppClient } from '../../support/ocpp-client';

describe('a CSMS asked to stop (SIGTERM)', () => {
  let csms: CsmsProcess;

  beforeEach(async () => {
    csms = aCsmsProcess(await freePort());
    await csms.start();
  });

  afterEach(async () => {
    await csms.kill();
    const { redis } = loadConfig();
    const connection = new Redis({ host: redis.host, port: redis.port });
    await removeKeys(connection, csms.options.prefix);
    connection.disconnect();
  });

  it('closes every charger socket with 1001 (going away) and exits by itself', async () => {
    const provisioned = await fetch(`${csms.url}/api/chargers`, { method: 'POST', headers: { authorization: `Bearer ${csms.options.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ identity: 'CP-T', password: 'a-long-charger-password' }) });
    expect(provisioned.status).toBe(201);
    const client = ocppClient({ endpoint: csms.ocppEndpoint, identity: 'CP-T', password: 'a-long-charger-password', protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    await client.connect();
    const closed = new Promise<{ code: number }>((resolve) => client.once('close', resolve));

    const exitCode = await csms.terminate();

    expect((await closed).code).toBe(1001);
    expect(exitCode).toBe(0);
  });
});
