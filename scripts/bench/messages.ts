/**
 * Transaction messages per second through the CSMS, each answered only after its event is durably in
 * Redis (append-only file, fsync on every write), with p50/p99 latency seen by the chargers.
 *
 *   node --import tsx scripts/bench/messages.ts --chargers 200 --rates 250,500,1000,2000,3000 --seconds 10
 *
 * Starts its own CSMS process (127.0.0.1, random port and queue prefix) against the stack's Redis. Each
 * charger opens one OCPP 1.6 transaction and then sends MeterValues at its share of the target rate; an
 * OCPP-J charger has one call in flight at most, so a charger whose previous call is unanswered skips its
 * turn (counted). Writes JSON and an SVG plot when --out is given; stops everything it started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@chargeledger/config';
import type { RPCClient } from 'ocpp-rpc';
import { Redis } from 'ioredis';
import { removeKeys } from '../../support/redis-keys';
import { aCsmsProcess, freePort } from '../../support/csms-process';
import { ocppClient } from '../../support/ocpp-client';
import { adminCall, pacedCalls, rssMb, summary } from './paced-calls';
import { lineChart } from './svg-chart';

const { values } = parseArgs({ options: { out: { type: 'string' }, chargers: { type: 'string', default: '200' }, rates: { type: 'string', default: '250,500,1000,2000,3000' }, seconds: { type: 'string', default: '10' } } });
const CHARGERS = Number(values.chargers);
const RATES = values.rates.split(',').map(Number);
const SECONDS = Number(values.seconds);
const PASSWORD = 'benchmark-charger-password';
const TOKEN = '04BE4C4BE4C4BE';

interface Step {
  readonly targetPerS: number;
  readonly achievedPerS: number;
  readonly answered: number;
  readonly errors: number;
  readonly skipped: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly csmsRssMb: number;
  readonly queuedEvents: number;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const csms = aCsmsProcess(await freePort());
  await csms.start();
  const redis = new Redis({ host: config.redis.host, port: config.redis.port });
  const clients: RPCClient[] = [];
  try {
    const api = (method: string, route: string, body: object): Promise<void> => adminCall(csms, method, route, body);
    await api('PUT', `/api/id-tokens/${TOKEN}`, { accountId: 'driver-bench' });
    const transactions: number[] = [];
    for (let i = 0; i < CHARGERS; i++) {
      const identity = `MSG-${String(i).padStart(4, '0')}`;
      await api('POST', '/api/chargers', { identity, password: PASSWORD });
      const client = ocppClient({ endpoint: csms.ocppEndpoint, identity, password: PASSWORD, protocols: ['ocpp1.6'], strictMode: true, reconnect: false, callTimeoutMs: 10_000 });
      await client.connect();
      clients.push(client);
      const { transactionId } = (await client.call('StartTransaction', { connectorId: 1, idTag: TOKEN, meterStart: 0, timestamp: new Date().toISOString() })) as { transactionId: number };
      transactions.push(transactionId);
    }
    process.stderr.write(`${CHARGERS} chargers connected, each in a transaction\n`);

    const registers = clients.map(() => 0);
    const clocks = clients.map(() => Date.parse('2026-11-24T00:00:00Z'));
    const steps: Step[] = [];
    for (const rate of RATES) {
      const paced = await pacedCalls({ chargers: CHARGERS, ratePerS: rate, seconds: SECONDS }, async (i) => {
        registers[i] = (registers[i] ?? 0) + 10;
        clocks[i] = (clocks[i] ?? 0) + 1000;
        const meterValue = [{ timestamp: new Date(clocks[i] ?? 0).toISOString(), sampledValue: [{ value: String(registers[i]), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }];
        await clients[i]?.call('MeterValues', { connectorId: 1, transactionId: transactions[i], meterValue });
        return true;
      });
      const queued = await redis.zcard(`${csms.options.prefix}:ledger-events:wait`).catch(() => 0) + (await redis.llen(`${csms.options.prefix}:ledger-events:wait`).catch(() => 0));
      const step: Step = {
        targetPerS: rate,
        ...summary(paced),
        answered: paced.latencies.length,
        errors: paced.errors,
        skipped: paced.skipped,
        csmsRssMb: rssMb(csms.pid),
        queuedEvents: queued,
      };
      steps.push(step);
      process.stderr.write(`${JSON.stringify(step)}\n`);
    }
    const result = { chargers: CHARGERS, secondsPerStep: SECONDS, steps };
    console.log(JSON.stringify(result, null, 2));
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(path.join(values.out, 'messages.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(
        path.join(values.out, 'messages.svg'),
        lineChart({
          title: `MeterValues through the CSMS, durable enqueue included (${CHARGERS} chargers)`,
          xLabel: 'messages answered per second',
          yLabel: 'latency (ms)',
          series: [
            { name: 'p50 latency', color: '#1f77b4', points: steps.map((s) => ({ x: s.achievedPerS, y: s.p50Ms })) },
            { name: 'p99 latency', color: '#d62728', points: steps.map((s) => ({ x: s.achievedPerS, y: s.p99Ms })) },
          ],
        }),
      );
    }
  } finally {
    await Promise.all(clients.map((client) => client.close({ force: true })));
    await csms.stop();
    await removeKeys(redis, csms.options.prefix);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
