import type { TariffRecord } from '../api';
import { KEY, padSeq } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import { isOcpiPriced, readOcpiTariff, type PricedTariff } from '../pricing';

/** A TariffRecord whose `tariff` is what pricing takes: a first-rules Tariff or an OCPI tariff of rules 2. */
export interface StoredTariff extends TariffRecord {
  readonly tariff: PricedTariff;
}

/** The highest version of a tariff id: the last key of its partial-key range. */
export async function latestTariff(tx: Tx, tariffId: string): Promise<StoredTariff | undefined> {
  const versions = await tx.list<StoredTariff>(KEY.tariff, tariffId);
  return versions.at(-1)?.value;
}

/**
 * The version of a tariff in force at `atMs`: the highest published by then whose own validity (an OCPI tariff's
 * start_date_time and end_date_time) contains `atMs`. Versions published later never apply to a session that
 * started earlier, so delaying an open cannot reprice it.
 */
export async function tariffInForceAt(tx: Tx, tariffId: string, atMs: number): Promise<StoredTariff | undefined> {
  const versions = await tx.list<StoredTariff>(KEY.tariff, tariffId);
  return versions.filter((version) => version.value.publishedAtMs <= atMs && validAt(version.value.tariff, atMs)).at(-1)?.value;
}

function validAt(tariff: PricedTariff, atMs: number): boolean {
  if (!isOcpiPriced(tariff)) return true;
  const { compiled } = readOcpiTariff(tariff.ocpi);
  return (compiled.startMs === undefined || atMs >= compiled.startMs) && (compiled.endMs === undefined || atMs < compiled.endMs);
}

export async function tariffVersion(tx: Tx, tariffId: string, version: number): Promise<StoredTariff | undefined> {
  return tx.get<StoredTariff>(tx.key(KEY.tariff, tariffId, padSeq(version)));
}
