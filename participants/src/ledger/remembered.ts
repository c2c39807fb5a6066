import { LedgerRefusal } from '@chargeledger/ledger-client';

/**
 * Reads each id a service remembers from the ledger, leaving out those the ledger does not know: the data
 * folder can outlive a ledger (it once served the embedded ledger, now the Fabric network, or the other way
 * round), and one stale id must not fail a whole list. Every other failure is the caller's.
 */
export async function rememberedOnLedger<T>(ids: readonly string[], read: (id: string) => Promise<T>): Promise<T[]> {
  const found = await Promise.all(
    ids.map((id) =>
      read(id).catch((error: unknown) => {
        if (error instanceof LedgerRefusal && error.code === 'NOT_FOUND') return undefined;
        throw error;
      }),
    ),
  );
  return found.filter((value): value is Awaited<T> => value !== undefined) as T[];
}
