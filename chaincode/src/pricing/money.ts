import { PricingError } from './errors';
import type { TariffDimension } from './types';

/**
 * Money arithmetic runs on bigint, so no intermediate product can overflow or lose precision; an amount is turned
 * back into a number only through `toSafeNumber`, which refuses anything beyond Number.MAX_SAFE_INTEGER.
 * For scale: 1,000 kWh at 1,000.00 EUR/kWh is 10^8 cents, seven orders of magnitude below that limit.
 *
 * Rounding rules (following EN 16931, the European e-invoicing standard):
 * - a line's net is its quantity times its unit price, rounded half up to the currency's minor unit, once;
 * - VAT is computed per rate on the sum of the rounded line nets of that rate, rounded half up once;
 * - that VAT is then shared out over the rate's lines by largest remainder (ties to the earlier line), so the
 *   line VATs add up to the rate's VAT exactly.
 * All amounts are non-negative, so "half up" is also "half away from zero".
 */

/** round(numerator / denominator), halves up, for numerator >= 0 and denominator > 0. */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (2n * numerator + denominator) / (2n * denominator);
}

// ISO 4217 currencies whose minor unit is not 1/100 of the major unit; every other code has two digits.
const minorDigitsByCurrency: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

export function minorUnitDigits(currency: string): number {
  return minorDigitsByCurrency[currency] ?? 2;
}

/** How many quantity units one priced unit holds: Wh per kWh, seconds per hour, one per session. */
const quantityPerPricedUnit: Readonly<Record<TariffDimension, bigint>> = {
  ENERGY: 1000n,
  TIME: 3600n,
  PARKING_TIME: 3600n,
  FLAT: 1n,
};

/** quantity * priceMicro, converted from micro major units to minor units, rounded half up once. */
export function lineNet(dimension: TariffDimension, quantity: bigint, priceMicro: number, digits: number): bigint {
  const microPerMinor = 10n ** BigInt(6 - digits);
  return roundHalfUp(quantity * BigInt(priceMicro), quantityPerPricedUnit[dimension] * microPerMinor);
}

/** The VAT of one rate over the given line nets, and each line's share of it (same order). */
export function shareVat(nets: readonly bigint[], basisPoints: number): { vat: bigint; shares: bigint[] } {
  const rate = BigInt(basisPoints);
  const vat = roundHalfUp(nets.reduce((sum, net) => sum + net, 0n) * rate, 10_000n);
  const shares = nets.map((net) => (net * rate) / 10_000n);
  // 0 <= leftover <= nets.length: the floors lose less than 1 each, and rounding the total adds at most 1/2.
  let leftover = vat - shares.reduce((sum, share) => sum + share, 0n);
  const byRemainder = nets
    .map((net, index) => ({ index, remainder: (net * rate) % 10_000n }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (leftover === 0n) break;
    shares[index] = (shares[index] ?? 0n) + 1n;
    leftover -= 1n;
  }
  return { vat, shares };
}

export function toSafeNumber(value: bigint, path: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PricingError('AMOUNT_OUT_OF_RANGE', path, 'exceeds the largest safe integer');
  }
  return Number(value);
}
