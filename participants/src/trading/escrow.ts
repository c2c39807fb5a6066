import { minorUnitDigits } from '@chargeledger/chaincode/pricing';

/**
 * The escrow of accepting `energyWh` of an offer, in minor units: energy × price, rounded to the nearest minor
 * unit, half a unit up, once per trade, as the chaincode computes it (Trading:acceptOffer). The operator pays
 * the rounded escrow; at settlement the prosumer is paid the delivered share priced and rounded the same way,
 * and the operator is refunded the rest of the escrow, so the sub-cent fraction of a trade rests with the
 * operator's refund. A trade whose price rounds to zero moves no money and is refused before the ledger is asked.
 */
export function escrowAmount(energyWh: number, priceMicroPerKWh: number, currency: string): number {
  const digits = BigInt(minorUnitDigits(currency));
  const numerator = BigInt(energyWh) * BigInt(priceMicroPerKWh) * 10n ** digits;
  const denominator = 1_000n * 1_000_000n;
  return Number((numerator * 2n + denominator) / (denominator * 2n));
}

/** The least energy whose escrow is one minor unit at this price (ceil of half a unit's worth). */
export function leastAcceptableWh(priceMicroPerKWh: number, currency: string): number {
  let wh = 1;
  // Monotone in energy: a binary search over the range a trade can have.
  let high = 1_000_000_000;
  while (wh < high) {
    const middle = Math.floor((wh + high) / 2);
    if (escrowAmount(middle, priceMicroPerKWh, currency) >= 1) high = middle;
    else wh = middle + 1;
  }
  return wh;
}
