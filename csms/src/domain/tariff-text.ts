import type { OcpiTariff, PricedTariff, Tariff } from '@chargeledger/chaincode/pricing';
import type { FrozenTariff } from '@chargeledger/ledger-queue';

/** A line the driver reads at the charger, and the language it is written in. */
export interface DriverText {
  readonly language: string;
  readonly content: string;
}

const UNIT_WORDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  en: { ENERGY: '/kWh', TIME: '/h charging', PARKING_TIME: '/h parking', FLAT: ' per session', excl: 'excl. VAT' },
  de: { ENERGY: '/kWh', TIME: '/h Laden', PARKING_TIME: '/h Parken', FLAT: ' je Vorgang', excl: 'zzgl. MwSt.' },
};

/**
 * The tariff as a driver reads it at Authorize, in their language where it can be: an OCPI tariff's own
 * `tariff_alt_text` in that language (or its first), otherwise the first price of each dimension, written out. The
 * text informs; the ledger prices the session from the frozen tariff itself, never from this text.
 */
export function tariffText(tariff: FrozenTariff, language: string | undefined): DriverText {
  const priced = tariff.priced as PricedTariff;
  const wanted = (language ?? 'en').slice(0, 2).toLowerCase();
  if ('ocpi' in priced) {
    const alt = priced.ocpi.tariff_alt_text ?? [];
    const chosen = alt.find((text) => text.language.toLowerCase() === wanted) ?? alt[0];
    if (chosen !== undefined) return { language: chosen.language, content: chosen.text };
    return written(ocpiPrices(priced.ocpi), tariff.currency, wanted);
  }
  return written(firstRulesPrices(priced), tariff.currency, wanted);
}

interface ListedPrice {
  readonly type: string;
  /** Micro-units of the major currency unit, excl. VAT. */
  readonly micro: number;
}

function written(prices: readonly ListedPrice[], currency: string, wanted: string): DriverText {
  const language = UNIT_WORDS[wanted] === undefined ? 'en' : wanted;
  const words = UNIT_WORDS[language] ?? {};
  const parts = prices.map((price) => `${microText(price.micro)} ${currency}${words[price.type] ?? ''}`);
  return { language, content: `${parts.join(', ')} (${words['excl'] ?? ''})` };
}

/** 390000 micro-units as `0.39`; more digits only where the price has them. */
function microText(micro: number): string {
  const whole = Math.trunc(micro / 1_000_000);
  const fraction = String(Math.abs(micro % 1_000_000)).padStart(6, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${fraction}`;
}

/** The first price of each dimension, in the order the elements list them (the elements' restrictions are left out). */
function firstOfEach(prices: readonly ListedPrice[]): ListedPrice[] {
  const seen = new Set<string>();
  return prices.filter((price) => !seen.has(price.type) && seen.add(price.type) !== undefined);
}

function firstRulesPrices(tariff: Tariff): ListedPrice[] {
  return firstOfEach(tariff.elements.flatMap((element) => element.priceComponents.map((component) => ({ type: component.type, micro: component.priceMicro }))));
}

function ocpiPrices(tariff: OcpiTariff): ListedPrice[] {
  // OCPI prices are decimal numbers of major units; written to micro-units by their text, never by float arithmetic.
  return firstOfEach(tariff.elements.flatMap((element) => element.price_components.map((component) => ({ type: component.type, micro: decimalToMicro(component.price) }))));
}

function decimalToMicro(price: number): number {
  const [whole = '0', fraction = ''] = String(price).split('.');
  return Number(whole) * 1_000_000 + Math.sign(price || 1) * Number(fraction.padEnd(6, '0').slice(0, 6));
}
