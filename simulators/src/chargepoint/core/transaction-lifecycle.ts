import type { Clock } from '../../clock';
import { ChargePointError } from '../../errors';
import type { SignedMeterReading } from '../../meter/smart-meter';
import type { TypedEmitter } from '../../typed-emitter';
import type { Evse } from './evse';
import { ocmfIdentification } from './identification';
import type { SettingsStore } from './settings';
import type { AuthorizationSource, AuthorizationStatus, ConnectorView, IdToken, SampleContext, StationPort, StopReason, Transaction } from './types';

export type StartOutcome =
  | { readonly accepted: true; readonly evseId: number; readonly transaction?: Transaction }
  | { readonly accepted: false; readonly status: AuthorizationStatus };

export interface EndedTransaction {
  readonly transaction: Transaction;
  readonly end: SignedMeterReading;
  readonly reason: StopReason;
}

export interface StationEvents {
  status: ConnectorView;
  transactionStarted: Transaction;
  transactionEnded: EndedTransaction;
}

export interface TransactionLifecycleOptions {
  readonly clock: Clock;
  readonly settings: SettingsStore;
  readonly port: StationPort;
  readonly events: TypedEmitter<StationEvents>;
  readonly newTransactionId: () => string;
  readonly overTls: boolean;
  /** The station's #change: brings every meter up to now, applies, re-evaluates power. */
  readonly change: (apply: () => void) => void;
  readonly publishStatuses: () => void;
  /** A token started or stopped waiting for a cable. */
  readonly onPendingChange: () => void;
}

/**
 * Begins and ends transactions on an EVSE. Invariant: the meter's signed begin/end and the port call that turns
 * them into messages happen before the resulting status is published.
 */
export class TransactionLifecycle {
  readonly #o: TransactionLifecycleOptions;

  constructor(options: Readonly<TransactionLifecycleOptions>) {
    this.#o = options;
  }

  /** Starts now when a vehicle is plugged in; otherwise waits for one until the connection timeout. */
  async beginOrWait(evse: Evse, token: IdToken, source: AuthorizationSource, remote: boolean, remoteStartId: number | undefined): Promise<StartOutcome> {
    if (evse.plug !== undefined) {
      const transaction = await this.begin(evse, token, source, remote ? 'RemoteStart' : 'Authorized', remoteStartId);
      return { accepted: true, evseId: evse.id, transaction };
    }
    const timeout = this.#o.clock.schedule(this.#o.settings.get('connectionTimeOutS') * 1000, () => {
      evse.pendingStart = undefined;
      this.#o.onPendingChange();
    });
    evse.pendingStart = { token, authorizedBy: source, remote, timeout, ...(remoteStartId === undefined ? {} : { remoteStartId }) };
    this.#o.onPendingChange();
    return { accepted: true, evseId: evse.id };
  }

  async begin(evse: Evse, token: IdToken, authorizedBy: AuthorizationSource, trigger: Transaction['trigger'], remoteStartId: number | undefined): Promise<Transaction> {
    const plug = evse.plug;
    if (plug === undefined) throw new ChargePointError('NoVehicle', `EVSE ${evse.id} has no vehicle`, { evseId: evse.id, connectorId: 1 });
    const transactionId = this.#o.newTransactionId();
    let begun: Transaction | undefined;
    this.#o.change(() => {
      const begin = evse.meter.beginTransaction(ocmfIdentification(token, authorizedBy, this.#o.overTls));
      begun = {
        id: transactionId,
        evseId: evse.id,
        connectorId: plug.connectorId,
        connectorNumber: evse.connectorNumbers[plug.connectorId - 1] ?? 0,
        token,
        authorizedBy,
        trigger,
        ...(remoteStartId === undefined ? {} : { remoteStartId }),
        startedAtMs: begin.timestampMs,
        meterStartWh: begin.registerWh,
        begin,
      };
      evse.transaction = begun;
      evse.pendingStart?.timeout.cancel();
      evse.pendingStart = undefined;
    });
    const transaction = evse.transaction ?? begun;
    if (transaction === undefined) throw new ChargePointError('NoTransaction', `EVSE ${evse.id} did not start`);
    const delivered = this.#o.port.transactionStarted(transaction);
    this.#o.events.emit('transactionStarted', transaction);
    this.#o.publishStatuses();
    this.scheduleSample(evse);
    await delivered;
    return transaction;
  }

  async end(evse: Evse, reason: StopReason, clearProfiles: (transactionId: string) => void): Promise<EndedTransaction> {
    const transaction = evse.transaction;
    if (transaction === undefined) throw new ChargePointError('NoTransaction', `EVSE ${evse.id} has no transaction`);
    let end: SignedMeterReading | undefined;
    this.#o.change(() => {
      end = evse.meter.endTransaction();
      evse.transaction = undefined;
      evse.finished = evse.plug !== undefined;
      clearProfiles(transaction.id);
      if (evse.scheduledOperative !== undefined) {
        evse.operative = evse.scheduledOperative;
        evse.scheduledOperative = undefined;
      }
    });
    if (end === undefined) throw new ChargePointError('NoTransaction', `EVSE ${evse.id} did not end`);
    this.scheduleSample(evse);
    const ended: EndedTransaction = { transaction, end, reason };
    const delivered = this.#o.port.transactionEnded(transaction, end, reason);
    this.#o.events.emit('transactionEnded', ended);
    this.#o.publishStatuses();
    await delivered;
    return ended;
  }

  sample(evse: Evse, context: SampleContext): void {
    const transaction = evse.transaction;
    if (transaction === undefined) return;
    const reading = evse.meter.read();
    const signed = this.#o.settings.get('signPeriodicReadings') ? evse.meter.signUpdate('C') : undefined;
    const socPercent = evse.plug?.vehicle.socPercent;
    this.#o.port.transactionSampled(transaction, { ...reading, ...(socPercent === undefined ? {} : { socPercent }), ...(signed === undefined ? {} : { signed }) }, context);
  }

  /** Periodic samples run from the transaction's start while it lasts; every call re-arms from now. */
  scheduleSample(evse: Evse): void {
    evse.sampleTimer?.cancel();
    evse.sampleTimer = undefined;
    const intervalS = this.#o.settings.get('meterValueSampleIntervalS');
    if (evse.transaction === undefined || intervalS <= 0) return;
    evse.sampleTimer = this.#o.clock.schedule(intervalS * 1000, () => {
      this.#o.publishStatuses();
      this.sample(evse, 'Sample.Periodic');
      this.scheduleSample(evse);
    });
  }
}
