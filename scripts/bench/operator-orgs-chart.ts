import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lineChart } from './svg-chart';

/**
 * The several-operator runs of fabric-settlement.ts (labels ops1, ops2, ops4) in one plot: the saturating
 * settlement and raw throughput, and the endorsements per settlement read from the blocks, against the number
 * of operator organizations. Runs missing from docs/benchmarks are left out.
 *
 *   node --import tsx scripts/bench/operator-orgs-chart.ts
 */
interface OperatorOrgsRun {
  readonly operatorOrganizations: number;
  readonly saturatingSettlementPerS: number;
  readonly saturatingRawPerS: number;
  readonly endorsements?: { readonly settlement: readonly string[]; readonly raw: readonly string[] };
}

const dir = 'docs/benchmarks';
const runs = [1, 2, 4]
  .map((n) => path.join(dir, `fabric-settlement-ops${n}.json`))
  .filter((file) => existsSync(file))
  .map((file) => JSON.parse(readFileSync(file, 'utf8')) as OperatorOrgsRun);
if (runs.length === 0) throw new Error(`no fabric-settlement-ops<n>.json in ${dir}`);
const svg = lineChart({
  title: 'Saturating throughput against operator organizations (200ms, 100 tx/block)',
  xLabel: 'operator organizations',
  yLabel: 'committed (tx/s)',
  yRightLabel: 'endorsements per settlement',
  series: [
    { name: 'settlement, shared transactions (closeSessions)', color: '#c0392b', points: runs.map((run) => ({ x: run.operatorOrganizations, y: run.saturatingSettlementPerS })) },
    { name: 'raw (publishTariff)', color: '#2c7fb8', points: runs.map((run) => ({ x: run.operatorOrganizations, y: run.saturatingRawPerS })) },
    { name: 'endorsements per settlement (right axis)', color: '#999', right: true, points: runs.map((run) => ({ x: run.operatorOrganizations, y: run.endorsements?.settlement.length ?? 0 })) },
  ],
});
writeFileSync(path.join(dir, 'fabric-settlement-operator-orgs.svg'), svg);
for (const run of runs) console.log(`${run.operatorOrganizations} operator organizations: settlement ${run.saturatingSettlementPerS}/s, raw ${run.saturatingRawPerS}/s, endorsed by ${run.endorsements?.settlement.join(', ')} (raw: ${run.endorsements?.raw.join(', ')})`);
