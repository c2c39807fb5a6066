import { minorUnitDigits } from '../pricing';
import { refuse } from './errors';

/** Sum of integer amounts; refuses rather than lose precision. */
export function sum(amounts: readonly number[]): number {
  let total = 0;
  for (const amount of amounts) {
    total += amount;
    if (!Number.isSafeInteger(total)) refuse('BAD_REQUEST', 'amount out of range');
  }
  return total;
}

/**
 * Minor units for `energyWh` at `priceMicroPerKWh` (micro-units of the major currency per kWh), rounded half
 * up once. Monotone in energyWh, so paying for less energy never costs more than the escrow of more.
 */
export function energyAmount(energyWh: number, priceMicroPerKWh: number, currency: string): number {
  const digits = BigInt(minorUnitDigits(currency));
  const numerator = BigInt(energyWh) * BigInt(priceMicroPerKWh) * 10n ** digits;
  const denominator = 1_000n * 1_000_000n;
  const amount = (numerator * 2n + denominator) / (denominator * 2n);
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) refuse('BAD_REQUEST', 'amount out of range');
  return Number(amount);
}
