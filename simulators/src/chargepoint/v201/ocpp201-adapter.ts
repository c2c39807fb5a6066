import { costText, DISPLAY_CURRENCY, type DisplayLine, TARIFF_FALLBACK_MESSAGE, TOTAL_COST_FALLBACK_MESSAGE } from '../core/price-display';
import type { Clock } from '../../clock';
import { OfflineError } from '../../errors';
import type { SignedMeterReading } from '../../meter/smart-meter';
import { isTransientCallFailure, type OcppLink } from '../../ocpp/link';
import type { Outbox } from '../../ocpp/outbox';
import type { ChargerTemplate } from '../../template/template';
import { TypedEmitter } from '../../typed-emitter';
import { StatusReporter, type AdapterSignals, type BootOutcome, type BootReason, type ProtocolAdapter } from '../adapter';
import type { SettingsStore } from '../core/settings';
import type { Station } from '../core/station';
import type { AuthorizationStatus, ConnectorView, IdToken, MeterSample, SampleContext, StopReason, Transaction } from '../core/types';
import { isoTime } from '../signed-meter-value';
import type { V201Inbound, V201Outbound } from './actions';
import { deviceModel } from './device-model';
import { v201Handlers } from './handlers';
import { boundaryMeterValue, sampleMeterValue } from './meter-values';
import { chargingStateOf, connectorStatusOf, transactionEvent, type TransactionEventFields } from './transaction-events';

export interface Ocpp201AdapterOptions {
  readonly link: OcppLink<V201Outbound, V201Inbound>;
  readonly outbox: Outbox<V201Outbound>;
  readonly clock: Clock;
  readonly settings: SettingsStore;
  readonly template: ChargerTemplate;
  readonly identity: string;
  readonly serialNumber: string;
  readonly securityProfile: number;
}

/**
 * OCPP 2.0.1. A transaction is TransactionEvent Started (signed begin), Updated (charging state changes,
 * periodic samples) and Ended (signed end). Invariant: seqNo counts 0, 1, 2… per transaction in the order the
 * events were produced, which the ordered outbox keeps on the wire; events produced offline say offline: true.
 */
export class Ocpp201Adapter implements ProtocolAdapter {
  readonly signals = new TypedEmitter<AdapterSignals>();
  readonly #o: Ocpp201AdapterOptions;
  readonly #seqNo = new Map<string, number>();
  readonly #chargingState = new Map<string, string>();
  readonly #statuses: StatusReporter;
  #station: Station | undefined;

  constructor(options: Readonly<Ocpp201AdapterOptions>) {
    this.#o = options;
    this.#statuses = new StatusReporter({
      send: (view) => this.#sendStatus(view),
      project: (view) => connectorStatusOf(view.status),
      online: () => options.outbox.online,
    });
  }

  install(station: Station): void {
    this.#station = station;
    const handlers = v201Handlers({
      station,
      deviceModel: deviceModel({ settings: this.#o.settings, identity: this.#o.identity, securityProfile: this.#o.securityProfile, localList: station.localList }),
      signals: this.signals,
      queuedMessages: () => this.#o.outbox.pending,
      reportStatus: (evseId, connectorId) => {
        for (const view of station.connectors()) {
          if ((evseId === undefined || view.evseId === evseId) && (connectorId === undefined || view.connectorId === connectorId)) this.#sendStatus(view).catch(() => undefined);
        }
      },
      sampleNow: (evseId, asTransactionEvent) => this.#sampleNow(evseId, asTransactionEvent),
      sendIdleNotification: (action) => this.#push(action, () => ({ status: 'Idle' }), false),
      hasPriceDisplay: this.#o.settings.get('priceDisplay'),
      showPrice: (line) => this.#showPrice(line),
    });
    this.#o.link.handleAll(handlers, (action, request, response) => this.signals.emit('csmsRequest', { action, request, response }));
  }

  async boot(reason: BootReason): Promise<BootOutcome> {
    const { template, serialNumber } = this.#o;
    const response = await this.#o.link.call('BootNotification', {
      reason,
      chargingStation: { vendorName: template.vendor, model: template.model, firmwareVersion: template.firmwareVersion, serialNumber: serialNumber.slice(0, 25) },
    });
    return { status: response.status, intervalS: response.interval };
  }

  async heartbeat(): Promise<void> {
    await this.#push('Heartbeat', () => ({}), false);
  }

  reportStatuses(all: boolean): void {
    this.#statuses.resync(all);
  }

  csmsTransactionId(transaction: Transaction): string {
    return transaction.id;
  }

  async authorize(token: IdToken): Promise<AuthorizationStatus | undefined> {
    try {
      const response = await this.#push('Authorize', () => ({ idToken: { idToken: token.value, type: token.type } }), false);
      if (response?.idTokenInfo.status === 'Accepted' && this.#o.settings.get('priceDisplay')) {
        const message = response.idTokenInfo.personalMessage;
        this.#showPrice(message === undefined ? { kind: 'fallback', text: TARIFF_FALLBACK_MESSAGE } : { kind: 'tariff', text: message.content });
      }
      return response?.idTokenInfo.status;
    } catch (error) {
      if (error instanceof OfflineError || isTransientCallFailure(error)) return undefined;
      throw error;
    }
  }

  connectorStatusChanged(view: ConnectorView): void {
    this.#statuses.changed(view);
    const transaction = view.transaction;
    const chargingState = chargingStateOf(view.status);
    if (transaction === undefined || chargingState === undefined || this.#chargingState.get(transaction.id) === chargingState) return;
    this.#chargingState.set(transaction.id, chargingState);
    void this.#event(transaction, { eventType: 'Updated', triggerReason: 'ChargingStateChanged', timestampMs: this.#o.clock.now(), chargingState });
  }

  async transactionStarted(transaction: Transaction): Promise<void> {
    const wasOnline = this.#o.outbox.online;
    this.#chargingState.set(transaction.id, 'EVConnected');
    const started = this.#event(transaction, {
      eventType: 'Started',
      triggerReason: transaction.trigger,
      timestampMs: transaction.startedAtMs,
      chargingState: 'EVConnected',
      meterValue: [boundaryMeterValue(transaction.begin, 'Transaction.Begin', this.#publicKey(transaction.evseId))],
    }).then((response) => {
      const status = response?.idTokenInfo?.status;
      if (status !== undefined && status !== 'Accepted' && this.#o.settings.get('stopTransactionOnInvalidId')) {
        this.#requireStation().stopTransaction(transaction.id, 'DeAuthorized').catch(() => undefined);
      }
    }, () => undefined);
    if (wasOnline) await started;
  }

  transactionSampled(transaction: Transaction, sample: MeterSample, context: SampleContext): void {
    void this.#event(transaction, {
      eventType: 'Updated',
      triggerReason: context === 'Trigger' ? 'Trigger' : 'MeterValuePeriodic',
      timestampMs: sample.timestampMs,
      meterValue: [sampleMeterValue(sample, context, this.#publicKey(transaction.evseId))],
    });
  }

  async transactionEnded(transaction: Transaction, end: SignedMeterReading, reason: StopReason): Promise<void> {
    const wasOnline = this.#o.outbox.online;
    const ended = this.#event(transaction, {
      eventType: 'Ended',
      triggerReason: reason,
      timestampMs: end.timestampMs,
      stoppedReason: reason,
      meterValue: [boundaryMeterValue(end, 'Transaction.End', this.#publicKey(transaction.evseId))],
    }).then(() => {
      this.#seqNo.delete(transaction.id);
      this.#chargingState.delete(transaction.id);
    }, () => undefined);
    if (wasOnline) await ended;
  }

  /** seqNo and the offline flag are fixed when the event happens, not when it is finally sent. */
  #event(transaction: Transaction, fields: TransactionEventFields): Promise<V201Outbound['TransactionEvent']['response'] | undefined> {
    const seqNo = this.#seqNo.get(transaction.id) ?? 0;
    this.#seqNo.set(transaction.id, seqNo + 1);
    const request = transactionEvent(transaction, fields, seqNo, !this.#o.outbox.online);
    const pushed = this.#push('TransactionEvent', () => request, true);
    // A side branch with its own rejection handler: callers that drop the promise must not leave a rejection unhandled.
    pushed.then(
      (response) => {
        if (response !== undefined && this.#o.settings.get('priceDisplay')) this.#showCost(transaction.id, fields.eventType, response.totalCost);
      },
      () => undefined,
    );
    return pushed;
  }

  /** I02/I03: totalCost in a TransactionEvent answer is the running cost, and at Ended the final one; none at Ended shows the fallback. */
  #showCost(transactionId: string, eventType: TransactionEventFields['eventType'], totalCost: number | undefined): void {
    const kind = eventType === 'Ended' ? 'final-cost' : 'running-cost';
    if (totalCost !== undefined) this.#showPrice({ kind, text: costText(totalCost, DISPLAY_CURRENCY), cost: totalCost, currency: DISPLAY_CURRENCY, transactionId });
    else if (eventType === 'Ended') this.#showPrice({ kind: 'fallback', text: TOTAL_COST_FALLBACK_MESSAGE, transactionId });
  }

  #showPrice(line: Omit<DisplayLine, 'atMs'>): void {
    this.signals.emit('priceShown', { ...line, atMs: this.#o.clock.now() });
  }

  /** Every push gets a rejection handler; durable refusals surface through the outbox's onRejected. */
  #push<A extends keyof V201Outbound & string>(action: A, render: () => V201Outbound[A]['request'] | undefined, durable: boolean): Promise<V201Outbound[A]['response'] | undefined> {
    const pushed = this.#o.outbox.push(action, render, { durable });
    pushed.catch(() => undefined);
    return pushed;
  }

  #sendStatus(view: ConnectorView): Promise<unknown> {
    return this.#push('StatusNotification', () => ({
      timestamp: isoTime(this.#o.clock.now()),
      connectorStatus: connectorStatusOf(view.status),
      evseId: view.evseId,
      connectorId: view.connectorId,
    }), false);
  }

  #sampleNow(evseId: number | undefined, asTransactionEvent: boolean): void {
    const station = this.#requireStation();
    for (const id of station.evseIds.filter((e) => evseId === undefined || e === evseId)) {
      if (asTransactionEvent) {
        station.sampleTransactions('Trigger', id);
        continue;
      }
      const sample = station.readMeter(id);
      void this.#push('MeterValues', () => ({ evseId: id, meterValue: [sampleMeterValue(sample, 'Trigger', this.#publicKey(id))] }), false).catch(() => undefined);
    }
  }

  #publicKey(evseId: number): Buffer {
    return this.#requireStation().meter(evseId).publicKeySpki;
  }

  #requireStation(): Station {
    if (this.#station === undefined) throw new Error('install(station) must run before the adapter is used');
    return this.#station;
  }
}
