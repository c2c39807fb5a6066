import { setTimeout as sleep } from 'node:timers/promises';
import { TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import type { FrozenTariff, LedgerQuery, LedgerQueryReply } from '@chargeledger/ledger-queue';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type ChargingLedger, classifyLedgerError, LedgerRefusal } from '@chargeledger/ledger-client';

export interface LedgerQueryServerOptions {
  /** Duplicated once per loop: each loop blocks its own connection on BRPOP. */
  readonly connection: Redis;
  /** The list the CSMS pushes questions on (ledgerQueriesKey). */
  readonly queriesKey: string;
  readonly ledger: ChargingLedger;
  /** Questions evaluated at once. */
  readonly concurrency: number;
  readonly log: Logger;
}

/** How long one BRPOP waits before it looks again whether the server is closing. */
const POP_WAIT_S = 2;

/**
 * Answers the CSMS's questions that a charger is waiting for (ledger-queue/src/queries.ts): it pops a
 * question, evaluates it on the ledger and publishes the reply on the asking node's channel. A question whose
 * deadline has passed is dropped unasked, since the CSMS has already answered the charger without it.
 * Authorize is evaluated on a Wallets peer, the only one that can read the token index, and the raw token
 * travels in the transient map only.
 */
export class LedgerQueryServer {
  readonly #options: LedgerQueryServerOptions;
  readonly #connections: Redis[] = [];
  readonly #loops: Promise<void>[] = [];
  #closing = false;

  constructor(options: Readonly<LedgerQueryServerOptions>) {
    this.#options = options;
  }

  run(): void {
    for (let index = 0; index < this.#options.concurrency; index++) {
      const connection = this.#options.connection.duplicate();
      this.#connections.push(connection);
      this.#loops.push(this.#loop(connection));
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#loops);
    for (const connection of this.#connections) connection.disconnect();
  }

  async #loop(connection: Redis): Promise<void> {
    while (!this.#closing) {
      let popped: [string, string] | null;
      try {
        popped = await connection.brpop(this.#options.queriesKey, POP_WAIT_S);
      } catch (error) {
        if (this.#closing) return;
        this.#options.log.error({ err: error }, 'cannot take ledger questions from Redis; retrying');
        await sleep(1000);
        continue;
      }
      if (popped === null) continue;
      const query = JSON.parse(popped[1]) as LedgerQuery;
      const reply = await this.answer(query);
      if (reply === undefined) continue;
      await connection.publish(query.replyTo, JSON.stringify(reply)).catch((error: unknown) => this.#options.log.error({ err: error, queryId: query.queryId }, 'could not publish a ledger answer'));
    }
  }

  /**
   * The tariff in force at the station now, for the text the driver reads at Authorize (ADR 0033). Only an
   * accepted token is told the price; a failed read leaves it out and the charger shows its fallback text.
   */
  async #stationTariff(stationId: string): Promise<FrozenTariff | undefined> {
    try {
      const station = await this.#options.ledger.evaluate('Registry:getStation', { stationId });
      if (station.tariffId === undefined) return undefined;
      const record = await this.#options.ledger.evaluate('Tariff:getTariff', { tariffId: station.tariffId });
      return { tariffId: record.tariffId, version: record.version, currency: record.currency, priced: record.tariff };
    } catch (error) {
      this.#options.log.warn({ err: classifyLedgerError(error), stationId }, 'could not read the station tariff for Authorize');
      return undefined;
    }
  }

  /** The reply to one question, or undefined for a question nobody waits for any more. */
  async answer(query: LedgerQuery, nowMs = Date.now()): Promise<LedgerQueryReply | undefined> {
    if (nowMs > query.deadlineMs) {
      this.#options.log.debug({ queryId: query.queryId, lateMs: nowMs - query.deadlineMs }, 'dropped a ledger question past its deadline');
      return undefined;
    }
    try {
      const verdict = await this.#options.ledger.evaluate(
        'Session:authorizeIdToken',
        { stationId: query.chargerId },
        { transient: { [TRANSIENT_KEYS.idToken]: query.idToken }, endorsingOrganizations: ['WalletsMSP'] },
      );
      const tariff = verdict.status === 'accepted' ? await this.#stationTariff(query.chargerId) : undefined;
      return {
        queryId: query.queryId,
        ok: true,
        verdict: { status: verdict.status, holdAmount: verdict.holdAmount, minimumHold: verdict.minimumHold, currency: verdict.currency, ...(tariff === undefined ? {} : { tariff }) },
      };
    } catch (error) {
      const sorted = classifyLedgerError(error);
      this.#options.log.warn({ queryId: query.queryId, chargerId: query.chargerId, err: sorted }, 'a ledger question failed');
      return sorted instanceof LedgerRefusal
        ? { queryId: query.queryId, ok: false, failure: 'refused', code: sorted.code, message: sorted.reason }
        : { queryId: query.queryId, ok: false, failure: 'unavailable', code: sorted.name, message: sorted.message };
    }
  }
}
