import type { FrozenTariff, SettledOnLedger } from '@chargeledger/ledger-queue';
import type { OcppAction, OcppRequest, OcppResponse, OcppVersion } from '@chargeledger/ocpp-types';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Cost, type CostSample, finalCost, formatAmount, majorUnits, runningCost, type SessionPricing } from './domain/running-cost';
import { type DriverText, tariffText } from './domain/tariff-text';
import type { SessionState } from './domain/session-state';

/** The OCA's vendor id of the California Pricing messages for OCPP 1.6 (DataTransfer). */
export const COST_VENDOR_ID = 'org.openchargealliance.costmsg';

/** What a charger can show the driver, read from its device model (2.0.1) or its configuration (1.6). */
export interface DisplayCapability {
  /** 2.0.1 TariffCostCtrlr Enabled[Tariff]; 1.6 CustomDisplayCostAndPrice. */
  readonly tariff: boolean;
  /** 2.0.1 TariffCostCtrlr Enabled[Cost]; 1.6 CustomDisplayCostAndPrice. */
  readonly cost: boolean;
  /** 2.0.1 TariffCostCtrlr Currency: a charger showing another currency is sent no cost (it shows its fallback text). */
  readonly currency?: string;
  /** 2.0.1 DisplayMessageCtrlr Enabled: SetDisplayMessage is sent the receipt. */
  readonly displayMessages: boolean;
  /** The charger's own texts for a missing tariff or cost (TariffCostCtrlr), shown by the charger itself. */
  readonly tariffFallbackMessage?: string;
  readonly totalCostFallbackMessage?: string;
  /** 1.6 Language: the charger's UI language. */
  readonly language?: string;
}

const NOTHING: DisplayCapability = { tariff: false, cost: false, displayMessages: false };

/** The calls the price display makes; the CommandRouter reaches the charger on whichever node holds it. */
export interface ChargerCalls {
  call<V extends OcppVersion, A extends OcppAction<V>>(identity: string, version: V, action: A, request: OcppRequest<V, A>): Promise<OcppResponse<V, A>>;
}

export interface PriceDisplayOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly chargers: ChargerCalls;
  /** When the charger reported the end of charging: the ledger bills parking from it, so the charger's figures do too. */
  readonly chargingEndedAt: (sessionId: string) => Promise<string | undefined>;
  readonly log: Logger;
}

const KEPT_S = 7 * 24 * 3600;

/**
 * What the driver sees at the charger (ADR 0033): the tariff at Authorize, the running cost while charging and
 * the final cost, all computed with the chaincode's pricing code under the tariff the ledger froze at the
 * session's start, and once the ledger settled, the receipt's amount and short id. OCPP 2.0.1 chargers get
 * TariffAndCost (functional block I) as far as their device model enables it; OCPP 1.6 chargers that announce
 * the OCA's California Pricing get its DataTransfer messages. A charger that announces neither gets nothing new.
 */
export class PriceDisplay {
  readonly #options: PriceDisplayOptions;
  /** Reads of a charger's capability in flight on this node: concurrent askers share one. */
  readonly #reading = new Map<string, Promise<DisplayCapability>>();

  constructor(options: Readonly<PriceDisplayOptions>) {
    this.#options = options;
  }

  /** A charger that booted may have other settings: its capability is read again when next needed. */
  async forget(chargerId: string): Promise<void> {
    await this.#options.redis.del(this.#capabilityKey(chargerId));
  }

  /** Reads the capability soon after the current message is answered (the boot's answer must reach the charger first). */
  learnSoon(chargerId: string, protocol: OcppVersion): void {
    setImmediate(() => void this.capability(chargerId, protocol).catch(() => undefined));
  }

  /**
   * The capability as far as it is known now, for a handler whose charger waits for its answer: never a call to
   * the charger (which may be slow to answer while it waits). Unknown yet: nothing is shown, and it is read.
   */
  async knownCapability(chargerId: string, protocol: OcppVersion): Promise<DisplayCapability> {
    const cached = await this.#options.redis.get(this.#capabilityKey(chargerId));
    if (cached !== null) return JSON.parse(cached) as DisplayCapability;
    this.learnSoon(chargerId, protocol);
    return NOTHING;
  }

  async capability(chargerId: string, protocol: OcppVersion): Promise<DisplayCapability> {
    const cached = await this.#options.redis.get(this.#capabilityKey(chargerId));
    if (cached !== null) return JSON.parse(cached) as DisplayCapability;
    const inFlight = this.#reading.get(chargerId);
    if (inFlight !== undefined) return inFlight;
    const reading = this.#read(chargerId, protocol).finally(() => this.#reading.delete(chargerId));
    this.#reading.set(chargerId, reading);
    return reading;
  }

  async setPricing(sessionId: string, pricing: SessionPricing): Promise<void> {
    await this.#options.redis.set(`${this.#options.keyPrefix}:price:pricing:${sessionId}`, JSON.stringify(pricing), 'EX', KEPT_S);
  }

  async pricing(sessionId: string): Promise<SessionPricing | undefined> {
    const raw = await this.#options.redis.get(`${this.#options.keyPrefix}:price:pricing:${sessionId}`);
    return raw === null ? undefined : (JSON.parse(raw) as SessionPricing);
  }

  /** Keeps the session's register readings for its running cost; the session's start is its first sample. */
  async record(session: SessionState, readings: readonly { readonly timestamp: string; readonly registerWh?: number }[]): Promise<void> {
    const samples = readings.flatMap((reading) => (reading.registerWh === undefined ? [] : [JSON.stringify({ timestampMs: Date.parse(reading.timestamp), registerWh: reading.registerWh })]));
    if (samples.length === 0) return;
    const key = this.#samplesKey(session.sessionId);
    await this.#options.redis.multi().rpush(key, ...samples).expire(key, KEPT_S).exec();
  }

  async samples(session: SessionState): Promise<CostSample[]> {
    const recorded = (await this.#options.redis.lrange(this.#samplesKey(session.sessionId), 0, -1)).map((raw) => JSON.parse(raw) as CostSample);
    return [{ timestampMs: Date.parse(session.startedAt), registerWh: session.meterStartWh }, ...recorded];
  }

  /** The cost so far (running) or at the end (final, as the ledger's settlement prices it); undefined without the frozen tariff. */
  async cost(session: SessionState, which: 'running' | 'final'): Promise<Cost | undefined> {
    const pricing = await this.pricing(session.sessionId);
    if (pricing === undefined) return undefined;
    const samples = await this.samples(session);
    const reported = await this.#options.chargingEndedAt(session.sessionId);
    const chargingEndMs = reported === undefined ? undefined : Date.parse(reported);
    return which === 'running' ? runningCost(pricing, samples, chargingEndMs) : finalCost(pricing, samples, chargingEndMs);
  }

  /** 2.0.1 TransactionEvent response's totalCost, for a charger whose device model enables cost in this currency. */
  async totalCost201(session: SessionState): Promise<number | undefined> {
    const capability = await this.knownCapability(session.chargerId, '2.0.1');
    if (!capability.cost) return undefined;
    const cost = await this.cost(session, session.ended ? 'final' : 'running');
    if (cost === undefined || !sameCurrency(capability, cost.currency)) return undefined;
    this.#options.log.info({ sessionId: session.sessionId, display: session.ended ? 'final-cost' : 'running-cost', amount: cost.amount, currency: cost.currency }, 'cost shown at the charger');
    return majorUnits(cost);
  }

  /** 2.0.1 Authorize's personalMessage: the tariff text, where the device model enables tariffs and the ledger named one. */
  async personalMessage201(chargerId: string, tariff: FrozenTariff | undefined, language: string | undefined): Promise<DriverText | undefined> {
    if (tariff === undefined) return undefined;
    const capability = await this.knownCapability(chargerId, '2.0.1');
    if (!capability.tariff || !sameCurrency(capability, tariff.currency)) return undefined;
    return tariffText(tariff, language);
  }

  /** 1.6 California Pricing SetUserPrice, sent after the Authorize answer. */
  afterAuthorize16(chargerId: string, idToken: string, tariff: FrozenTariff | undefined, language: string | undefined): void {
    if (tariff === undefined) return;
    this.#soon(chargerId, '1.6', async (capability) => {
      if (!capability.tariff) return;
      const text = tariffText(tariff, language ?? capability.language);
      await this.#dataTransfer(chargerId, 'SetUserPrice', { idToken, priceText: text.content });
    });
  }

  /** 1.6 California Pricing RunningCost, sent after a MeterValues answer. */
  afterReadings16(session: SessionState): void {
    this.#soon(session.chargerId, '1.6', async (capability) => {
      if (!capability.cost) return;
      const cost = await this.cost(session, 'running');
      if (cost === undefined) return;
      const samples = await this.samples(session);
      const latest = samples[samples.length - 1];
      this.#options.log.info({ sessionId: session.sessionId, display: 'running-cost', amount: cost.amount, currency: cost.currency }, 'cost shown at the charger');
      await this.#dataTransfer(session.chargerId, 'RunningCost', {
        transactionId: Number(session.ocppTransactionId),
        timestamp: new Date(latest?.timestampMs ?? Date.now()).toISOString(),
        meterValue: latest?.registerWh ?? session.lastRegisterWh,
        cost: majorUnits(cost),
        state: 'Charging',
      });
    });
  }

  /** 1.6 California Pricing FinalCost at the stop: the settlement's price of the readings, until the ledger's receipt replaces it. */
  afterStop16(session: SessionState): void {
    this.#soon(session.chargerId, '1.6', async (capability) => {
      if (!capability.cost) return;
      const cost = await this.cost(session, 'final');
      if (cost === undefined) return;
      this.#options.log.info({ sessionId: session.sessionId, display: 'final-cost', amount: cost.amount, currency: cost.currency }, 'cost shown at the charger');
      await this.#dataTransfer(session.chargerId, 'FinalCost', { transactionId: Number(session.ocppTransactionId), cost: majorUnits(cost), priceText: `${formatAmount(cost)} ${cost.currency}` });
    });
  }

  /**
   * The ledger settled the session: the final amount is the receipt's. 2.0.1: CostUpdated, and SetDisplayMessage
   * with the receipt's short id where the charger displays messages; 1.6: FinalCost with the short id as its QR text.
   */
  async settled(session: SessionState, settlement: SettledOnLedger): Promise<void> {
    const capability = await this.capability(session.chargerId, session.protocol);
    if (!capability.cost) return;
    const pricing = await this.pricing(session.sessionId);
    if (pricing === undefined || !sameCurrency(capability, pricing.tariff.currency)) return;
    const cost: Cost = { amount: settlement.charged, currency: pricing.tariff.currency, digits: (await this.cost(session, 'final'))?.digits ?? 2 };
    const receipt = receiptLine(cost, settlement);
    this.#options.log.info({ sessionId: session.sessionId, display: 'receipt', amount: cost.amount, currency: cost.currency, receipt: shortId(settlement.ledgerTxId) }, 'receipt shown at the charger');
    if (session.protocol === '2.0.1') {
      await this.#options.chargers.call(session.chargerId, '2.0.1', 'CostUpdated', { totalCost: majorUnits(cost), transactionId: session.ocppTransactionId });
      if (capability.displayMessages) {
        await this.#options.chargers.call(session.chargerId, '2.0.1', 'SetDisplayMessage', {
          message: { id: displayMessageId(session), priority: 'InFront', transactionId: session.ocppTransactionId, message: { format: 'UTF8', language: 'en', content: receipt } },
        });
      }
      return;
    }
    await this.#dataTransfer(session.chargerId, 'FinalCost', { transactionId: Number(session.ocppTransactionId), cost: majorUnits(cost), priceText: receipt, qrCodeText: `chargeledger:receipt:${session.sessionId}` });
  }

  #soon(chargerId: string, protocol: OcppVersion, task: (capability: DisplayCapability) => Promise<void>): void {
    setImmediate(() => {
      void this.capability(chargerId, protocol)
        .then(task)
        .catch((error: unknown) => this.#options.log.warn({ err: error, chargerId }, 'could not show the price at the charger'));
    });
  }

  async #dataTransfer(chargerId: string, messageId: string, data: Record<string, unknown>): Promise<void> {
    const answer = await this.#options.chargers.call(chargerId, '1.6', 'DataTransfer', { vendorId: COST_VENDOR_ID, messageId, data: JSON.stringify(data) });
    if (answer.status !== 'Accepted') this.#options.log.warn({ chargerId, messageId, status: answer.status }, 'the charger did not take the price message');
  }

  async #read(chargerId: string, protocol: OcppVersion): Promise<DisplayCapability> {
    let capability: DisplayCapability;
    try {
      capability = protocol === '2.0.1' ? await this.#read201(chargerId) : await this.#read16(chargerId);
    } catch (error) {
      // A charger that cannot say is treated as one without the capability: it is sent nothing new.
      this.#options.log.info({ chargerId, err: error }, 'the charger did not report a price display; it is sent no price messages');
      capability = NOTHING;
    }
    await this.#options.redis.set(this.#capabilityKey(chargerId), JSON.stringify(capability), 'EX', KEPT_S);
    this.#options.log.info({ chargerId, capability }, 'price display capability read');
    return capability;
  }

  async #read201(chargerId: string): Promise<DisplayCapability> {
    const asked = [
      ['TariffCostCtrlr', 'Enabled', 'Tariff'],
      ['TariffCostCtrlr', 'Enabled', 'Cost'],
      ['TariffCostCtrlr', 'Currency', undefined],
      ['TariffCostCtrlr', 'TariffFallbackMessage', undefined],
      ['TariffCostCtrlr', 'TotalCostFallbackMessage', undefined],
      ['DisplayMessageCtrlr', 'Enabled', undefined],
    ] as const;
    const answer = await this.#options.chargers.call(chargerId, '2.0.1', 'GetVariables', {
      getVariableData: asked.map(([component, variable, instance]) => ({ component: { name: component }, variable: instance === undefined ? { name: variable } : { name: variable, instance } })),
    });
    const value = (component: string, variable: string, instance?: string): string | undefined =>
      answer.getVariableResult.find((result) => result.attributeStatus === 'Accepted' && result.component.name === component && result.variable.name === variable && result.variable.instance === instance)?.attributeValue;
    const fallbackTariff = value('TariffCostCtrlr', 'TariffFallbackMessage');
    const fallbackCost = value('TariffCostCtrlr', 'TotalCostFallbackMessage');
    const currency = value('TariffCostCtrlr', 'Currency');
    return {
      tariff: value('TariffCostCtrlr', 'Enabled', 'Tariff') === 'true',
      cost: value('TariffCostCtrlr', 'Enabled', 'Cost') === 'true',
      displayMessages: value('DisplayMessageCtrlr', 'Enabled') === 'true',
      ...(currency === undefined || currency === '' ? {} : { currency }),
      ...(fallbackTariff === undefined ? {} : { tariffFallbackMessage: fallbackTariff }),
      ...(fallbackCost === undefined ? {} : { totalCostFallbackMessage: fallbackCost }),
    };
  }

  async #read16(chargerId: string): Promise<DisplayCapability> {
    const answer = await this.#options.chargers.call(chargerId, '1.6', 'GetConfiguration', { key: ['CustomDisplayCostAndPrice', 'Language'] });
    const value = (key: string): string | undefined => answer.configurationKey?.find((entry) => entry.key === key)?.value;
    const enabled = value('CustomDisplayCostAndPrice') === 'true';
    const language = value('Language');
    return { tariff: enabled, cost: enabled, displayMessages: false, ...(language === undefined || language === '' ? {} : { language }) };
  }

  #capabilityKey(chargerId: string): string {
    return `${this.#options.keyPrefix}:price:capability:${chargerId}`;
  }

  #samplesKey(sessionId: string): string {
    return `${this.#options.keyPrefix}:price:samples:${sessionId}`;
  }
}

function sameCurrency(capability: DisplayCapability, currency: string): boolean {
  return capability.currency === undefined || capability.currency === currency;
}

/** The first 8 characters of the settlement's ledger transaction: enough for a driver to find the receipt. */
export function shortId(ledgerTxId: string): string {
  return ledgerTxId.slice(0, 8);
}

function receiptLine(cost: Cost, settlement: SettledOnLedger): string {
  const kWh = formatAmount({ amount: settlement.energyWh, digits: 3 });
  return `Paid ${formatAmount(cost)} ${cost.currency} for ${kWh} kWh. Receipt ${shortId(settlement.ledgerTxId)} (block ${settlement.blockNumber})`;
}

/** One display message per transaction: a repeated settlement report replaces it rather than adding another. */
function displayMessageId(session: SessionState): number {
  let hash = 0;
  for (const char of session.sessionId) hash = (hash * 31 + char.charCodeAt(0)) % 2_000_000_000;
  return hash;
}
