import type { DisplayLine } from './core/price-display';
import type { EvModel } from '../meter/ev';
import type { RejectedMessage } from '../ocpp/outbox';
import type { RegistrationStatus, ResetKind } from './adapter';
import type { LocalListSnapshot } from './core/local-auth-list';
import type { AuthorizationStatus, ConnectorRef, ConnectorView, IdToken, MeterSample, StopReason, Transaction } from './core/types';

export type OcppVersion = '1.6' | '2.0.1';

export type StartResult =
  | {
      readonly accepted: true;
      readonly evseId: number;
      /** The id the CSMS knows the transaction by; absent while waiting for a cable or for a 1.6 StartTransaction reply. */
      readonly transactionId?: string;
      readonly transaction?: Transaction;
    }
  | { readonly accepted: false; readonly status: AuthorizationStatus };

export interface StopResult {
  readonly transactionId: string | undefined;
  readonly reason: StopReason;
  readonly meterStartWh: number;
  readonly meterStopWh: number;
  readonly energyWh: number;
}

export interface ChargePointEvents {
  connection: { readonly online: boolean };
  registration: { readonly status: RegistrationStatus; readonly intervalS: number };
  status: ConnectorView;
  /** A call from the CSMS and what the charge point answered. */
  csmsRequest: { readonly action: string; readonly request: unknown; readonly response: unknown };
  transactionStarted: Transaction;
  transactionEnded: StopResult & { readonly transaction: Transaction };
  /** A queued transaction message the CSMS refused; it was dropped. */
  messageRejected: RejectedMessage;
  reset: { readonly kind: ResetKind };
  /** A message that failed schema validation (strict mode) in either direction. */
  invalidMessage: { readonly method: string; readonly outbound: boolean; readonly error: unknown };
  /** A call the charge point made was answered; `latencyMs` is real time on the wire, not simulated time. */
  callAnswered: { readonly action: string; readonly latencyMs: number };
  /** The display showed the driver a price, a cost or a message (see display()). */
  priceShown: DisplayLine;
}

/** A simulated charge point speaking OCPP 1.6J or 2.0.1 to a CSMS. */
export interface ChargePoint {
  readonly identity: string;
  readonly protocol: OcppVersion;
  /** Connected and registered: messages flow now rather than queue. */
  readonly online: boolean;
  /** Messages waiting in the outbox, e.g. transaction messages produced offline. */
  readonly queuedMessages: number;

  on<E extends keyof ChargePointEvents & string>(event: E, listener: (payload: ChargePointEvents[E]) => void): this;
  off<E extends keyof ChargePointEvents & string>(event: E, listener: (payload: ChargePointEvents[E]) => void): this;
  /** The next `event` whose payload satisfies `accept`. */
  next<E extends keyof ChargePointEvents & string>(event: E, accept?: (payload: ChargePointEvents[E]) => boolean): Promise<ChargePointEvents[E]>;

  /** Opens the WebSocket and sends BootNotification; resolves with the CSMS's first answer. */
  connect(): Promise<RegistrationStatus>;
  /** Stops timers and closes the connection; queued messages are discarded. */
  close(): Promise<void>;

  plugIn(connector: ConnectorRef, ev: EvModel): Promise<StartResult | undefined>;
  unplug(connector: ConnectorRef): Promise<StopResult | undefined>;
  /** Presents a token (an RFID card, ISO14443, when given as a string) and starts where a vehicle is plugged in. */
  authorizeAndStart(idToken: string | IdToken, connector?: ConnectorRef): Promise<StartResult>;
  /** Ends a transaction locally; `Local` unless another reason is given. */
  stop(reason?: StopReason, connector?: ConnectorRef): Promise<StopResult>;

  /** Lets `ms` of simulated time pass, then waits until what it produced is delivered (or queued offline). */
  advance(ms: number): Promise<void>;
  /** Waits until the outbox is empty, or offline. */
  settle(): Promise<void>;

  connectors(): ConnectorView[];
  meterReading(evseId: number): MeterSample;
  /** The EVSE meter's public key, SubjectPublicKeyInfo DER as hex. */
  meterPublicKey(evseId: number): string;
  /** The local authorization list the CSMS installed with SendLocalList, as GetLocalListVersion would report it. */
  localList(): LocalListSnapshot;
  /** Every price, cost and message the display showed the driver, oldest first. */
  display(): readonly DisplayLine[];
}
