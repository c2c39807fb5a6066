/**
 * How many simulated chargers one process keeps connected to one CSMS process, and what that costs.
 *
 *   node --import tsx scripts/bench/connections.ts --chargers 5000 --hold-s 60
 *
 * Starts its own CSMS process (127.0.0.1, random port and queue prefix) against the stack's Redis,
 * provisions the chargers through the admin API, connects them (OCPP 1.6 and 2.0.1 alternating), holds
 * them for a while, and writes a JSON result (progress on stderr). Stops everything it started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@chargeledger/config';
import { type ChargePoint, createChargePoint, ManualClock } from '@chargeledger/simulators';
import { Redis } from 'ioredis';
import { removeKeys } from '../../support/redis-keys';
import { aCsmsProcess, freePort } from '../../support/csms-process';
import { rssMb } from './paced-calls';
import { lineChart } from './svg-chart';

const { values } = parseArgs({ options: { out: { type: 'string' }, chargers: { type: 'string', default: '5000' }, 'hold-s': { type: 'string', default: '60' }, concurrency: { type: 'string', default: '64' } } });
const CHARGERS = Number(values.chargers);
const HOLD_S = Number(values['hold-s']);
const CONCURRENCY = Number(values.concurrency);
const PASSWORD = 'benchmark-charger-password';

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>, label: string): Promise<void> {
  let done = 0;
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
        if (++done % 500 === 0 || done === items.length) process.stderr.write(`${label}: ${done}/${items.length} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      }
    }),
  );
}

async function main(): Promise<void> {
  const config = loadConfig();
  const csms = aCsmsProcess(await freePort());
  await csms.start();
  const csmsPid = csms.pid;
  const identities = Array.from({ length: CHARGERS }, (_, i) => `BENCH-${String(i).padStart(5, '0')}`);
  const chargePoints: ChargePoint[] = [];
  const samples: { t: number; connected: number; simRssMb: number; csmsRssMb: number }[] = [];
  const t0 = Date.now();
  const sample = (): void => {
    samples.push({ t: (Date.now() - t0) / 1000, connected: chargePoints.filter((cp) => cp.online).length, simRssMb: rssMb(process.pid), csmsRssMb: rssMb(csmsPid) });
  };
  const sampler = setInterval(sample, 1000);
  try {
    const baseline = { simRssMb: rssMb(process.pid), csmsRssMb: rssMb(csmsPid) };
    const provisionStart = Date.now();
    await inBatches(identities, 16, async (identity) => {
      const response = await fetch(`${csms.url}/api/chargers`, { method: 'POST', headers: { authorization: `Bearer ${csms.options.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ identity, password: PASSWORD }) });
      if (response.status !== 201) throw new Error(`provisioning ${identity}: ${response.status}`);
    }, 'provisioned');
    const provisionS = (Date.now() - provisionStart) / 1000;

    const connectStart = Date.now();
    const failures: string[] = [];
    await inBatches(identities, CONCURRENCY, async (identity) => {
      const cp = createChargePoint({ protocol: chargePoints.length % 2 === 0 ? '1.6' : '2.0.1', identity, endpoint: csms.ocppEndpoint, password: PASSWORD, template: 'homebox-ac11', clock: new ManualClock(Date.now()) });
      chargePoints.push(cp);
      const status = await cp.connect().catch((error: unknown) => String(error));
      if (status !== 'Accepted') failures.push(`${identity}: ${status}`);
    }, 'connected');
    const connectS = (Date.now() - connectStart) / 1000;

    process.stderr.write(`holding ${CHARGERS} chargers for ${HOLD_S} s\n`);
    await new Promise((resolve) => setTimeout(resolve, HOLD_S * 1000));
    sample();
    const held = chargePoints.filter((cp) => cp.online).length;
    const metrics = await (await fetch(`${csms.url}/metrics`)).text();

    // A reconnect storm: every charger drops and connects again, as after a network outage. The CSMS has
    // verified each password once already, so this measures the handshake without the scrypt.
    await inBatches(chargePoints.splice(0), 256, (cp) => cp.close(), 'dropped');
    const reconnectStart = Date.now();
    await inBatches(identities, CONCURRENCY, async (identity) => {
      const cp = createChargePoint({ protocol: chargePoints.length % 2 === 0 ? '1.6' : '2.0.1', identity, endpoint: csms.ocppEndpoint, password: PASSWORD, template: 'homebox-ac11', clock: new ManualClock(Date.now()) });
      chargePoints.push(cp);
      const status = await cp.connect().catch((error: unknown) => String(error));
      if (status !== 'Accepted') failures.push(`${identity} (reconnect): ${status}`);
    }, 'reconnected');
    const reconnectS = (Date.now() - reconnectStart) / 1000;
    sample();
    const result = {
      chargers: CHARGERS,
      provisionS,
      connectS,
      connectPerS: Math.round(CHARGERS / connectS),
      reconnectS,
      reconnectPerS: Math.round(CHARGERS / reconnectS),
      reconnectedConnected: chargePoints.filter((cp) => cp.online).length,
      connectFailures: failures.length,
      firstFailures: failures.slice(0, 5),
      connectedAfterHold: held,
      csmsSeesConnected: Number(/^csms_connected_chargers (\d+)/m.exec(metrics)?.[1] ?? -1),
      baseline,
      final: samples.at(-1),
      samples,
    };
    console.log(JSON.stringify({ ...result, samples: undefined }, null, 2));
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(path.join(values.out, 'connections.json'), `${JSON.stringify(result, null, 2)}\n`);
      const points = (key: 'connected' | 'simRssMb' | 'csmsRssMb'): { x: number; y: number }[] => samples.map((s) => ({ x: s.t, y: s[key] }));
      writeFileSync(
        path.join(values.out, 'connections.svg'),
        lineChart({
          title: `${CHARGERS} simulated chargers from one process to one CSMS process`,
          xLabel: 'seconds since start (provisioning, connecting, holding, reconnect storm)',
          yLabel: 'chargers connected',
          yRightLabel: 'resident memory (MB)',
          series: [
            { name: 'chargers connected', color: '#1f77b4', points: points('connected') },
            { name: 'simulator process RSS (MB)', color: '#ff7f0e', points: points('simRssMb'), right: true },
            { name: 'CSMS process RSS (MB)', color: '#2ca02c', points: points('csmsRssMb'), right: true },
          ],
        }),
      );
    }
  } finally {
    clearInterval(sampler);
    await inBatches(chargePoints, 256, (cp) => cp.close(), 'closed');
    await csms.stop();
    const redis = new Redis({ host: config.redis.host, port: config.redis.port });
    await removeKeys(redis, csms.options.prefix);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
