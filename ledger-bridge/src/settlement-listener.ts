import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaincodeEvents } from '@chargeledger/chaincode/api';
import { keepJobs, type QueueRetention, settlementOutcomeJobId, type SessionEndOutcome } from '@chargeledger/ledger-queue';
import type { Checkpoint, Checkpointer, Network } from '@hyperledger/fabric-gateway';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A chaincode event of a valid transaction, with where it was committed. */
export interface CommittedEvent {
  readonly blockNumber: bigint;
  readonly transactionId: string;
  readonly chaincodeName: string;
  readonly eventName: string;
  readonly payload: Uint8Array;
}

export interface CommittedEventStream extends AsyncIterable<CommittedEvent> {
  close(): void;
}

/** Where the listener reads committed events: the events after the checkpoint, then as they commit. */
export interface CommittedEventSource {
  events(checkpoint: Checkpoint): Promise<CommittedEventStream>;
}

/** The Fabric Gateway's chaincode event service, resumed from the gateway's own checkpoint. */
export function fabricEventSource(network: Network, chaincode: string): CommittedEventSource {
  return { events: (checkpoint) => network.getChaincodeEvents(chaincode, { checkpoint }) };
}

export interface SettlementListenerOptions {
  readonly source: CommittedEventSource;
  /** Persisted (checkpointers.file under the data folder): a restart resumes after the last event handled. */
  readonly checkpointer: Checkpointer;
  readonly connection: Redis;
  readonly prefix: string;
  readonly outcomesQueueName: string;
  /**
   * How long reported outcomes stay once the CSMS has recorded them (ADR 0029). A replay reaches back only to the
   * checkpoint, written after each event; one beyond the window is recorded again, to the same effect.
   */
  readonly retention: QueueRetention;
  readonly log: Logger;
}

const RETRY_MS = 1_000;

type Settled = Omit<ChaincodeEvents['SessionSettled'], 'txId'>;
type Refused = Omit<ChaincodeEvents['SessionRefused'], 'txId'>;

/** How a committed event ended a session: settled, or refused for good (ADR 0025). */
export type SessionEnd = ({ readonly ended: 'settled' } & Settled) | ({ readonly ended: 'refused' } & Refused);

/**
 * The session ends a committed event reports: one for SessionSettled or SessionRefused (Session:closeSession),
 * each settlement and refusal listed by SessionsSettled (Session:closeSessions, one event for the whole
 * transaction), none for other events.
 */
export function sessionEndsOf(event: Pick<CommittedEvent, 'eventName' | 'payload'>): readonly SessionEnd[] {
  if (event.eventName !== 'SessionSettled' && event.eventName !== 'SessionsSettled' && event.eventName !== 'SessionRefused') return [];
  const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as unknown;
  if (event.eventName === 'SessionSettled') return [{ ended: 'settled', ...(payload as ChaincodeEvents['SessionSettled']) }];
  if (event.eventName === 'SessionRefused') return [{ ended: 'refused', ...(payload as ChaincodeEvents['SessionRefused']) }];
  const batch = payload as ChaincodeEvents['SessionsSettled'];
  return [...batch.settlements.map((settled): SessionEnd => ({ ended: 'settled', ...settled })), ...(batch.refused ?? []).map((refused): SessionEnd => ({ ended: 'refused', ...refused }))];
}

/** The settlements a committed event reports (its refusals left out). */
export function settlementsOf(event: Pick<CommittedEvent, 'eventName' | 'payload'>): readonly Settled[] {
  return sessionEndsOf(event).flatMap((end) => (end.ended === 'settled' ? [Object.fromEntries(Object.entries(end).filter(([key]) => key !== 'ended')) as Settled] : []));
}

/**
 * Tells the CSMS of every settlement the ledger commits, exactly once across restarts: each settlement or
 * recorded refusal of a SessionSettled, SessionRefused or SessionsSettled event becomes an outcome whose job
 * id is the session's, and only when all of the event's are added is the event checkpointed. A crash between
 * the two replays the event, and BullMQ refuses a second job with the same id (ADR 0021, 0022, 0025).
 */
export class SettlementListener {
  readonly #options: SettlementListenerOptions;
  readonly #outcomes: Queue<SessionEndOutcome>;
  #stream: CommittedEventStream | undefined;
  #loop: Promise<void> | undefined;
  #closing = false;

  constructor(options: Readonly<SettlementListenerOptions>) {
    this.#options = options;
    this.#outcomes = new Queue(options.outcomesQueueName, { connection: options.connection, prefix: options.prefix });
  }

  run(): void {
    this.#loop ??= this.#listen();
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#stream?.close();
    await this.#loop;
    await this.#outcomes.close();
  }

  async #listen(): Promise<void> {
    const { checkpointer, log } = this.#options;
    while (!this.#closing) {
      try {
        this.#stream = await this.#options.source.events(checkpointer);
        log.info({ blockNumber: checkpointer.getBlockNumber()?.toString(), transactionId: checkpointer.getTransactionId() }, 'listening for settlements from the checkpoint');
        for await (const event of this.#stream) {
          for (const end of sessionEndsOf(event)) await this.#report(event, end);
          await checkpointer.checkpointChaincodeEvent(event);
        }
      } catch (error) {
        if (this.#closing) return;
        log.warn({ err: error }, 'the settlement listener lost the ledger; resuming from the checkpoint');
        await sleep(RETRY_MS);
      } finally {
        this.#stream?.close();
      }
    }
  }

  async #report(event: CommittedEvent, end: SessionEnd): Promise<void> {
    // The ledger names a charger by its station id (stationId, in every stored session record), the CSMS by its
    // OCPP identity (chargerId): one value, the charger's identity.
    const where = { sessionId: end.sessionId, chargerId: end.stationId, ledgerTxId: event.transactionId, blockNumber: event.blockNumber.toString() };
    const outcome: SessionEndOutcome =
      end.ended === 'settled'
        ? { kind: 'SessionSettled', ...where, status: 'settled', charged: end.charged, energyWh: end.energyWh, verification: end.verification }
        : { kind: 'SessionRefused', ...where, status: 'refused', code: end.code, reason: end.reason, released: end.released };
    await this.#outcomes.add(outcome.kind, outcome, {
      jobId: settlementOutcomeJobId(end.sessionId),
      attempts: 20,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: keepJobs(this.#options.retention.completed),
      removeOnFail: keepJobs(this.#options.retention.failed),
    });
    this.#options.log.info({ sessionId: end.sessionId, ended: end.ended, ledgerTxId: event.transactionId, blockNumber: where.blockNumber }, end.ended === 'settled' ? 'settlement reported to the CSMS' : 'refused settlement reported to the CSMS');
  }
}
