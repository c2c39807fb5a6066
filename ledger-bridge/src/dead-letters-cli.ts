import { loadConfig } from '@chargeledger/config';
import { ledgerQueueNames } from '@chargeledger/ledger-queue';
import { Redis } from 'ioredis';
import pino from 'pino';
import { DeadLetterOffice } from './dead-letters';

const USAGE = `npm run dead-letters -- list              events the ledger refused for good, and events whose retries ran out
npm run dead-letters -- redrive <event id> put one back in the events queue (the ledger applies an event once)
npm run dead-letters -- redrive --all      put every one listed back`;

/** The operator's command over the stack's Redis (config/defaults.env and the environment say which). */
async function main(argv: readonly string[]): Promise<number> {
  const [command, target] = argv;
  if (command !== 'list' && command !== 'redrive') {
    console.error(USAGE);
    return 2;
  }
  if (command === 'redrive' && target === undefined) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const connection = new Redis({ host: config.redis.host, port: config.redis.port, maxRetriesPerRequest: 3 });
  const names = ledgerQueueNames(config.queue);
  const office = new DeadLetterOffice({ connection, prefix: config.queue.prefix, eventsQueueName: names.events, deadLetterQueueName: names.deadLetters, kept: config.queue.retention.failed, log: pino({ level: 'warn' }) });
  try {
    if (command === 'list') {
      const listed = await office.list();
      for (const failure of listed) console.log(`${failure.failedAt}  ${failure.kind.padEnd(9)} ${failure.eventId}  ${failure.code}: ${failure.reason}`);
      console.log(`${listed.length} failed event(s); kept at most ${config.queue.retention.failed.count} for ${config.queue.retention.failed.age} s`);
      return 0;
    }
    const ids = target === '--all' ? (await office.list()).map((failure) => failure.eventId) : [target ?? ''];
    let unknown = 0;
    for (const id of ids) {
      const result = await office.redrive(id);
      if (result === 'unknown') unknown++;
      console.log(`${id}: ${result}`);
    }
    return unknown > 0 ? 1 : 0;
  } finally {
    await office.close();
    connection.disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
