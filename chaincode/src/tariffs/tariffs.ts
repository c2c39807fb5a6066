import type { TariffRecord } from '../api';
import { KEY, padSeq } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import type { Tariff } from '../pricing';

/** A TariffRecord whose `tariff` is a validated Tariff. */
export interface StoredTariff extends TariffRecord {
  readonly tariff: Tariff;
}

/** The highest version of a tariff id: the last key of its partial-key range. */
export async function latestTariff(tx: Tx, tariffId: string): Promise<StoredTariff | undefined> {
  const versions = await tx.list<StoredTariff>(KEY.tariff, tariffId);
  return versions.at(-1)?.value;
}

/**
 * The version of a tariff in force at `atMs`: the highest published by then. Versions published later
 * never apply to a session that started earlier, so delaying an open cannot reprice it.
 */
export async function tariffInForceAt(tx: Tx, tariffId: string, atMs: number): Promise<StoredTariff | undefined> {
  const versions = await tx.list<StoredTariff>(KEY.tariff, tariffId);
  return versions.filter((version) => version.value.publishedAtMs <= atMs).at(-1)?.value;
}

export async function tariffVersion(tx: Tx, tariffId: string, version: number): Promise<StoredTariff | undefined> {
  return tx.get<StoredTariff>(tx.key(KEY.tariff, tariffId, padSeq(version)));
}
