import type { ZoneRules } from '../zones/zone';

/**
 * An OCPI 2.2.1 Tariff object (module Tariffs, release 2.2.1 with its errata), field for field as the
 * specification names it. Numbers are JSON numbers as OCPI writes them (0.25 EUR, 10.0 %, 32.00 A); pricing
 * turns them into integers of a stated unit without rounding, and refuses a number finer than that unit.
 */
export interface OcpiTariff {
  readonly country_code: string;
  readonly party_id: string;
  readonly id: string;
  readonly currency: string;
  readonly type?: OcpiTariffType;
  readonly tariff_alt_text?: readonly OcpiDisplayText[];
  readonly tariff_alt_url?: string;
  readonly min_price?: OcpiPrice;
  readonly max_price?: OcpiPrice;
  readonly elements: readonly OcpiTariffElement[];
  readonly start_date_time?: string;
  readonly end_date_time?: string;
  /** Kept as given; it does not affect the price. */
  readonly energy_mix?: Readonly<Record<string, unknown>>;
  readonly last_updated: string;
}

export const ocpiTariffTypes = ['AD_HOC_PAYMENT', 'PROFILE_CHEAP', 'PROFILE_FAST', 'PROFILE_GREEN', 'REGULAR'] as const;
export type OcpiTariffType = (typeof ocpiTariffTypes)[number];

export interface OcpiDisplayText {
  readonly language: string;
  readonly text: string;
}

export interface OcpiPrice {
  readonly excl_vat: number;
  readonly incl_vat?: number;
}

export interface OcpiTariffElement {
  readonly price_components: readonly OcpiPriceComponent[];
  readonly restrictions?: OcpiTariffRestrictions;
}

export interface OcpiPriceComponent {
  readonly type: 'ENERGY' | 'FLAT' | 'PARKING_TIME' | 'TIME';
  /** Per kWh, per hour or per session, excl. VAT, in the tariff's currency. */
  readonly price: number;
  /** Percent; absent means no VAT applies, which is not the same as 0 %. */
  readonly vat?: number;
  /** Wh for ENERGY, seconds for TIME and PARKING_TIME; 0 is read as 1 (the unit itself). */
  readonly step_size: number;
}

export const ocpiReservationTypes = ['RESERVATION', 'RESERVATION_EXPIRES'] as const;
export type OcpiReservationType = (typeof ocpiReservationTypes)[number];

export interface OcpiTariffRestrictions {
  readonly start_time?: string;
  readonly end_time?: string;
  readonly start_date?: string;
  readonly end_date?: string;
  readonly min_kwh?: number;
  readonly max_kwh?: number;
  readonly min_current?: number;
  readonly max_current?: number;
  readonly min_power?: number;
  readonly max_power?: number;
  readonly min_duration?: number;
  readonly max_duration?: number;
  readonly day_of_week?: readonly string[];
  readonly reservation?: OcpiReservationType;
}

/**
 * What the ledger stores and prices under pricing rules 2: the OCPI tariff as published, the IANA time zone of
 * its location, and that zone's rules frozen at publication. `version` is the ledger's, not OCPI's.
 */
export interface OcpiPricedTariff {
  readonly pricingRules: 2;
  readonly version: number;
  readonly timeZone: string;
  readonly zone: ZoneRules;
  readonly ocpi: OcpiTariff;
}
