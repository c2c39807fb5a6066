import type { TariffRecord } from '@chargeledger/chaincode/api';
import { type PricedTariff, priceMeasurement } from '@chargeledger/chaincode/pricing';
import type { ChargingLedger } from '@chargeledger/ledger-client';
import type { Clock } from '../auth/sessions';
import type { CsmsReader } from '../csms/csms-reader';

/** A driver's session while it runs: the energy the charger reports so far and what it costs so far. */
export interface LiveSession {
  readonly sessionId: string;
  readonly stationId: string;
  readonly evseId: string;
  readonly startedAtMs: number;
  /** The energy the charger's registers claim so far (the CSMS's figure), Wh; undefined while the CSMS cannot be read. */
  readonly energyWh?: number;
  /** The frozen tariff's price of that energy from the start until `asOfMs`, minor units; with energyWh. */
  readonly cost?: number;
  readonly currency: string;
  readonly tariffId: string;
  readonly tariffVersion: number;
  /** The hold the session placed: the most it can charge. */
  readonly holdAmount: number;
  readonly asOfMs: number;
}

export interface LiveSessionsOptions {
  /** Wallets' ledger identity: it reads every driver's account, session and tariff. */
  readonly ledger: ChargingLedger;
  readonly csms: Pick<CsmsReader, 'session'>;
  readonly clock: Clock;
}

/**
 * The sessions a driver's account holds money for, as they run. Which sessions run, their station and the
 * tariff frozen at their start come from the ledger (the account's holds, Session:getSession); the energy so
 * far from the CSMS (the charger's latest register), not from the ledger: progress records on the ledger are
 * few and late. The cost is the one the charger shows, which the CSMS computes with the chaincode's pricing
 * code on the readings so far (ADR 0033); where the CSMS has none, the chaincode's pricing of that energy on
 * the frozen tariff up to now (docs/decisions/0034).
 */
export class LiveSessions {
  readonly #options: LiveSessionsOptions;
  /** A frozen tariff version never changes: read once. */
  readonly #tariffs = new Map<string, Promise<TariffRecord>>();

  constructor(options: Readonly<LiveSessionsOptions>) {
    this.#options = options;
  }

  async of(accountId: string): Promise<LiveSession[]> {
    const { ledger } = this.#options;
    const account = await ledger.evaluate('Wallet:getAccount', { accountId });
    const running = await Promise.all(account.holds.map(async (hold) => this.#live(hold.sessionId)));
    return running.filter((live): live is LiveSession => live !== undefined).sort((a, b) => a.startedAtMs - b.startedAtMs);
  }

  async #live(sessionId: string): Promise<LiveSession | undefined> {
    const session = await this.#options.ledger.evaluate('Session:getSession', { sessionId });
    if (session.status !== 'open' || session.tariffId === undefined || session.tariffVersion === undefined) return undefined;
    const [tariff, atCsms] = await Promise.all([this.#tariff(session.tariffId, session.tariffVersion), this.#options.csms.session(sessionId)]);
    const asOfMs = Math.max(this.#options.clock.now(), session.startedAtMs);
    const known = { sessionId, stationId: session.stationId, evseId: session.evseId, startedAtMs: session.startedAtMs, currency: tariff.currency, tariffId: tariff.tariffId, tariffVersion: tariff.version, holdAmount: session.holdAmount, asOfMs };
    if (atCsms.status !== 'ok' || atCsms.value === undefined || !atCsms.value.active) return known;
    const energyWh = atCsms.value.energyWh;
    // The charger's own figure where the CSMS shows it one (the same pricing code on the readings so far, ADR
    // 0033); otherwise the frozen tariff's price of the energy so far, up to now.
    const shown = atCsms.value.runningCost;
    const cost = shown !== undefined && shown.currency === tariff.currency ? shown.amount : priceMeasurement(tariff.tariff as PricedTariff, { startMs: session.startedAtMs, endMs: asOfMs, energyWh }).total;
    return { ...known, energyWh, cost };
  }

  #tariff(tariffId: string, version: number): Promise<TariffRecord> {
    const key = `${tariffId}\u0000${version}`;
    let record = this.#tariffs.get(key);
    if (record === undefined) {
      record = this.#options.ledger.evaluate('Tariff:getTariff', { tariffId, version });
      this.#tariffs.set(key, record);
      record.catch(() => this.#tariffs.delete(key));
    }
    return record;
  }
}
