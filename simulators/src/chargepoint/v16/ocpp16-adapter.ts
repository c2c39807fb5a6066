import type { Clock } from '../../clock';
import { OfflineError } from '../../errors';
import type { SignedMeterReading } from '../../meter/smart-meter';
import { isTransientCallFailure, type OcppLink } from '../../ocpp/link';
import type { Outbox } from '../../ocpp/outbox';
import type { ChargerTemplate } from '../../template/template';
import { TypedEmitter } from '../../typed-emitter';
import { StatusReporter, type AdapterSignals, type BootOutcome, type ProtocolAdapter } from '../adapter';
import type { SettingsStore } from '../core/settings';
import type { Station } from '../core/station';
import type { AuthorizationStatus, ConnectorView, IdToken, MeterSample, SampleContext, StopReason, Transaction } from '../core/types';
import { isoTime } from '../signed-meter-value';
import type { V16Inbound, V16Outbound } from './actions';
import { configurationKeys } from './configuration';
import { v16Handlers } from './handlers';
import { boundaryMeterValue, sampleMeterValue } from './meter-values';

export interface Ocpp16AdapterOptions {
  readonly link: OcppLink<V16Outbound, V16Inbound>;
  readonly outbox: Outbox<V16Outbound>;
  readonly clock: Clock;
  readonly settings: SettingsStore;
  readonly template: ChargerTemplate;
  readonly serialNumber: string;
  readonly securityProfile: number;
}

/**
 * OCPP 1.6J. A transaction is StartTransaction, then MeterValues with the signed begin record, periodic
 * MeterValues, and StopTransaction whose transactionData carries the signed begin and end. The CSMS assigns the
 * transaction id in its reply to StartTransaction; later messages render it lazily, which the ordered outbox
 * guarantees is known by then (or the message is dropped when the start was refused).
 */
export class Ocpp16Adapter implements ProtocolAdapter {
  readonly signals = new TypedEmitter<AdapterSignals>();
  readonly #o: Ocpp16AdapterOptions;
  /** Charge point transaction id → the id the CSMS assigned; kept after the stop so results can still name it. */
  readonly #csmsIds = new Map<string, number>();
  readonly #statuses: StatusReporter;
  #station: Station | undefined;

  constructor(options: Readonly<Ocpp16AdapterOptions>) {
    this.#o = options;
    this.#statuses = new StatusReporter({
      send: (view) => this.#sendStatus(view.connectorNumber, view.status),
      project: (view) => view.status,
      online: () => options.outbox.online,
    });
  }

  install(station: Station): void {
    this.#station = station;
    const handlers = v16Handlers({
      station,
      clock: this.#o.clock,
      configuration: configurationKeys({
        settings: this.#o.settings,
        numberOfConnectors: station.connectors().length,
        securityProfile: this.#o.securityProfile,
        localListMaxEntries: station.localList.maxEntries,
      }),
      signals: this.signals,
      localTransactionId: (csmsId) => [...this.#csmsIds].find(([, id]) => id === csmsId)?.[0],
      csmsTransactionId: (localId) => this.#csmsIds.get(localId),
      reportStatus: (connectorNumber) => this.#reportNow(connectorNumber),
      sampleNow: (connectorNumber) => this.#sampleNow(connectorNumber),
      sendIdleNotification: (action) => this.#push(action, () => ({ status: 'Idle' }), false),
      hasPriceDisplay: this.#o.settings.get('priceDisplay'),
      showPrice: (line) => this.signals.emit('priceShown', { ...line, atMs: this.#o.clock.now() }),
    });
    this.#o.link.handleAll(handlers, (action, request, response) => this.signals.emit('csmsRequest', { action, request, response }));
  }

  async boot(): Promise<BootOutcome> {
    const { template, serialNumber } = this.#o;
    const meter = this.#requireStation().meter(1);
    const response = await this.#o.link.call('BootNotification', {
      chargePointVendor: template.vendor,
      chargePointModel: template.model,
      chargePointSerialNumber: serialNumber.slice(0, 25),
      firmwareVersion: template.firmwareVersion,
      meterType: template.meter.model.slice(0, 25),
      meterSerialNumber: meter.identity.serial.slice(0, 25),
    });
    return { status: response.status, intervalS: response.interval };
  }

  async heartbeat(): Promise<void> {
    await this.#push('Heartbeat', () => ({}), false);
  }

  reportStatuses(all: boolean): void {
    if (all) this.#reportNow(0);
    this.#statuses.resync(all);
  }

  csmsTransactionId(transaction: Transaction): string | undefined {
    const id = this.#csmsIds.get(transaction.id);
    return id === undefined ? undefined : String(id);
  }

  async authorize(token: IdToken): Promise<AuthorizationStatus | undefined> {
    try {
      const response = await this.#push('Authorize', () => ({ idTag: token.value }), false);
      return response?.idTagInfo.status;
    } catch (error) {
      if (error instanceof OfflineError || isTransientCallFailure(error)) return undefined;
      throw error;
    }
  }

  connectorStatusChanged(view: ConnectorView): void {
    this.#statuses.changed(view);
  }

  async transactionStarted(transaction: Transaction): Promise<void> {
    const wasOnline = this.#o.outbox.online;
    const publicKey = this.#publicKey(transaction.evseId);
    const started = this.#push(
      'StartTransaction',
      () => ({ connectorId: transaction.connectorNumber, idTag: transaction.token.value, meterStart: transaction.meterStartWh, timestamp: isoTime(transaction.startedAtMs) }),
      true,
    ).then((response) => {
      if (response === undefined) return;
      this.#csmsIds.set(transaction.id, response.transactionId);
      if (response.idTagInfo.status !== 'Accepted' && this.#o.settings.get('stopTransactionOnInvalidId')) {
        this.#requireStation().stopTransaction(transaction.id, 'DeAuthorized').catch(() => undefined);
      }
    }, () => undefined);
    const begin = this.#push('MeterValues', () => this.#withCsmsId(transaction, (transactionId) => ({
      connectorId: transaction.connectorNumber,
      transactionId,
      meterValue: [boundaryMeterValue(transaction.begin, 'Transaction.Begin', publicKey)],
    })), true);
    if (wasOnline) await Promise.all([started, begin]);
  }

  transactionSampled(transaction: Transaction, sample: MeterSample, context: SampleContext): void {
    const publicKey = this.#publicKey(transaction.evseId);
    void this.#push('MeterValues', () => this.#withCsmsId(transaction, (transactionId) => ({
      connectorId: transaction.connectorNumber,
      transactionId,
      meterValue: [sampleMeterValue(sample, context, publicKey)],
    })), true).catch(() => undefined);
  }

  async transactionEnded(transaction: Transaction, end: SignedMeterReading, reason: StopReason): Promise<void> {
    const wasOnline = this.#o.outbox.online;
    const publicKey = this.#publicKey(transaction.evseId);
    const stopped = this.#push('StopTransaction', () => this.#withCsmsId(transaction, (transactionId) => ({
      transactionId,
      idTag: transaction.token.value,
      meterStop: end.registerWh,
      timestamp: isoTime(end.timestampMs),
      reason,
      transactionData: [boundaryMeterValue(transaction.begin, 'Transaction.Begin', publicKey), boundaryMeterValue(end, 'Transaction.End', publicKey)],
    })), true).then(() => undefined, () => undefined);
    if (wasOnline) await stopped;
  }

  /**
   * Every push gets a rejection handler, so nothing goes unhandled when no caller awaits it; refusals of durable
   * messages surface through the outbox's onRejected, and awaiting callers still see the rejection.
   */
  #push<A extends keyof V16Outbound & string>(action: A, render: () => V16Outbound[A]['request'] | undefined, durable: boolean): Promise<V16Outbound[A]['response'] | undefined> {
    const pushed = this.#o.outbox.push(action, render, { durable });
    pushed.catch(() => undefined);
    return pushed;
  }

  #withCsmsId<R>(transaction: Transaction, render: (transactionId: number) => R): R | undefined {
    const id = this.#csmsIds.get(transaction.id);
    return id === undefined ? undefined : render(id);
  }

  /** Stamped when the status changed, not when the link gets round to sending it: the CSMS bills parking from it. */
  #sendStatus(connectorId: number, status: ConnectorView['status']): Promise<unknown> {
    const timestamp = isoTime(this.#o.clock.now());
    return this.#push('StatusNotification', () => ({ connectorId, errorCode: 'NoError', status, timestamp }), false);
  }

  /** Sends now whatever the CSMS heard before: connector 0 is the charge point as a whole. */
  #reportNow(connectorNumber: number | undefined): void {
    const station = this.#requireStation();
    if (connectorNumber === undefined || connectorNumber === 0) {
      this.#sendStatus(0, station.inoperative ? 'Unavailable' : 'Available').catch(() => undefined);
    }
    for (const view of station.connectors()) {
      if (connectorNumber === undefined || view.connectorNumber === connectorNumber) this.#sendStatus(view.connectorNumber, view.status).catch(() => undefined);
    }
  }

  #sampleNow(connectorNumber: number | undefined): void {
    const station = this.#requireStation();
    for (const view of station.connectors()) {
      if (connectorNumber !== undefined && view.connectorNumber !== connectorNumber) continue;
      if (view.transaction !== undefined) {
        station.sampleTransactions('Trigger', view.evseId);
        continue;
      }
      const sample = station.readMeter(view.evseId);
      void this.#push('MeterValues', () => ({ connectorId: view.connectorNumber, meterValue: [sampleMeterValue(sample, 'Trigger', this.#publicKey(view.evseId))] }), false).catch(() => undefined);
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
