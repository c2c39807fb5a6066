import type { Clock } from '../clock';
import type { ExportMeter } from './export-meter';
import type { DeliverySettlement, OfferTrade, PostedOffer, ProsumerPort } from './port';
import { energyWh, type SurplusSource } from './production-curve';

export interface DeliveryWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** Where the prosumer sells from: its account (opened by Wallets) and the export point whose meter the Authority registered. */
export interface ProsumerAccount {
  readonly prosumerAccountId: string;
  readonly exportPointId: string;
  readonly currency: string;
}

export interface ProsumerOptions {
  readonly clock: Clock;
  readonly port: ProsumerPort;
  readonly meter: ExportMeter;
  /** What the prosumer expects to export: offers are sized from it. */
  readonly forecast: SurplusSource;
  readonly account: ProsumerAccount;
  readonly priceMicroPerKWh: number;
  /** A window whose forecast surplus is below this is not offered. */
  readonly minOfferWh: number;
  /** Settle this long after a window closed, so the ledger's clock has passed its end too. */
  readonly settleAfterMs: number;
  readonly newOfferId: () => string;
}

export type WindowOutcome =
  | { readonly kind: 'no-surplus'; readonly window: DeliveryWindow; readonly forecastWh: number }
  | { readonly kind: 'unaccepted'; readonly offer: PostedOffer }
  | {
      readonly kind: 'settled';
      readonly offer: PostedOffer;
      readonly trades: readonly OfferTrade[];
      readonly acceptedWh: number;
      /** What the export meter counted between its signed begin and end. */
      readonly meteredWh: number;
      /** The records settled with: begin and end of the window. */
      readonly records: readonly string[];
      readonly settlement: DeliverySettlement;
      /** What the settlement paid the prosumer in total. */
      readonly paid: number;
    };

/**
 * A rooftop-solar prosumer selling its surplus window by window: it offers the surplus it forecasts for a
 * window (acceptance closes at the window's start), and once an operator accepted, its export meter signs the
 * register at the window's start and end, and the prosumer settles with those two records, which pays it
 * min(accepted, delivered). A window nobody accepted is neither metered as a delivery nor settled.
 */
export class Prosumer {
  readonly #clock: Clock;
  readonly #port: ProsumerPort;
  readonly #meter: ExportMeter;
  readonly #forecast: SurplusSource;
  readonly #account: ProsumerAccount;
  readonly #priceMicroPerKWh: number;
  readonly #minOfferWh: number;
  readonly #settleAfterMs: number;
  readonly #newOfferId: () => string;

  constructor(options: Readonly<ProsumerOptions>) {
    this.#clock = options.clock;
    this.#port = options.port;
    this.#meter = options.meter;
    this.#forecast = options.forecast;
    this.#account = options.account;
    this.#priceMicroPerKWh = options.priceMicroPerKWh;
    this.#minOfferWh = options.minOfferWh;
    this.#settleAfterMs = options.settleAfterMs;
    this.#newOfferId = options.newOfferId;
  }

  forecastWh(window: DeliveryWindow): number {
    return energyWh((atMs) => this.#forecast.surplusW(atMs), window.startMs, window.endMs);
  }

  /** Posts the window's forecast surplus; undefined when it is below the minimum worth offering. */
  async offer(window: DeliveryWindow): Promise<PostedOffer | undefined> {
    const forecastWh = this.forecastWh(window);
    if (forecastWh < Math.max(1, this.#minOfferWh)) return undefined;
    return this.#port.postOffer({
      offerId: this.#newOfferId(),
      ...this.#account,
      energyWh: forecastWh,
      priceMicroPerKWh: this.#priceMicroPerKWh,
      windowStartMs: window.startMs,
      windowEndMs: window.endMs,
      acceptUntilMs: window.startMs,
    });
  }

  /**
   * Waits for the offer's window, meters it and settles. At the window's start acceptance has closed, so the
   * trades read then are the ones to deliver to.
   */
  async deliver(offer: PostedOffer): Promise<WindowOutcome> {
    await this.#until(offer.windowStartMs);
    const begin = this.#meter.beginDelivery();
    const { trades } = await this.#port.getOffer(offer.offerId);
    if (trades.length === 0) {
      this.#meter.endDelivery();
      return { kind: 'unaccepted', offer };
    }
    await this.#until(offer.windowEndMs);
    const end = this.#meter.endDelivery();
    await this.#until(offer.windowEndMs + this.#settleAfterMs);
    const records = [begin.record, end.record];
    const settlement = await this.#port.settleDelivery(offer.offerId, records);
    return {
      kind: 'settled',
      offer,
      trades,
      acceptedWh: trades.reduce((total, trade) => total + trade.acceptedWh, 0),
      meteredWh: end.registerWh - begin.registerWh,
      records,
      settlement,
      paid: settlement.trades.reduce((total, trade) => total + (trade.paid ?? 0), 0),
    };
  }

  /** Offers one window, then delivers and settles it. */
  async trade(window: DeliveryWindow): Promise<WindowOutcome> {
    const [outcome] = await this.run([window]);
    return outcome as WindowOutcome;
  }

  /**
   * Offers every window at once, then delivers and settles them in order. Back to back, a window's begin is
   * signed once the previous window is settled: the export in between is metered but sold to no one.
   */
  async run(windows: readonly DeliveryWindow[]): Promise<WindowOutcome[]> {
    const offers: (PostedOffer | WindowOutcome)[] = [];
    for (const window of windows) offers.push((await this.offer(window)) ?? { kind: 'no-surplus', window, forecastWh: this.forecastWh(window) });
    const outcomes: WindowOutcome[] = [];
    for (const offer of offers) outcomes.push('kind' in offer ? offer : await this.deliver(offer));
    return outcomes;
  }

  async #until(atMs: number): Promise<void> {
    const waitMs = atMs - this.#clock.now();
    if (waitMs > 0) await this.#clock.advance(waitMs);
  }
}

/**
 * The next `count` back-to-back windows of `windowMs`, aligned to multiples of it, the first starting at least
 * `leadMs` from now (time for operators to accept).
 */
export function upcomingWindows(nowMs: number, options: { readonly windowMs: number; readonly leadMs: number; readonly count: number }): DeliveryWindow[] {
  const { windowMs, leadMs, count } = options;
  if (!(windowMs > 0) || !(leadMs >= 0)) throw new RangeError('windowMs must be positive and leadMs ≥ 0');
  const firstMs = Math.ceil((nowMs + leadMs) / windowMs) * windowMs;
  return Array.from({ length: count }, (_, i) => ({ startMs: firstMs + i * windowMs, endMs: firstMs + (i + 1) * windowMs }));
}

export function createProsumer(options: Readonly<ProsumerOptions>): Prosumer {
  return new Prosumer(options);
}
