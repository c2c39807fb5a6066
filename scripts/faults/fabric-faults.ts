import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { problemsOf, runFabricFaults, summary } from '../../support/faults/fabric-faults';

/**
 * The fault run of support/faults/fabric-faults.ts from the command line (docs/faults.md):
 *
 *   node --import tsx scripts/faults/fabric-faults.ts [--sessions 200] [--chargers 16] [--ordering raft|bft] [--out report.json]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sessions: { type: 'string', default: '200' }, chargers: { type: 'string', default: '24' }, ordering: { type: 'string', default: 'raft' }, out: { type: 'string' } } });
  const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  if (values.ordering !== 'raft' && values.ordering !== 'bft') throw new Error('--ordering is raft or bft');
  const bft = values.ordering === 'bft';
  const report = await runFabricFaults({ sessions: Number(values.sessions), chargers: Number(values.chargers), dataDir: bft ? '.data-faults-bft' : '.data-faults', portOffset: bft ? 1600 : 1300, ordering: values.ordering, log });
  if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(summary(report));
  const problems = problemsOf(report);
  for (const problem of problems) console.log(`PROBLEM ${problem}`);
  process.exit(problems.length === 0 ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

