import { type PricedTariff, PricingError, priceMeasurement, priceSession, TariffError, minorUnitDigits } from '@chargeledger/chaincode/pricing';
import type { FrozenTariff } from '@chargeledger/ledger-queue';

/**
 * What a session costs so far, computed by the chaincode's own pricing code under the tariff the ledger froze
 * at its start (ADR 0033). Pure: the same samples give the same figure on every CSMS node.
 */

/** A register reading of the session: the charger's time and its register, whole Wh. */
export interface CostSample {
  readonly timestampMs: number;
  readonly registerWh: number;
}

/** What the ledger told the CSMS when it opened the session: the frozen tariff and the most it can charge. */
export interface SessionPricing {
  readonly tariff: FrozenTariff;
  readonly holdAmount: number;
}

/** An amount in minor units of its currency, and the currency's digits to show it with. */
export interface Cost {
  readonly amount: number;
  readonly currency: string;
  readonly digits: number;
}

/**
 * The running cost after the samples so far (the first is the session's start): priceSession on them, with
 * PARKING_TIME from the first sample after which the register stopped rising, where the tariff prices parking.
 * Once the charger reported the end of charging (`reportedChargingEndMs`, the instant the ledger bills parking
 * from), it is what the settlement would charge were the session to stop at the last reading. Undefined when the samples cannot be priced (e.g. a register that moved with no time
 * elapsing).
 */
export function runningCost(pricing: SessionPricing, samples: readonly CostSample[], reportedChargingEndMs?: number): Cost | undefined {
  const ordered = strictlyAscending(samples);
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const tariff = pricing.tariff.priced as PricedTariff;
  if (pricesParking(tariff) && reportedChargingEndMs !== undefined && reportedChargingEndMs > first.timestampMs && reportedChargingEndMs < last.timestampMs) {
    // Parked by the charger's word: what the settlement would charge were the session to stop now.
    return priced(pricing, () => priceMeasurement(tariff, { startMs: first.timestampMs, endMs: last.timestampMs, energyWh: last.registerWh - first.registerWh, chargingEndMs: reportedChargingEndMs }).total);
  }
  const chargingEndMs = pricesParking(tariff) ? chargingEnd(ordered) : undefined;
  return priced(pricing, () =>
    priceSession(tariff, {
      startMs: first.timestampMs,
      endMs: last.timestampMs,
      samples: ordered.map((sample) => ({ timestampMs: sample.timestampMs, registerWh: sample.registerWh - first.registerWh })),
      ...(chargingEndMs === undefined ? {} : { chargingEndMs }),
    }).total,
  );
}

/**
 * The final cost as the ledger's settlement computes it (chaincode session/close.ts): the first and the last
 * reading, the energy between them spread evenly over the charging time, parking from the end of charging the
 * charger reported (`chargingEndMs`, when it lies between the readings), capped at the hold.
 */
export function finalCost(pricing: SessionPricing, samples: readonly CostSample[], chargingEndMs?: number): Cost | undefined {
  const ordered = strictlyAscending(samples);
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const tariff = pricing.tariff.priced as PricedTariff;
  const cost = priced(pricing, () => priceMeasurement(tariff, { startMs: first.timestampMs, endMs: last.timestampMs, energyWh: last.registerWh - first.registerWh, ...(chargingEndMs === undefined ? {} : { chargingEndMs }) }).total);
  return cost === undefined ? undefined : { ...cost, amount: Math.min(cost.amount, pricing.holdAmount) };
}

/** An amount as OCPP carries it (a decimal number of major units), written from its integer minor units. */
export function majorUnits(cost: Cost): number {
  return Number(formatAmount(cost));
}

/** `12.34`: the amount in major units, exactly as many digits as the currency has. */
export function formatAmount(cost: Pick<Cost, 'amount' | 'digits'>): string {
  const sign = cost.amount < 0 ? '-' : '';
  const text = String(Math.abs(cost.amount)).padStart(cost.digits + 1, '0');
  return cost.digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -cost.digits)}.${text.slice(-cost.digits)}`;
}

function priced(pricing: SessionPricing, price: () => number): Cost | undefined {
  try {
    return { amount: price(), currency: pricing.tariff.currency, digits: minorUnitDigits(pricing.tariff.currency) };
  } catch (error) {
    if (error instanceof PricingError || error instanceof TariffError) return undefined;
    throw error;
  }
}

/** Samples in time order, one per instant (the later register of two at one instant), registers never falling. */
function strictlyAscending(samples: readonly CostSample[]): CostSample[] {
  const byTime = new Map<number, CostSample>();
  for (const sample of samples) byTime.set(sample.timestampMs, sample);
  const ordered = [...byTime.values()].sort((a, b) => a.timestampMs - b.timestampMs);
  const kept: CostSample[] = [];
  for (const sample of ordered) {
    const previous = kept[kept.length - 1];
    if (previous === undefined || sample.registerWh >= previous.registerWh) kept.push(sample);
  }
  return kept;
}

/** The first sample showing the final register, when later samples show it too: the meter says charging stopped there. */
function chargingEnd(ordered: readonly CostSample[]): number | undefined {
  const last = ordered[ordered.length - 1];
  if (last === undefined) return undefined;
  const first = ordered.find((sample) => sample.registerWh === last.registerWh);
  return first === undefined || first === last || first === ordered[0] ? undefined : first.timestampMs;
}

/** Whether any element of the tariff prices PARKING_TIME: a first-rules tariff or an OCPI one of rules 2. */
function pricesParking(tariff: PricedTariff): boolean {
  const elements: readonly unknown[] = 'ocpi' in tariff ? tariff.ocpi.elements : tariff.elements;
  return elements.some((element) => {
    const components = (element as { priceComponents?: readonly { type: string }[]; price_components?: readonly { type: string }[] });
    return [...(components.priceComponents ?? []), ...(components.price_components ?? [])].some((component) => component.type === 'PARKING_TIME');
  });
}
