import { buildEnergyCurve } from '../energy-curve';
import { PricingError } from '../errors';
import { at, FieldReader } from '../fields';
import { lineNet, minorUnitDigits, roundHalfUp, toSafeNumber } from '../money';
import { checkSession, type CheckedSession } from '../session-input';
import { MAX_SESSION_MS, MAX_TIMESTAMP_MS, type LineItem, type LineUnit, type PriceBreakdown, type VatSubtotal } from '../types';
import { checkCovered, compileZone, type CompiledZone, readZoneRules } from '../zones/zone';
import { billRuns, type BilledRun, type Candidates, elementFor, type MeteredDimension, runsOf } from './billing';
import { cutPeriods, type Period, type SampleExtras, type Span, stateAt } from './periods';
import type { OcpiPricedTariff } from './types';
import { type CompiledElement, type CompiledOcpiTariff, readOcpiTariff } from './validate';

const fields: FieldReader = new FieldReader((code, path, detail) => {
  throw new PricingError(code, path, detail);
});

interface Draft extends BilledRun {
  readonly reservation: boolean;
  readonly net: bigint;
}

const units: Readonly<Record<BilledRun['dimension'], LineUnit>> = { FLAT: 'session', ENERGY: 'Wh', TIME: 's', PARKING_TIME: 's' };
const order = ['FLAT', 'ENERGY', 'TIME', 'PARKING_TIME'];

/** A reservation of the EVSE: from `startMs` until `endMs`, the session's start when one follows. */
export interface Reservation {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Prices a charging session under an OCPI 2.2.1 tariff (pricing rules 2, docs/tariffs.md): cut at every instant
 * that can change an element's restrictions, in the location's time zone as frozen with the tariff; each period
 * priced per dimension by the first matching element; step_size once per session per dimension (for time, on
 * parking when parking is priced, else on charging time); VAT rounded once for the session; min_price and
 * max_price last. A reservation before the session is priced by the tariff's reservation elements.
 */
export function priceOcpiSession(tariff: OcpiPricedTariff, input: unknown): PriceBreakdown {
  const ready = prepare(tariff);
  const session = checkSession(input);
  const extras = readExtras(input);
  const reservation = readReservation(input, session.startMs);
  checkCovered(ready.zone.zone, reservation?.startMs ?? session.startMs);
  checkInForce(ready.compiled, reservation?.startMs ?? session.startMs);

  const sessionElements = indexesWhere(ready.compiled.elements, (e) => e.restrictions.reservation === undefined);
  const drafts = [
    ...(reservation === undefined ? [] : priceReservationSpan(ready, reservation, [indexesWhere(ready.compiled.elements, (e) => e.restrictions.reservation === 'RESERVATION')])),
    ...priceSpan(ready, { session, curve: buildEnergyCurve(session), extras }, [sessionElements], false),
  ];
  return assemble(tariff, ready, drafts, BigInt(session.samples.at(-1)?.registerWh ?? 0) - BigInt(session.samples[0]?.registerWh ?? 0));
}

/**
 * Prices a reservation that expired without a charging session: per dimension the RESERVATION_EXPIRES elements
 * first, then the RESERVATION ones (OCPI: an expiry's time is priced by RESERVATION_EXPIRES when both price it).
 */
export function priceExpiredReservation(tariff: OcpiPricedTariff, input: Reservation): PriceBreakdown {
  const ready = prepare(tariff);
  const record = fields.object(input, '');
  const startMs = fields.integer(record, 'startMs', '', 0, MAX_TIMESTAMP_MS);
  const endMs = fields.integer(record, 'endMs', '', startMs, Math.min(MAX_TIMESTAMP_MS, startMs + MAX_SESSION_MS));
  checkCovered(ready.zone.zone, startMs);
  checkInForce(ready.compiled, startMs);
  const elements = ready.compiled.elements;
  const groups = [indexesWhere(elements, (e) => e.restrictions.reservation === 'RESERVATION_EXPIRES'), indexesWhere(elements, (e) => e.restrictions.reservation === 'RESERVATION')];
  return assemble(tariff, ready, priceReservationSpan(ready, { startMs, endMs }, groups), 0n);
}

interface Ready {
  readonly compiled: CompiledOcpiTariff;
  readonly zone: CompiledZone;
  readonly digits: number;
}

function prepare(tariff: OcpiPricedTariff): Ready {
  const record = fields.object(tariff, '', ['pricingRules', 'version', 'timeZone', 'zone', 'ocpi']);
  if (record['pricingRules'] !== 2) fields.fail('ENUM', 'pricingRules', 'must be 2');
  fields.integer(record, 'version', '', 1, Number.MAX_SAFE_INTEGER);
  const { compiled } = readOcpiTariff(record['ocpi']);
  const zone = compileZone(readZoneRules(record['zone'], 'zone'));
  return { compiled, zone, digits: minorUnitDigits(compiled.currency) };
}

function checkInForce(compiled: CompiledOcpiTariff, startMs: number): void {
  if (compiled.startMs !== undefined && startMs < compiled.startMs) throw new PricingError('NOT_IN_FORCE', 'startMs', 'is before the tariff\'s start_date_time');
  if (compiled.endMs !== undefined && startMs >= compiled.endMs) throw new PricingError('NOT_IN_FORCE', 'startMs', 'is at or after the tariff\'s end_date_time');
}

function indexesWhere(elements: readonly CompiledElement[], keep: (element: CompiledElement) => boolean): number[] {
  return elements.flatMap((element, i) => (keep(element) ? [i] : []));
}

/** A reservation is a span with no energy, all of it TIME for the reservation elements. */
function priceReservationSpan(ready: Ready, reservation: Reservation, groups: Candidates): Draft[] {
  const session: CheckedSession = {
    startMs: reservation.startMs,
    endMs: reservation.endMs,
    chargingEndMs: reservation.endMs,
    samples: [{ timestampMs: reservation.startMs, registerWh: 0 }],
  };
  return priceSpan(ready, { session, curve: buildEnergyCurve(session), extras: [{}] }, groups, true);
}

function priceSpan(ready: Ready, span: Span, candidates: Candidates, reservation: boolean): Draft[] {
  const elements = ready.compiled.elements;
  const periods = cutPeriods(span, ready.zone, candidates.flat().map((i) => elements[i] ?? { components: [], restrictions: {} }));
  const runs: BilledRun[] = [];

  // FLAT: once, by the element that prices FLAT at the first instant of the span at which any does (docs/tariffs.md).
  const states = periods.length > 0 ? periods.map((p) => p.state) : [stateAt(span, ready.zone, span.session.startMs)];
  for (const [i, state] of states.entries()) {
    const index = elementFor(elements, candidates, 'FLAT', state);
    const component = index === undefined ? undefined : elements[index]?.components.find((c) => c.type === 'FLAT');
    if (index === undefined || component === undefined) continue;
    const startMs = periods[i]?.startMs ?? span.session.startMs;
    runs.push({ dimension: 'FLAT', elementIndex: index, component, quantity: 1n, startMs, endMs: span.session.endMs });
    break;
  }

  const energy = runsOf(elements, candidates, 'ENERGY', periods);
  runs.push(...billRuns(elements, 'ENERGY', energy));
  // Time: step_size once for TIME and PARKING_TIME together. When parking is priced, only the parking total is
  // rounded and charging time is billed exact; otherwise the charging-time total is rounded.
  const parking = runsOf(elements, candidates, 'PARKING_TIME', periods);
  const time = runsOf(elements, candidates, 'TIME', periods, reservation ? reservationTime : undefined);
  runs.push(...billRuns(elements, 'TIME', time, parking.length > 0 ? 1 : undefined));
  runs.push(...billRuns(elements, 'PARKING_TIME', parking));

  return runs.map((run) => ({ ...run, reservation, net: lineNet(run.dimension, run.quantity, run.component.priceMicro, ready.digits) }));
}

/** In a reservation every millisecond is reservation time, priced by TIME components. */
function reservationTime(dimension: MeteredDimension, period: Period): bigint {
  return dimension === 'TIME' ? BigInt(period.endMs - period.startMs) : 0n;
}

function assemble(tariff: OcpiPricedTariff, ready: Ready, unsorted: readonly Draft[], energyWh: bigint): PriceBreakdown {
  const drafts = [...unsorted].sort((a, b) => a.startMs - b.startMs || order.indexOf(a.dimension) - order.indexOf(b.dimension));
  // VAT: the exact VAT of every line, rounded half up once for the session; each rate's subtotal and each line's
  // share follow by largest remainder, so shares add up to the rate's VAT and rates to the total exactly.
  const taxed = drafts.filter((d) => d.component.vatBasisPoints !== undefined);
  const rates = [...new Set(taxed.map((d) => d.component.vatBasisPoints ?? 0))].sort((a, b) => a - b);
  const exact = (d: Draft): bigint => d.net * BigInt(d.component.vatBasisPoints ?? 0);
  const totalVatLines = roundHalfUp(taxed.reduce((sum, d) => sum + exact(d), 0n), 10_000n);
  const rateVat = apportion(totalVatLines, rates.map((rate) => taxed.filter((d) => d.component.vatBasisPoints === rate).reduce((sum, d) => sum + exact(d), 0n)));
  const lineVat = new Map<Draft, bigint>();
  rates.forEach((rate, r) => {
    const lines = taxed.filter((d) => d.component.vatBasisPoints === rate);
    apportion(rateVat[r] ?? 0n, lines.map(exact)).forEach((share, i) => lineVat.set(lines[i] as Draft, share));
  });

  const lineItems: LineItem[] = drafts.map((d, i) => ({
    component: d.dimension,
    elementIndex: d.elementIndex,
    quantity: toSafeNumber(d.quantity, `lineItems[${i}].quantity`),
    unit: units[d.dimension],
    unitPriceMicro: d.component.priceMicro,
    ...(d.component.vatBasisPoints === undefined ? {} : { vatBasisPoints: d.component.vatBasisPoints }),
    net: toSafeNumber(d.net, `lineItems[${i}].net`),
    vat: toSafeNumber(lineVat.get(d) ?? 0n, `lineItems[${i}].vat`),
    periodStartMs: d.startMs,
    periodEndMs: d.endMs,
    ...(d.reservation ? { reservation: true as const } : {}),
  }));
  const vatSubtotals: VatSubtotal[] = rates.map((rate, r) => ({
    vatBasisPoints: rate,
    net: toSafeNumber(taxed.filter((d) => d.component.vatBasisPoints === rate).reduce((sum, d) => sum + d.net, 0n), `vatSubtotals[${r}].net`),
    vat: toSafeNumber(rateVat[r] ?? 0n, `vatSubtotals[${r}].vat`),
  }));
  const linesNet = drafts.reduce((sum, d) => sum + d.net, 0n);
  const limited = applyPriceLimits(ready.compiled, linesNet, totalVatLines);
  return {
    currency: ready.compiled.currency,
    minorUnitDigits: ready.digits,
    tariffId: tariff.ocpi.id,
    tariffVersion: tariff.version,
    pricingRules: 2,
    lineItems,
    vatSubtotals,
    ...(limited.net === linesNet && limited.vat === totalVatLines
      ? {}
      : { priceLimit: { net: Number(limited.net - linesNet), vat: Number(limited.vat - totalVatLines) } }),
    totalNet: toSafeNumber(limited.net, 'totalNet'),
    totalVat: toSafeNumber(limited.vat, 'totalVat'),
    total: toSafeNumber(limited.net + limited.vat, 'total'),
    energyWh: toSafeNumber(energyWh, 'energyWh'),
  };
}

/**
 * min_price and max_price (OCPI: both bounds hold excl. VAT, and incl. VAT where given): the net is clamped to the
 * excl_vat bounds; the lines' VAT is added to it and that total clamped to the incl_vat bounds. A bound without
 * incl_vat leaves the VAT of the lines as it is. Validation keeps min <= max, so the result lies within both.
 */
function applyPriceLimits(compiled: CompiledOcpiTariff, net: bigint, vat: bigint): { net: bigint; vat: bigint } {
  const clamp = (value: bigint, min: number | undefined, max: number | undefined): bigint => {
    let result = value;
    if (max !== undefined && result > BigInt(max)) result = BigInt(max);
    if (min !== undefined && result < BigInt(min)) result = BigInt(min);
    return result;
  };
  const limitedNet = clamp(net, compiled.minPrice?.exclVat, compiled.maxPrice?.exclVat);
  const incl = clamp(limitedNet + vat, compiled.minPrice?.inclVat, compiled.maxPrice?.inclVat);
  return { net: limitedNet, vat: incl - limitedNet };
}

/**
 * Splits `total` (in minor units) over parts whose exact values are `numerators / 10_000`: each part gets its
 * floor, and what is left goes one unit at a time to the largest remainders, ties to the earlier part. Callers
 * pass a total within the number of parts of the floors' sum, so every part stays within one unit of its exact value.
 */
function apportion(total: bigint, numerators: readonly bigint[]): bigint[] {
  const shares = numerators.map((n) => n / 10_000n);
  let left = total - shares.reduce((sum, s) => sum + s, 0n);
  const byRemainder = numerators.map((n, index) => ({ index, remainder: n % 10_000n })).sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (left <= 0n) break;
    shares[index] = (shares[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares;
}

function readExtras(input: unknown): SampleExtras[] {
  const record = fields.object(input, '');
  const samples = fields.array(record['samples'], 'samples', true);
  return samples.map((value, i) => {
    const path = at('samples', i);
    const sample = fields.object(value, path);
    const powerW = fields.optionalInteger(sample, 'powerW', path, 0, Number.MAX_SAFE_INTEGER);
    const currentMilliA = fields.optionalInteger(sample, 'currentMilliA', path, 0, Number.MAX_SAFE_INTEGER);
    return {
      ...(powerW === undefined ? {} : { powerW: BigInt(powerW) }),
      ...(currentMilliA === undefined ? {} : { currentMilliA: BigInt(currentMilliA) }),
    };
  });
}

function readReservation(input: unknown, sessionStartMs: number): Reservation | undefined {
  const value = fields.object(input, '')['reservation'];
  if (value === undefined) return undefined;
  const record = fields.object(value, 'reservation', ['startMs']);
  const startMs = fields.integer(record, 'startMs', 'reservation', Math.max(0, sessionStartMs - MAX_SESSION_MS), sessionStartMs);
  return { startMs, endMs: sessionStartMs };
}

