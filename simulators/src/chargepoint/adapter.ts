import type { DisplayLine } from './core/price-display';
import type { RejectedMessage } from '../ocpp/outbox';
import type { LinkEvents } from '../ocpp/link';
import type { TypedEmitter } from '../typed-emitter';
import type { Station } from './core/station';
import type { ConnectorView, StationPort, Transaction } from './core/types';

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

/** 2.0.1 BootReasonEnumType values the simulator produces; the 1.6 adapter ignores the reason. */
export type BootReason = 'PowerUp' | 'RemoteReset' | 'Triggered';

export interface BootOutcome {
  readonly status: RegistrationStatus;
  /** Heartbeat interval when accepted, retry delay otherwise; 0 means the CSMS left it to the charge point. */
  readonly intervalS: number;
}

export type ResetKind = 'Hard' | 'Soft' | 'Immediate';

/** What an adapter asks of the runtime that owns the connection. */
export interface AdapterSignals {
  csmsRequest: { readonly action: string; readonly request: unknown; readonly response: unknown };
  reset: { readonly kind: ResetKind };
  triggerBoot: Record<string, never>;
  triggerHeartbeat: Record<string, never>;
  /** What the charger's display showed the driver about prices and costs. */
  priceShown: DisplayLine;
}

/** The connection as the runtime drives it, whatever the protocol's action maps. */
export interface LinkControl {
  readonly events: TypedEmitter<LinkEvents>;
  readonly isOpen: boolean;
  connect(): Promise<void>;
  close(): Promise<void>;
}

/** The outbox as the runtime drives it. */
export interface LaneControl {
  readonly online: boolean;
  readonly pending: number;
  setOnline(online: boolean): void;
  idle(): Promise<void>;
  discard(error: Error): void;
  onRejected(listener: (rejected: RejectedMessage) => void): void;
}

/**
 * Everything one OCPP version knows. One class per version implements it; the runtime and the station are shared.
 */
export interface ProtocolAdapter extends StationPort {
  readonly signals: TypedEmitter<AdapterSignals>;
  /** Registers the inbound handlers, which act on `station`. */
  install(station: Station): void;
  /** Sent straight over the link: BootNotification must precede every other message. */
  boot(reason: BootReason): Promise<BootOutcome>;
  heartbeat(): Promise<void>;
  /** Reports the connector statuses the CSMS has not heard (all of them after a boot). */
  reportStatuses(all: boolean): void;
  /** The id the CSMS knows the transaction by; undefined while a 1.6 StartTransaction is unanswered. */
  csmsTransactionId(transaction: Transaction): string | undefined;
}

/**
 * Remembers what the CSMS last heard per connector, in the protocol's own terms (`project`), so a reconnect
 * reports exactly the connectors whose status changed meanwhile and nothing is reported twice.
 */
export class StatusReporter {
  readonly #current = new Map<string, ConnectorView>();
  readonly #heard = new Map<string, string>();
  readonly #send: (view: ConnectorView) => Promise<unknown>;
  readonly #project: (view: ConnectorView) => string;
  readonly #online: () => boolean;

  constructor(options: {
    send: (view: ConnectorView) => Promise<unknown>;
    project: (view: ConnectorView) => string;
    online: () => boolean;
  }) {
    this.#send = options.send;
    this.#project = options.project;
    this.#online = options.online;
  }

  changed(view: ConnectorView): void {
    this.#current.set(`${view.evseId}/${view.connectorId}`, view);
    if (this.#online()) this.#report(view, false);
  }

  resync(all: boolean): void {
    for (const view of this.#current.values()) this.#report(view, all);
  }

  #report(view: ConnectorView, force: boolean): void {
    const key = `${view.evseId}/${view.connectorId}`;
    const projected = this.#project(view);
    if (!force && this.#heard.get(key) === projected) return;
    this.#heard.set(key, projected);
    this.#send(view).catch(() => this.#heard.delete(key));
  }
}
