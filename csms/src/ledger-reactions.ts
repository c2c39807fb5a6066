import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type LedgerOutcome, type SessionSettlement, type SettledOnLedger, type SettlementRefusalCode, settlementOf } from '@chargeledger/ledger-queue';
import type { SessionFlag, SessionState } from './domain/session-state';
import type { SessionStore } from './stores/sessions';
import type { CommandRouter } from './command-router';
import type { PriceDisplay } from './price-display';

export interface LedgerReactionsOptions {
  readonly connection: Redis;
  readonly prefix: string;
  readonly queueName: string;
  readonly sessions: SessionStore;
  readonly router: CommandRouter;
  readonly priceDisplay: Pick<PriceDisplay, 'setPricing' | 'settled'>;
  readonly log: Logger;
  /** Counts a settlement the ledger refused (csms_settlements_refused_total); the session and the log say which. */
  readonly settlementRefused: (code: SettlementRefusalCode) => void;
  /** Counts a session flag (csms_session_flags_total). */
  readonly sessionFlagged: (flag: SessionFlag) => void;
}

export type Reaction = 'pricing-recorded' | 'stop-requested' | 'already-ended' | 'unknown-session' | 'charger-declined' | 'settlement-recorded' | 'refusal-recorded';

/**
 * Acts on what the ledger reported: a settled session records what the driver was charged and the
 * transaction and block that say so, flagged where the charger claimed other energy than its meter signed; a
 * settlement the ledger refused for good records why (ADR 0025); a session whose hold was refused or exhausted is stopped on the
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
        // Kept by session id alone: the open may be reported before this node stored the session.
        if (outcome.kind === 'SessionOpened') {
          await options.priceDisplay.setPricing(outcome.sessionId, { tariff: outcome.tariff, holdAmount: outcome.holdAmount });
          log.info({ tariffId: outcome.tariff.tariffId, tariffVersion: outcome.tariff.version, holdAmount: outcome.holdAmount }, 'the ledger opened the session; its frozen tariff prices the running cost');
          return 'pricing-recorded';
        }
        const session = await options.sessions.get(outcome.sessionId);
        if (session === undefined) {
          log.warn('the ledger reported on a session this CSMS does not know');
          return 'unknown-session';
        }
        if (outcome.kind === 'SessionSettled') {
          // settlementOf also reads an outcome a bridge queued before the ledger's transaction id was named apart.
          const settlement = settlementOf(outcome);
          await options.sessions.putDecided(settled(session, settlement, (flag, fields) => {
            options.sessionFlagged(flag);
            log.warn({ ...fields, flagged: flag }, 'the charger claimed other energy than its meter signed; the ledger billed the signed energy');
          }));
          log.info({ charged: outcome.charged, energyWh: outcome.energyWh, ledgerTxId: settlement.ledgerTxId, blockNumber: outcome.blockNumber }, 'the ledger settled the session');
          // The receipt's amount replaces the estimate on the charger; a charger gone offline keeps the estimate.
          await options.priceDisplay.settled(session, settlement).catch((error: unknown) => log.warn({ err: error }, 'could not show the receipt at the charger'));
          return 'settlement-recorded';
        }
        if (outcome.kind === 'SessionRefused') {
          const settlement = settlementOf(outcome);
          await options.sessions.putDecided({ ...session, settlement });
          options.settlementRefused(outcome.code);
          log.warn({ settlement: 'refused', code: outcome.code, reason: outcome.reason, released: outcome.released, ledgerTxId: settlement.ledgerTxId, blockNumber: outcome.blockNumber }, 'the ledger refused to settle the session; the hold is released and nothing charged');
          return 'refusal-recorded';
        }
        if (session.ended) return 'already-ended';
        const answer =
          session.protocol === '1.6'
            ? await options.router.call(session.chargerId, '1.6', 'RemoteStopTransaction', { transactionId: Number(session.ocppTransactionId) })
            : await options.router.call(session.chargerId, '2.0.1', 'RequestStopTransaction', { transactionId: session.ocppTransactionId });
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

/**
 * The session with its settlement. A verified settlement bills the meter's signed energy; where the
 * charger's registers claimed other energy (meter stop minus meter start), the session is flagged
 * `claimed-differs-from-signed` (each session once), and shows both figures.
 */
function settled(session: SessionState, settlement: SettledOnLedger, raise: (flag: SessionFlag, fields: Record<string, unknown>) => void): SessionState & { readonly settlement: SessionSettlement } {
  const { energyWh, verification } = settlement;
  const flags = new Set(session.flags ?? []);
  const claimedWh = (session.meterStopWh ?? session.lastRegisterWh) - session.meterStartWh;
  if (verification === 'verified' && claimedWh !== energyWh && !flags.has('claimed-differs-from-signed')) {
    flags.add('claimed-differs-from-signed');
    raise('claimed-differs-from-signed', { claimedEnergyWh: claimedWh, signedEnergyWh: energyWh, meterStartWh: session.meterStartWh, meterStopWh: session.meterStopWh });
  }
  return { ...session, flags: [...flags], settlement };
}
