/**
 * Tariff and pricing shapes, modelled on OCPI 2.2.1 (module Tariffs) with every number an integer in a stated unit.
 * Field names are camelCase and carry their unit; a validated Tariff is frozen and has its keys in a fixed order.
 */

export const tariffDimensions = ['FLAT', 'ENERGY', 'TIME', 'PARKING_TIME'] as const;
/** ENERGY: per kWh; TIME: per hour charging; PARKING_TIME: per hour connected but not charging; FLAT: per session. */
export type TariffDimension = (typeof tariffDimensions)[number];

export const daysOfWeek = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type DayOfWeek = (typeof daysOfWeek)[number];

export interface PriceComponent {
  readonly type: TariffDimension;
  /** Excl. VAT, in micro-units of the major currency unit (0.39 EUR = 390000) per kWh, per hour, or per session. */
  readonly priceMicro: number;
  /** Billing block: Wh for ENERGY, seconds for TIME and PARKING_TIME; ignored for FLAT. At least 1. */
  readonly stepSize: number;
  /** VAT rate of this component in basis points; when absent the tariff's `vatBasisPoints` applies. */
  readonly vatBasisPoints?: number;
}

/**
 * When an element applies. Every bound is evaluated at the start of a priced period, in the tariff's local time;
 * lower bounds are inclusive, upper bounds exclusive, so adjacent elements never overlap nor leave a gap.
 */
export interface TariffRestrictions {
  /** "HH:MM" local time of day. With both set and startTime > endTime the window wraps past midnight. */
  readonly startTime?: string;
  readonly endTime?: string;
  /** "YYYY-MM-DD" local date; endDate is exclusive. */
  readonly startDate?: string;
  readonly endDate?: string;
  /** Local day of the week of the instant being priced (a wrapped night window is not tied to the day it began). */
  readonly dayOfWeek?: readonly DayOfWeek[];
  /** Energy delivered since the session started, in Wh. */
  readonly minEnergyWh?: number;
  readonly maxEnergyWh?: number;
  /** Average power between the two meter samples around the instant, in W; 0 while parking. */
  readonly minPowerW?: number;
  readonly maxPowerW?: number;
  /** Time elapsed since the session started (plug-in), in seconds. */
  readonly minDurationS?: number;
  readonly maxDurationS?: number;
}

export interface TariffElement {
  /** At most one component per dimension. */
  readonly priceComponents: readonly PriceComponent[];
  readonly restrictions?: TariffRestrictions;
}

/**
 * A tariff version. Local time is UTC plus a fixed `utcOffsetMinutes`: the chaincode must not consult a time-zone
 * database (endorsing peers could disagree), so a daylight-saving change is published as a new tariff version.
 */
export interface Tariff {
  /** 1 to 36 printable ASCII characters, as OCPI's CiString(36). */
  readonly id: string;
  /** Positive integer; a changed tariff is a new version, never an edited one. */
  readonly version: number;
  /** ISO 4217 alphabetic code; its minor unit decides the rounding of every amount. */
  readonly currency: string;
  /** Local time minus UTC, from -720 to +840. */
  readonly utcOffsetMinutes: number;
  /** Default VAT rate in basis points (1900 = 19 %). */
  readonly vatBasisPoints: number;
  /** Order matters: per dimension, the first element whose restrictions match prices a period. */
  readonly elements: readonly TariffElement[];
}

export interface MeterSample {
  readonly timestampMs: number;
  /** The meter's energy register, in Wh. */
  readonly registerWh: number;
  /**
   * Pricing rules 2 (OCPI tariffs) only: the charger's reported power and current (sum over phases) at this
   * sample, in force until the next one. Without powerW, power is the average between samples; a tariff that
   * restricts by current needs currentMilliA on every sample of the charging time.
   */
  readonly powerW?: number;
  readonly currentMilliA?: number;
}

export interface PricingInput {
  /** Plug-in and plug-out, epoch milliseconds. */
  readonly startMs: number;
  readonly endMs: number;
  /**
   * Strictly ascending in time, non-decreasing in register; the first at `startMs`, the last at or after
   * `chargingEndMs`, none after `endMs`. No sample after the first one at or after `chargingEndMs` shows more energy.
   */
  readonly samples: readonly MeterSample[];
  /** When energy transfer stopped; from then until `endMs` is parking time. Defaults to `endMs`. */
  readonly chargingEndMs?: number;
  /** Pricing rules 2 only: the EVSE was reserved for the driver from `startMs` until the session's start. */
  readonly reservation?: { readonly startMs: number };
}

export type LineUnit = 'Wh' | 's' | 'session';

export interface LineItem {
  readonly component: TariffDimension;
  /** Index into `tariff.elements` of the element that priced this line. */
  readonly elementIndex: number;
  /** Billed quantity in `unit`, after step-size rounding. */
  readonly quantity: number;
  readonly unit: LineUnit;
  /** Micro-units of the major currency unit per kWh, per hour, or per session. */
  readonly unitPriceMicro: number;
  /** Absent when the tariff names no VAT for the component (OCPI: not the same as 0 %, pricing rules 2 only). */
  readonly vatBasisPoints?: number;
  /** Minor currency units. */
  readonly net: number;
  /** This line's share of the VAT of its rate; shares of one rate add up to that rate's `vat` exactly. */
  readonly vat: number;
  /** The span of the session this line prices. */
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  /** Pricing rules 2: the line prices the reservation before the session (OCPI's RESERVATION_TIME for TIME). */
  readonly reservation?: true;
}

export interface VatSubtotal {
  readonly vatBasisPoints: number;
  readonly net: number;
  readonly vat: number;
}

export interface PriceBreakdown {
  readonly currency: string;
  /** Decimal places of the currency's minor unit (2 for EUR): every amount here is in those units. */
  readonly minorUnitDigits: number;
  readonly tariffId: string;
  readonly tariffVersion: number;
  /** 2 for an OCPI tariff (docs/decisions/0031); absent for tariffs of the first rules. */
  readonly pricingRules?: 2;
  /** Ordered by `periodStartMs`, then FLAT, ENERGY, TIME, PARKING_TIME. */
  readonly lineItems: readonly LineItem[];
  /** One entry per VAT rate used, ascending by rate. */
  readonly vatSubtotals: readonly VatSubtotal[];
  /**
   * What an OCPI tariff's min_price or max_price changed, in minor units (negative when max_price lowered the
   * price); totalNet and totalVat include it, the lines and VAT subtotals do not.
   */
  readonly priceLimit?: { readonly net: number; readonly vat: number };
  readonly totalNet: number;
  readonly totalVat: number;
  readonly total: number;
  /** Energy delivered in the session, in Wh (not step-rounded). */
  readonly energyWh: number;
}

/** The ECMAScript Date range: timestamps up to this keep every sum of a timestamp and an offset a safe integer. */
export const MAX_TIMESTAMP_MS = 8_640_000_000_000_000;
/** Longest session priced; it bounds the number of periods a session is cut into. */
export const MAX_SESSION_MS = 31 * 86_400_000;
/** Duration restrictions above this cannot occur in a session; the bound keeps `seconds * 1000` a safe integer. */
export const MAX_DURATION_S = 8_640_000_000_000;
