import { randomUUID, type KeyObject } from 'node:crypto';
import { ManualClock, type Clock } from '../clock';
import { ConfigurationError } from '../errors';
import { generateMeterKey } from '../meter/keys';
import type { MeterState, MeterStateStore } from '../meter/meter-state';
import { SmartMeter } from '../meter/smart-meter';
import { isTransientTransactionFailure, OcppLink, type OcppSecurity, type ReconnectBackoff } from '../ocpp/link';
import { Outbox } from '../ocpp/outbox';
import { loadTemplate, type ChargerTemplate } from '../template/template';
import type { LaneControl, LinkControl, ProtocolAdapter } from './adapter';
import type { ChargePoint, OcppVersion } from './api';
import { SimulatedChargePoint } from './charge-point';
import { DEFAULT_SETTINGS, SettingsStore, type StationSettings } from './core/settings';
import { Station, type StationOptions } from './core/station';
import type { V16Inbound, V16Outbound } from './v16/actions';
import { Ocpp16Adapter } from './v16/ocpp16-adapter';
import type { V201Inbound, V201Outbound } from './v201/actions';
import { Ocpp201Adapter } from './v201/ocpp201-adapter';

export interface CreateChargePointOptions {
  readonly protocol: OcppVersion;
  /** The charge point identity, appended to the endpoint as the last path segment. */
  readonly identity: string;
  /** e.g. `ws://127.0.0.1:9000/ocpp`. */
  readonly endpoint: string;
  /** Shorthand for security profile 1 (HTTP basic auth with the identity as user name). */
  readonly password?: string;
  /** Security profile 1–3; takes precedence over `password`. */
  readonly security?: OcppSecurity;
  /** A template object, a bundled template's name, or a path to a .json file. */
  readonly template: ChargerTemplate | string;
  /** Simulated time; a manual clock starting now when omitted, moved only by advance(). */
  readonly clock?: Clock;
  readonly settings?: Partial<StationSettings>;
  /** One EC P-256 private key per EVSE meter; generated when omitted. */
  readonly meterKeys?: readonly KeyObject[];
  /** Initial register of each EVSE meter in Wh; 0 when omitted. */
  readonly meterRegistersWh?: readonly number[];
  /**
   * Where the EVSE meters keep their pagination and register across runs: a meter with kept state goes on from
   * it (before meterRegistersWh); without a store every run starts at T1 and the given register.
   */
  readonly meterStates?: MeterStateStore;
  /** Charge point serial number, also the OCMF gateway serial; the identity when omitted. */
  readonly serialNumber?: string;
  readonly backoff?: Partial<ReconnectBackoff>;
  readonly callTimeoutMs?: number;
  /** Source of 2.0.1 transaction ids (at most 36 characters); random UUIDs when omitted. */
  readonly newTransactionId?: () => string;
  /** How often statuses are re-derived between commands. */
  readonly supervisionIntervalMs?: number;
  /** The meters' integration grid. */
  readonly meterStepMs?: number;
  /** Real, monotonic milliseconds for the latencies `callAnswered` reports; performance.now() when omitted. */
  readonly stopwatch?: () => number;
}

/** Every default of createChargePoint, in one place. */
export const CHARGE_POINT_DEFAULTS = {
  backoff: { initialDelayMs: 1_000, maxDelayMs: 30_000, factor: 2, jitter: 0.25 },
  callTimeoutMs: 30_000,
  supervisionIntervalMs: 1_000,
  meterStepMs: 1_000,
  defaultBootRetryS: 60,
  /** A transaction message the CSMS could not take (InternalError, a timeout) is sent again after this long. */
  transactionRetryMs: 1_000,
} as const;

function securityOf(options: CreateChargePointOptions): OcppSecurity {
  if (options.security !== undefined) return options.security;
  return options.password === undefined ? { profile: 0 } : { profile: 1, password: options.password };
}

/** The composition root of one simulated charge point: builds meters, station, link, outbox and the version's adapter. */
export function createChargePoint(options: Readonly<CreateChargePointOptions>): ChargePoint {
  const template = typeof options.template === 'string' ? loadTemplate(options.template) : options.template;
  const clock = options.clock ?? new ManualClock(Date.now());
  const serialNumber = options.serialNumber ?? options.identity;
  const security = securityOf(options);
  if (options.meterKeys !== undefined && options.meterKeys.length !== template.evses.length) {
    throw new ConfigurationError('meterKeys', `the template has ${template.evses.length} EVSEs but ${options.meterKeys.length} meter keys were given`);
  }
  const settings = new SettingsStore({ ...DEFAULT_SETTINGS, ...options.settings });
  const meters = template.evses.map((_, i) => {
    const meterSerial = `${serialNumber}-M${i + 1}`;
    const store = options.meterStates;
    const kept = store?.load(meterSerial);
    return new SmartMeter({
      clock,
      identity: { vendor: template.meter.vendor, model: template.meter.model, serial: meterSerial, ...(template.meter.firmwareVersion === undefined ? {} : { firmware: template.meter.firmwareVersion }) },
      gateway: { id: `${template.vendor} ${template.model}`, serial: serialNumber, version: template.firmwareVersion },
      signingKey: options.meterKeys?.[i] ?? generateMeterKey(),
      registerWh: kept?.registerWh ?? options.meterRegistersWh?.[i] ?? 0,
      stepMs: options.meterStepMs ?? CHARGE_POINT_DEFAULTS.meterStepMs,
      nextPage: kept?.nextPage ?? 1,
      ...(store === undefined ? {} : { onSigned: (state: MeterState) => store.save(meterSerial, state) }),
    });
  });
  const linkOptions = {
    identity: options.identity,
    endpoint: options.endpoint,
    security,
    backoff: { ...CHARGE_POINT_DEFAULTS.backoff, ...options.backoff },
    callTimeoutMs: options.callTimeoutMs ?? CHARGE_POINT_DEFAULTS.callTimeoutMs,
    stopwatch: options.stopwatch ?? (() => performance.now()),
  };
  const common = { clock, settings, template, serialNumber, securityProfile: security.profile };

  let adapter: ProtocolAdapter;
  let link: LinkControl;
  let lane: LaneControl;
  if (options.protocol === '1.6') {
    const v16Link = new OcppLink<V16Outbound, V16Inbound>({ ...linkOptions, protocol: 'ocpp1.6' });
    const outbox = new Outbox<V16Outbound>({ send: (action, request) => v16Link.call(action, request), isTransient: isTransientTransactionFailure, retryDelayMs: CHARGE_POINT_DEFAULTS.transactionRetryMs });
    adapter = new Ocpp16Adapter({ ...common, link: v16Link, outbox });
    [link, lane] = [v16Link, outbox];
  } else {
    const v201Link = new OcppLink<V201Outbound, V201Inbound>({ ...linkOptions, protocol: 'ocpp2.0.1' });
    const outbox = new Outbox<V201Outbound>({ send: (action, request) => v201Link.call(action, request), isTransient: isTransientTransactionFailure, retryDelayMs: CHARGE_POINT_DEFAULTS.transactionRetryMs });
    adapter = new Ocpp201Adapter({ ...common, identity: options.identity, link: v201Link, outbox });
    [link, lane] = [v201Link, outbox];
  }

  const stationOptions: StationOptions = {
    clock,
    template,
    meters,
    settings,
    port: adapter,
    newTransactionId: options.newTransactionId ?? randomUUID,
    supervisionIntervalMs: options.supervisionIntervalMs ?? CHARGE_POINT_DEFAULTS.supervisionIntervalMs,
    overTls: security.profile >= 2,
  };
  const station = new Station(stationOptions);
  adapter.install(station);
  return new SimulatedChargePoint({
    identity: options.identity,
    protocol: options.protocol,
    clock,
    settings,
    station,
    adapter,
    link,
    lane,
    defaultBootRetryS: CHARGE_POINT_DEFAULTS.defaultBootRetryS,
  });
}
