import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TransactionStore } from './domain/transactions';
import type { LedgerOutcome } from '@chargeledger/ledger-queue';
import type { CommandRouter } from './command-router';

export interface LedgerReactionsOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly queueName: string;
  readonly transactions: TransactionStore;
  readonly router: CommandRouter;
  readonly log: Logger;
}

export type Reaction = 'stop-requested' | 'already-ended' | 'unknown-session' | 'charger-declined' | 'settlement-recorded';

/**
 * Acts on what the ledger reported: a settled session records what the driver was charged and the
 * transaction and block that say so; a session whose hold was refused or exhausted is stopped on the
 * charger (1.6 RemoteStopTransaction, 2.0.1 RequestStopTransaction), through whichever node holds its
 * socket. A charger that is not connected makes the job fail and retry with backoff; one that ended the
 * session meanwhile needs nothing.
 */
export class LedgerReactions {
  readonly #worker: Worker<LedgerOutcome, Reaction>;

  constructor(options: Readonly<LedgerReactionsOptions>) {
    this.#worker = new Worker<LedgerOutcome, Reaction>(
      options.queueName,
      async (job) => {
        const outcome = job.data;
        const log = options.log.child({ sessionId: outcome.sessionId, chargerId: outcome.chargerId, outcome: outcome.kind });
        const session = await options.transactions.get(outcome.sessionId);
        if (session === undefined) {
          log.warn('the ledger reported on a session this CSMS does not know');
          return 'unknown-session';
        }
        if (outcome.kind === 'SessionSettled') {
          const { charged, energyWh, verification, transactionId, blockNumber } = outcome;
          await options.transactions.put({ ...session, settlement: { charged, energyWh, verification, transactionId, blockNumber } });
          log.info({ charged, transactionId, blockNumber }, 'the ledger settled the session');
          return 'settlement-recorded';
        }
        if (session.ended) return 'already-ended';
        const answer =
          session.protocol === '1.6'
            ? await options.router.call(session.chargerId, '1.6', 'RemoteStopTransaction', { transactionId: Number(session.transactionId) })
            : await options.router.call(session.chargerId, '2.0.1', 'RequestStopTransaction', { transactionId: session.transactionId });
        log.info({ reason: outcome.reason, answer: answer.status }, 'stop requested after the ledger refused or exhausted the hold');
        return answer.status === 'Accepted' ? 'stop-requested' : 'charger-declined';
      },
      { connection: options.connection, prefix: options.prefix, concurrency: 4, autorun: false },
    );
    this.#worker.on('error', (error) => options.log.warn({ err: error }, 'ledger outcome worker error'));
  }

  run(): void {
    void this.#worker.run();
  }

  async close(): Promise<void> {
    await this.#worker.close();
  }
}
