import type { Clock, Timer } from '../../clock';
import { ChargePointError } from '../../errors';
import { ElectricVehicle, type EvModel } from '../../meter/ev';
import type { SmartMeter } from '../../meter/smart-meter';
import type { ChargerTemplate } from '../../template/template';
import { TypedEmitter } from '../../typed-emitter';
import { ChargingProfileStore, type ChargingLimitProfile, type ProfileCriteria } from './charging-profiles';
import { deriveStatus } from './connector-status';
import { offeredPowerW } from './power-limit';
import type { Evse } from './evse';
import { EvseDirectory } from './evse-directory';
import { LOCAL_LIST_MAX_ENTRIES, LocalAuthList } from './local-auth-list';
import type { SettingsStore } from './settings';
import { TransactionLifecycle, type EndedTransaction, type StartOutcome, type StationEvents } from './transaction-lifecycle';

export type { StartOutcome } from './transaction-lifecycle';
import type {
  AuthorizationSource,
  AuthorizationStatus,
  ConnectorRef,
  ConnectorView,
  IdToken,
  MeterSample,
  SampleContext,
  StationPort,
  StopReason,
  Transaction,
} from './types';

export interface StationOptions {
  readonly clock: Clock;
  readonly template: ChargerTemplate;
  /** One per EVSE, in template order. */
  readonly meters: readonly SmartMeter[];
  readonly settings: SettingsStore;
  readonly port: StationPort;
  readonly newTransactionId: () => string;
  /** How often statuses are re-derived between commands: a vehicle filling up changes them by itself. */
  readonly supervisionIntervalMs: number;
  /** The CSMS connection is TLS (security profile 2 or 3); recorded in the OCMF identification flags. */
  readonly overTls: boolean;
}

export type AvailabilityOutcome = 'Accepted' | 'Scheduled' | 'Rejected';

/**
 * The charge point without a protocol: EVSEs, sessions, availability and limits. Invariant: every change to
 * what limits power goes through #change(), which brings all meters up to now before applying it, so energy
 * already delivered is always counted under the conditions that held while it flowed.
 */
export class Station {
  readonly events = new TypedEmitter<StationEvents>();
  readonly profiles = new ChargingProfileStore();
  readonly localList = new LocalAuthList(LOCAL_LIST_MAX_ENTRIES);
  readonly #options: StationOptions;
  readonly #evses: EvseDirectory;
  readonly #lifecycle: TransactionLifecycle;
  #supervision: Timer | undefined;

  constructor(options: Readonly<StationOptions>) {
    this.#options = options;
    this.#evses = new EvseDirectory(options.template, options.meters);
    this.#lifecycle = new TransactionLifecycle({
      clock: options.clock,
      settings: options.settings,
      port: options.port,
      events: this.events,
      newTransactionId: options.newTransactionId,
      overTls: options.overTls,
      change: (apply) => this.#change(apply),
      publishStatuses: () => this.#publishStatuses(),
      onPendingChange: () => this.#publishStatuses(),
    });
    options.settings.onChange((key) => {
      if (key === 'meterValueSampleIntervalS') for (const evse of this.#evses.all) this.#lifecycle.scheduleSample(evse);
    });
  }

  /** Starts supervision and derives the initial statuses. */
  start(): void {
    if (this.#supervision === undefined) this.#supervise();
  }

  shutdown(): void {
    this.#supervision?.cancel();
    for (const evse of this.#evses.all) {
      evse.sampleTimer?.cancel();
      evse.pendingStart?.timeout.cancel();
    }
  }

  get evseIds(): number[] {
    return this.#evses.all.map((e) => e.id);
  }

  connectors(): ConnectorView[] {
    return this.#evses.all.flatMap((evse) => evse.connectorIds.map((c) => this.#view(evse, c)));
  }

  connector(ref: ConnectorRef): ConnectorView {
    const { evse, connectorId } = this.#evses.resolve(ref);
    return this.#view(evse, connectorId);
  }

  hasConnector(ref: ConnectorRef): boolean {
    try {
      this.#evses.resolve(ref);
      return true;
    } catch {
      return false;
    }
  }

  transactions(): Transaction[] {
    return this.#evses.all.flatMap((e) => (e.transaction === undefined ? [] : [e.transaction]));
  }

  /** Every EVSE is inoperative (1.6 reports this as connector 0 Unavailable). */
  get inoperative(): boolean {
    return this.#evses.all.every((e) => !e.operative);
  }

  meter(evseId: number): SmartMeter {
    return this.#evses.byId(evseId).meter;
  }

  readMeter(evseId: number): MeterSample {
    const evse = this.#evses.byId(evseId);
    const socPercent = evse.plug?.vehicle.socPercent;
    return { ...evse.meter.read(), ...(socPercent === undefined ? {} : { socPercent }) };
  }

  /** Plugs a vehicle in; starts the transaction a token was already waiting with. */
  async plugIn(ref: ConnectorRef, model: EvModel): Promise<StartOutcome | undefined> {
    const { evse, connectorId } = this.#evses.resolve(ref);
    if (evse.plug !== undefined) throw new ChargePointError('ConnectorBusy', `EVSE ${evse.id} already has a vehicle plugged in`, { evseId: evse.id, connectorId });
    const vehicle = new ElectricVehicle(model);
    this.#change(() => {
      evse.plug = { connectorId, vehicle };
      evse.finished = false;
      evse.meter.attach({ vehicle, limitW: (atMs) => offeredPowerW(evse, this.profiles, this.transactions().length, atMs) });
    });
    this.#publishStatuses();
    const pending = evse.pendingStart;
    if (pending === undefined) return undefined;
    const trigger = pending.remote ? 'RemoteStart' : 'CablePluggedIn';
    const transaction = await this.#lifecycle.begin(evse, pending.token, pending.authorizedBy, trigger, pending.remoteStartId);
    return { accepted: true, evseId: evse.id, transaction };
  }

  /** Unplugging during a transaction ends it (EVDisconnected) and goes straight to Available. */
  async unplug(ref: ConnectorRef): Promise<EndedTransaction | undefined> {
    const { evse, connectorId } = this.#evses.resolve(ref);
    if (evse.plug?.connectorId !== connectorId) throw new ChargePointError('NoVehicle', `nothing is plugged into EVSE ${evse.id} connector ${connectorId}`, { evseId: evse.id, connectorId });
    this.#change(() => {
      evse.meter.detach();
      evse.plug = undefined;
      evse.finished = false;
    });
    if (evse.transaction !== undefined) return this.#lifecycle.end(evse, 'EVDisconnected', (id) => this.profiles.clearTransaction(id));
    this.#publishStatuses();
    return undefined;
  }

  /** A token presented at the charger: authorize, then start now or once a vehicle is plugged in. */
  async authorizeAndStart(token: IdToken, ref?: ConnectorRef): Promise<StartOutcome> {
    const evse = ref === undefined ? this.#evses.pickForStart() : this.#evses.startable(this.#evses.resolve(ref).evse);
    const { status, source } = await this.#authorize(token);
    if (status !== 'Accepted') return { accepted: false, status };
    return this.#lifecycle.beginOrWait(this.#evses.startable(evse), token, source, false, undefined);
  }

  /** The EVSE a remote start would use, or undefined to reject it; OCPP wants the reply before the start. */
  remoteStartTarget(evseId: number | undefined): number | undefined {
    try {
      return (evseId === undefined ? this.#evses.pickForStart() : this.#evses.startable(this.#evses.byId(evseId))).id;
    } catch {
      return undefined;
    }
  }

  async remoteStart(token: IdToken, evseId: number, remoteStartId: number | undefined): Promise<StartOutcome> {
    const evse = this.#evses.startable(this.#evses.byId(evseId));
    if (!this.#options.settings.get('authorizeRemoteStart')) return this.#lifecycle.beginOrWait(evse, token, 'RemoteStart', true, remoteStartId);
    const { status, source } = await this.#authorize(token);
    if (status !== 'Accepted') return { accepted: false, status };
    return this.#lifecycle.beginOrWait(this.#evses.startable(evse), token, source, true, remoteStartId);
  }

  /** Ends the transaction with this id; undefined when there is none. */
  async stopTransaction(transactionId: string, reason: StopReason): Promise<EndedTransaction | undefined> {
    const evse = this.#evses.all.find((e) => e.transaction?.id === transactionId);
    return evse === undefined ? undefined : this.#end(evse, reason);
  }

  /** Ends the transaction on a connector, or the first one running when no connector is given. */
  async stop(reason: StopReason, ref?: ConnectorRef): Promise<EndedTransaction> {
    const evse = ref === undefined ? this.#evses.all.find((e) => e.transaction !== undefined) : this.#evses.resolve(ref).evse;
    if (evse?.transaction === undefined) throw new ChargePointError('NoTransaction', 'no transaction is running there');
    return this.#end(evse, reason);
  }

  async stopAll(reason: StopReason): Promise<void> {
    for (const evse of this.#evses.all) if (evse.transaction !== undefined) await this.#end(evse, reason);
  }

  /** evseId undefined or 0 addresses the whole station. A running transaction defers going inoperative. */
  changeAvailability(evseId: number | undefined, operative: boolean): AvailabilityOutcome {
    const targets = evseId === undefined || evseId === 0 ? this.#evses.all : this.#evses.all.filter((e) => e.id === evseId);
    if (targets.length === 0) return 'Rejected';
    let scheduled = false;
    this.#change(() => {
      for (const evse of targets) {
        if (!operative && evse.transaction !== undefined) {
          evse.scheduledOperative = false;
          scheduled = true;
          continue;
        }
        evse.operative = operative;
        evse.scheduledOperative = undefined;
        if (!operative) {
          evse.pendingStart?.timeout.cancel();
          evse.pendingStart = undefined;
        }
      }
    });
    this.#publishStatuses();
    return scheduled ? 'Scheduled' : 'Accepted';
  }

  installProfile(profile: ChargingLimitProfile): void {
    this.#change(() => this.profiles.install(profile, this.#options.clock.now()));
    this.#publishStatuses();
  }

  clearProfiles(criteria: ProfileCriteria): number {
    let removed = 0;
    this.#change(() => {
      removed = this.profiles.clear(criteria);
    });
    this.#publishStatuses();
    return removed;
  }

  /** Reports a meter sample for each running transaction (or the one on `evseId`) now; returns how many. */
  sampleTransactions(context: SampleContext, evseId?: number): number {
    const evses = this.#evses.all.filter((e) => e.transaction !== undefined && (evseId === undefined || e.id === evseId));
    for (const evse of evses) this.#lifecycle.sample(evse, context);
    return evses.length;
  }

  /** Brings meters up to now and re-derives every status; the runtime calls it after moving time forward. */
  refresh(): void {
    for (const evse of this.#evses.all) evse.meter.update();
    this.#publishStatuses();
  }

  #supervise(): void {
    this.refresh();
    this.#supervision = this.#options.clock.schedule(this.#options.supervisionIntervalMs, () => this.#supervise());
  }

  #end(evse: Evse, reason: StopReason): Promise<EndedTransaction> {
    return this.#lifecycle.end(evse, reason, (id) => this.profiles.clearTransaction(id));
  }

  #view(evse: Evse, connectorId: number): ConnectorView {
    const status = deriveStatus(evse.facts(connectorId, offeredPowerW(evse, this.profiles, this.transactions().length, this.#options.clock.now())));
    const transaction = evse.plug?.connectorId === connectorId ? evse.transaction : undefined;
    const connectorNumber = evse.connectorNumbers[connectorId - 1] ?? 0;
    return { evseId: evse.id, connectorId, connectorNumber, status, ...(transaction === undefined ? {} : { transaction }) };
  }

  #publishStatuses(): void {
    for (const evse of this.#evses.all) {
      for (const connectorId of evse.connectorIds) {
        const view = this.#view(evse, connectorId);
        if (evse.reported.get(connectorId) === view.status) continue;
        evse.reported.set(connectorId, view.status);
        this.#options.port.connectorStatusChanged(view);
        this.events.emit('status', view);
      }
    }
  }

  #change(apply: () => void): void {
    for (const evse of this.#evses.all) evse.meter.update();
    apply();
    for (const evse of this.#evses.all) evse.meter.update();
  }

  /**
   * The CSMS decides whenever it can be asked. Otherwise a token on the local list goes by its listed status, so a
   * Blocked or Expired entry is refused even where unknown tokens are let through: only tokens the list does not
   * name are subject to allowOfflineTxForUnknownId, as both specs' Unknown Offline Authorization says.
   */
  async #authorize(token: IdToken): Promise<{ status: AuthorizationStatus; source: AuthorizationSource }> {
    const { port, settings, clock } = this.#options;
    const status = await port.authorize(token);
    if (status !== undefined) return { status, source: 'Csms' };
    const listed = settings.get('localAuthListEnabled') ? this.localList.lookup(token, clock.now()) : undefined;
    if (listed !== undefined) return { status: listed, source: 'LocalList' };
    return { status: settings.get('allowOfflineTxForUnknownId') ? 'Accepted' : 'Unknown', source: 'Offline' };
  }
}
