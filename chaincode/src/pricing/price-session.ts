import { billDimension, componentOf, type MeteredDimension } from './billing';
import { buildEnergyCurve } from './energy-curve';
import { lineNet, minorUnitDigits, shareVat, toSafeNumber } from './money';
import { cutPeriods, elementFor, stateAt } from './periods';
import { compileRestrictions } from './restrictions';
import { checkSession } from './session-input';
import {
  type LineItem,
  type LineUnit,
  type PriceBreakdown,
  type PricingInput,
  type Tariff,
  type TariffDimension,
  tariffDimensions,
  type VatSubtotal,
} from './types';
import { priceOcpiSession } from './ocpi/price-ocpi';
import { isOcpiPriced } from './ocpi/publish';
import type { OcpiPricedTariff } from './ocpi/types';
import { validateTariff } from './validate-tariff';

/** A tariff as the ledger prices it: of the first pricing rules, or an OCPI tariff of pricing rules 2 (ADR 0031). */
export type PricedTariff = Tariff | OcpiPricedTariff;

interface DraftLine {
  readonly component: TariffDimension;
  readonly elementIndex: number;
  readonly quantity: bigint;
  readonly unitPriceMicro: number;
  readonly vatBasisPoints: number;
  readonly net: bigint;
  readonly periodStartMs: number;
  readonly periodEndMs: number;
}

const units: Readonly<Record<TariffDimension, LineUnit>> = {
  FLAT: 'session',
  ENERGY: 'Wh',
  TIME: 's',
  PARKING_TIME: 's',
};
const metered: readonly MeteredDimension[] = ['ENERGY', 'TIME', 'PARKING_TIME'];

/**
 * Prices a charging session under a tariff. Pure and deterministic: the same arguments give the same result,
 * field for field, on every endorsing peer. Both arguments are validated first (TariffError, PricingError).
 *
 * The session is cut into periods at every instant a restriction could change its outcome and at every meter
 * sample; each period is priced, per dimension, by the first element whose restrictions match its start.
 * FLAT is charged once, by the first FLAT element matching the session's start, even for a session without energy.
 */
export function priceSession(tariff: PricedTariff, input: PricingInput): PriceBreakdown {
  // The rules a tariff was published under price it for good: a tariff of the first rules keeps the first
  // rules' arithmetic, so no session frozen under one is ever repriced (docs/decisions/0031).
  if (isOcpiPriced(tariff)) return priceOcpiSession(tariff, input);
  return priceUnderFirstRules(tariff, input);
}

/** Pricing rules 1: the tariff format of chaincode/src/pricing/README.md, a fixed UTC offset. Frozen: do not change. */
function priceUnderFirstRules(tariff: Tariff, input: PricingInput): PriceBreakdown {
  const checked = validateTariff(tariff);
  const session = checkSession(input);
  const digits = minorUnitDigits(checked.currency);
  const curve = buildEnergyCurve(session);
  const compiled = compileRestrictions(checked);
  const periods = cutPeriods(checked, compiled, session, curve);

  const drafts: DraftLine[] = [];
  const draft = (component: TariffDimension, index: number, quantity: bigint, start: number, end: number): void => {
    const priced = componentOf(checked, index, component);
    if (priced === undefined) return;
    drafts.push({
      component,
      elementIndex: index,
      quantity,
      unitPriceMicro: priced.priceMicro,
      vatBasisPoints: priced.vatBasisPoints ?? checked.vatBasisPoints,
      net: lineNet(component, quantity, priced.priceMicro, digits),
      periodStartMs: start,
      periodEndMs: end,
    });
  };

  const startState = stateAt(session, curve, checked.utcOffsetMinutes, session.startMs);
  const flat = elementFor(checked, compiled, 'FLAT', startState);
  if (flat !== undefined) draft('FLAT', flat, 1n, session.startMs, session.endMs);
  for (const dimension of metered) {
    const runs = billDimension(checked, dimension, periods, (period) =>
      elementFor(checked, compiled, dimension, period.state),
    );
    for (const run of runs) draft(dimension, run.elementIndex, run.quantity, run.startMs, run.endMs);
  }
  const rank = (line: DraftLine): number => tariffDimensions.indexOf(line.component);
  drafts.sort((a, b) => a.periodStartMs - b.periodStartMs || rank(a) - rank(b));
  return assemble(checked, digits, drafts, curve.totalWh);
}

function assemble(tariff: Tariff, digits: number, drafts: readonly DraftLine[], energyWh: bigint): PriceBreakdown {
  const rates = [...new Set(drafts.map((line) => line.vatBasisPoints))].sort((a, b) => a - b);
  const vatOfLine = new Map<DraftLine, bigint>();
  const subtotals: { vatBasisPoints: number; net: bigint; vat: bigint }[] = rates.map((rate) => {
    const lines = drafts.filter((line) => line.vatBasisPoints === rate);
    const { vat, shares } = shareVat(
      lines.map((line) => line.net),
      rate,
    );
    lines.forEach((line, i) => vatOfLine.set(line, shares[i] ?? 0n));
    return { vatBasisPoints: rate, net: lines.reduce((sum, line) => sum + line.net, 0n), vat };
  });

  const lineItems: LineItem[] = drafts.map((line, i) => ({
    component: line.component,
    elementIndex: line.elementIndex,
    quantity: toSafeNumber(line.quantity, `lineItems[${i}].quantity`),
    unit: units[line.component],
    unitPriceMicro: line.unitPriceMicro,
    vatBasisPoints: line.vatBasisPoints,
    net: toSafeNumber(line.net, `lineItems[${i}].net`),
    vat: toSafeNumber(vatOfLine.get(line) ?? 0n, `lineItems[${i}].vat`),
    periodStartMs: line.periodStartMs,
    periodEndMs: line.periodEndMs,
  }));
  const vatSubtotals: VatSubtotal[] = subtotals.map((s, i) => ({
    vatBasisPoints: s.vatBasisPoints,
    net: toSafeNumber(s.net, `vatSubtotals[${i}].net`),
    vat: toSafeNumber(s.vat, `vatSubtotals[${i}].vat`),
  }));
  const totalNet = subtotals.reduce((sum, s) => sum + s.net, 0n);
  const totalVat = subtotals.reduce((sum, s) => sum + s.vat, 0n);
  return {
    currency: tariff.currency,
    minorUnitDigits: digits,
    tariffId: tariff.id,
    tariffVersion: tariff.version,
    lineItems,
    vatSubtotals,
    totalNet: toSafeNumber(totalNet, 'totalNet'),
    totalVat: toSafeNumber(totalVat, 'totalVat'),
    total: toSafeNumber(totalNet + totalVat, 'total'),
    energyWh: toSafeNumber(energyWh, 'energyWh'),
  };
}
