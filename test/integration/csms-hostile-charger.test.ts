import { loadConfig } from '@chargeledger/config';
import { Redis } from 'ioredis';
import { removeKeys } from '../../support/redis-keys';
import { aCsmsProcess, type CsmsProcess, freePort } from '../../support/csms-process';
import { ocppClient } from '../../support/ocpp-client';
import { RawCharger } from '../support/raw-charger';

const PASSWORD = 'a-long-charger-password';
const OVERSIZED = 70_000;

async function provision(csms: CsmsProcess, identity: string): Promise<void> {
  const response = await fetch(`${csms.url}/api/chargers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${csms.options.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identity, password: PASSWORD }),
  });
  if (response.status !== 201) throw new Error(`provisioning ${identity}: ${response.status} ${await response.text()}`);
}

function rawCharger(csms: CsmsProcess, identity: string): Promise<RawCharger> {
  return RawCharger.connect({ endpoint: csms.ocppEndpoint, identity, password: PASSWORD, protocols: ['ocpp1.6'] });
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a charger that misbehaves while the CSMS is closing its connection', () => {
  let csms: CsmsProcess;

  beforeEach(async () => {
    csms = aCsmsProcess(await freePort());
    await csms.start();
    await provision(csms, 'CP-HOSTILE');
    await provision(csms, 'CP-GOOD');
  });

  afterEach(async () => {
    await csms.kill();
    const { redis } = loadConfig();
    const connection = new Redis({ host: redis.host, port: redis.port });
    await removeKeys(connection, csms.options.prefix);
    connection.disconnect();
  });

  async function expectStillServing(): Promise<void> {
    // Give a crash the moment it needs to happen before looking.
    await settle(500);
    // On failure, what the process printed as it died.
    expect(csms.running ? 'running' : csms.output).toBe('running');
    // Kept alive by handling the close, not by the last-resort handler catching what nobody handled.
    expect(csms.output).not.toContain('unhandledRejection');
    expect((await fetch(`${csms.url}/health`)).status).toBe(200);
    const good = ocppClient({ endpoint: csms.ocppEndpoint, identity: 'CP-GOOD', password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false });
    await good.connect();
    try {
      expect(await good.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'AC22' })).toMatchObject({ status: 'Accepted' });
    } finally {
      await good.close({ force: true });
    }
  }

  it('keeps serving after eleven non-JSON frames and then a frame over the size limit', async () => {
    const hostile = await rawCharger(csms, 'CP-HOSTILE');
    for (let i = 0; i < 11; i++) hostile.send(`not json ${i}`);
    await settle(200);
    hostile.send('x'.repeat(OVERSIZED));
    await settle(200);
    hostile.destroy();

    await expectStillServing();
  });

  it('keeps serving after the older of two connections with one identity sends a frame over the size limit', async () => {
    const older = await rawCharger(csms, 'CP-HOSTILE');
    const newer = await rawCharger(csms, 'CP-HOSTILE');
    await settle(200);
    older.send('x'.repeat(OVERSIZED));
    await settle(200);
    older.destroy();
    newer.destroy();

    await expectStillServing();
  });
});
