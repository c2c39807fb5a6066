import type { DisplayLine } from './core/price-display';
import type { Clock, Timer } from '../clock';
import { ChargePointError } from '../errors';
import type { EvModel } from '../meter/ev';
import { TypedEmitter } from '../typed-emitter';
import type { BootReason, LaneControl, LinkControl, ProtocolAdapter, RegistrationStatus } from './adapter';
import type { ChargePoint, ChargePointEvents, OcppVersion, StartResult, StopResult } from './api';
import type { LocalListSnapshot } from './core/local-auth-list';
import type { SettingsStore } from './core/settings';
import type { StartOutcome, Station } from './core/station';
import type { EndedTransaction } from './core/transaction-lifecycle';
import type { ConnectorRef, ConnectorView, IdToken, MeterSample, StopReason } from './core/types';

export interface ChargePointRuntimeOptions {
  readonly identity: string;
  readonly protocol: OcppVersion;
  readonly clock: Clock;
  readonly settings: SettingsStore;
  readonly station: Station;
  readonly adapter: ProtocolAdapter;
  readonly link: LinkControl;
  readonly lane: LaneControl;
  /** Retry delay after a Pending/Rejected boot whose reply carried interval 0. */
  readonly defaultBootRetryS: number;
}

/**
 * The connection lifecycle shared by both versions: boot (retried after the interval while Pending or
 * Rejected), heartbeats on the interval the CSMS gave, reconnects, resets. Invariant: the outbox is online
 * exactly while the WebSocket is open and the CSMS has accepted the boot, so nothing but BootNotification
 * ever precedes registration and everything produced meanwhile either waits (durable) or is refused.
 */
export class SimulatedChargePoint implements ChargePoint {
  readonly identity: string;
  readonly protocol: OcppVersion;
  readonly #events = new TypedEmitter<ChargePointEvents>();
  readonly #o: ChargePointRuntimeOptions;
  #registration: RegistrationStatus | undefined;
  #heartbeat: Timer | undefined;
  #bootRetry: Timer | undefined;
  #closed = false;
  readonly #display: DisplayLine[] = [];

  constructor(options: Readonly<ChargePointRuntimeOptions>) {
    this.#o = options;
    this.identity = options.identity;
    this.protocol = options.protocol;
    const { link, lane, adapter, station, settings } = options;
    link.events.on('open', ({ reconnect }) => void this.#reconnected(reconnect));
    link.events.on('disconnect', () => {
      lane.setOnline(false);
      this.#events.emit('connection', { online: false });
    });
    link.events.on('invalidMessage', (event) => this.#events.emit('invalidMessage', event));
    link.events.on('callAnswered', (event) => this.#events.emit('callAnswered', event));
    lane.onRejected((rejected) => this.#events.emit('messageRejected', rejected));
    adapter.signals.on('csmsRequest', (event) => this.#events.emit('csmsRequest', event));
    adapter.signals.on('priceShown', (line) => {
      this.#display.push(line);
      this.#events.emit('priceShown', line);
    });
    adapter.signals.on('reset', ({ kind }) => void this.#reboot(kind).catch(() => undefined));
    adapter.signals.on('triggerBoot', () => void this.#boot('Triggered').catch(() => undefined));
    adapter.signals.on('triggerHeartbeat', () => void adapter.heartbeat().catch(() => undefined));
    station.events.on('status', (view) => this.#events.emit('status', view));
    station.events.on('transactionStarted', (transaction) => this.#events.emit('transactionStarted', transaction));
    station.events.on('transactionEnded', (ended) => this.#events.emit('transactionEnded', { ...this.#stopResult(ended), transaction: ended.transaction }));
    settings.onChange((key) => {
      if (key === 'heartbeatIntervalS' && this.#heartbeat !== undefined) this.#scheduleHeartbeat();
    });
  }

  get online(): boolean {
    return this.#o.lane.online;
  }

  get queuedMessages(): number {
    return this.#o.lane.pending;
  }

  on<E extends keyof ChargePointEvents & string>(event: E, listener: (payload: ChargePointEvents[E]) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  off<E extends keyof ChargePointEvents & string>(event: E, listener: (payload: ChargePointEvents[E]) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  next<E extends keyof ChargePointEvents & string>(event: E, accept?: (payload: ChargePointEvents[E]) => boolean): Promise<ChargePointEvents[E]> {
    return this.#events.next(event, accept);
  }

  async connect(): Promise<RegistrationStatus> {
    if (this.#closed) throw new ChargePointError('Closed', `${this.identity} is closed`);
    await this.#o.link.connect();
    this.#o.station.start();
    return this.#boot('PowerUp');
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#heartbeat?.cancel();
    this.#bootRetry?.cancel();
    this.#o.station.shutdown();
    this.#o.lane.discard(new ChargePointError('Closed', `${this.identity} closed with messages still queued`));
    await this.#o.link.close();
  }

  async plugIn(connector: ConnectorRef, ev: EvModel): Promise<StartResult | undefined> {
    const outcome = await this.#o.station.plugIn(connector, ev);
    return outcome === undefined ? undefined : this.#startResult(outcome);
  }

  async unplug(connector: ConnectorRef): Promise<StopResult | undefined> {
    const ended = await this.#o.station.unplug(connector);
    return ended === undefined ? undefined : this.#stopResult(ended);
  }

  async authorizeAndStart(idToken: string | IdToken, connector?: ConnectorRef): Promise<StartResult> {
    const token: IdToken = typeof idToken === 'string' ? { value: idToken, type: 'ISO14443' } : idToken;
    return this.#startResult(await this.#o.station.authorizeAndStart(token, connector));
  }

  async stop(reason: StopReason = 'Local', connector?: ConnectorRef): Promise<StopResult> {
    return this.#stopResult(await this.#o.station.stop(reason, connector));
  }

  async advance(ms: number): Promise<void> {
    await this.#o.clock.advance(ms);
    this.#o.station.refresh();
    await this.#o.lane.idle();
  }

  settle(): Promise<void> {
    return this.#o.lane.idle();
  }

  connectors(): ConnectorView[] {
    return this.#o.station.connectors();
  }

  meterReading(evseId: number): MeterSample {
    return this.#o.station.readMeter(evseId);
  }

  meterPublicKey(evseId: number): string {
    return this.#o.station.meter(evseId).publicKeyHex;
  }

  display(): readonly DisplayLine[] {
    return [...this.#display];
  }

  localList(): LocalListSnapshot {
    return this.#o.station.localList.snapshot();
  }

  async #boot(reason: BootReason): Promise<RegistrationStatus> {
    this.#bootRetry?.cancel();
    const { status, intervalS } = await this.#o.adapter.boot(reason);
    this.#registration = status;
    this.#events.emit('registration', { status, intervalS });
    if (status === 'Accepted') {
      if (intervalS > 0) this.#o.settings.set('heartbeatIntervalS', intervalS);
      this.#scheduleHeartbeat();
      this.#goOnline(true);
    } else {
      const retryS = intervalS > 0 ? intervalS : this.#o.defaultBootRetryS;
      this.#bootRetry = this.#o.clock.schedule(retryS * 1000, () => void this.#boot(reason).catch(() => undefined));
    }
    return status;
  }

  async #reconnected(reconnect: boolean): Promise<void> {
    if (!reconnect || this.#closed) return;
    if (this.#registration === 'Accepted') this.#goOnline(false);
    else await this.#boot('PowerUp');
  }

  #goOnline(afterBoot: boolean): void {
    this.#o.lane.setOnline(true);
    this.#o.adapter.reportStatuses(afterBoot);
    this.#events.emit('connection', { online: true });
  }

  #scheduleHeartbeat(): void {
    this.#heartbeat?.cancel();
    const intervalS = this.#o.settings.get('heartbeatIntervalS');
    if (intervalS <= 0) return;
    this.#heartbeat = this.#o.clock.schedule(intervalS * 1000, () => {
      if (this.#o.lane.online) this.#o.adapter.heartbeat().catch(() => undefined);
      this.#scheduleHeartbeat();
    });
  }

  /** Ends transactions (their messages stay queued), drops the connection, and boots again. */
  async #reboot(kind: 'Hard' | 'Soft' | 'Immediate'): Promise<void> {
    this.#events.emit('reset', { kind });
    await this.#o.station.stopAll(kind === 'Soft' ? 'SoftReset' : 'HardReset');
    await this.#o.lane.idle();
    this.#o.lane.setOnline(false);
    this.#heartbeat?.cancel();
    this.#heartbeat = undefined;
    this.#registration = undefined;
    await this.#o.link.close();
    if (this.#closed) return;
    await this.#o.link.connect();
    await this.#boot('RemoteReset');
  }

  #startResult(outcome: StartOutcome): StartResult {
    if (!outcome.accepted) return outcome;
    const transaction = outcome.transaction;
    const transactionId = transaction === undefined ? undefined : this.#o.adapter.csmsTransactionId(transaction);
    return { accepted: true, evseId: outcome.evseId, ...(transactionId === undefined ? {} : { transactionId }), ...(transaction === undefined ? {} : { transaction }) };
  }

  #stopResult({ transaction, end, reason }: EndedTransaction): StopResult {
    return {
      transactionId: this.#o.adapter.csmsTransactionId(transaction),
      reason,
      meterStartWh: transaction.meterStartWh,
      meterStopWh: end.registerWh,
      energyWh: end.registerWh - transaction.meterStartWh,
    };
  }
}
