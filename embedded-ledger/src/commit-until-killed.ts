/**
 * Run by the kill -9 test in a process of its own: opens the ledger in the directory given as the first
 * argument, then opens accounts from four concurrent lanes, printing each account id only once its
 * transaction is committed, until the test kills the process.
 */
import { openAt, TestClock } from './testing';

async function main(dataDir: string): Promise<void> {
  const parties = await openAt(dataDir, new TestClock(Date.now()));
  process.stdout.write('ready\n');
  let next = 0;
  const lane = async (): Promise<never> => {
    for (;;) {
      const accountId = `k-${next++}`;
      await parties.wallets.submit('Wallet:openAccount', { eventId: parties.eventId(), accountId, kind: 'driver', currency: 'EUR', sessionLimit: 100 });
      process.stdout.write(`${JSON.stringify({ committed: accountId })}\n`);
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
}

const [dataDir] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: commit-until-killed <dataDir>');
void main(dataDir);
