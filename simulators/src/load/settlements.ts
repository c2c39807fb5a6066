/**
 * Waits until the CSMS shows each session settled: its admin API's GET /api/sessions/:id carries `settlement`
 * once the ledger bridge has seen the session's settlement committed on the ledger.
 */
import type { AdminApi } from './provision';
import { ProvisioningError } from './provision';

export interface SettlementWait {
  /** The longest to wait, in all. */
  readonly timeoutMs: number;
  /** How often to ask again about the sessions not settled yet. */
  readonly pollMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Hears how many are settled whenever that changes, and every `progressMs` otherwise. */
  readonly log: (line: string) => void;
  readonly progressMs: number;
}

export interface SettlementReport {
  readonly settled: number;
  /** Sessions the CSMS shows no settlement for when the wait ended. */
  readonly unsettled: readonly string[];
  /** Minor units charged across the settled sessions. */
  readonly charged: number;
}

const CONCURRENCY = 10;

export async function awaitSettlements(api: Readonly<AdminApi>, sessionIds: readonly string[], wait: Readonly<SettlementWait>): Promise<SettlementReport> {
  const deadline = wait.now() + wait.timeoutMs;
  let pending = [...sessionIds];
  let charged = 0;
  let reported = -1;
  let reportedAt = wait.now();
  const settlementOf = async (sessionId: string): Promise<{ charged: number } | undefined> => {
    const route = `/api/sessions/${encodeURIComponent(sessionId)}`;
    const response = await api.fetch(new URL(route, api.url), { headers: { authorization: `Bearer ${api.key}` } });
    const text = await response.text();
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new ProvisioningError(`GET ${route}`, response.status, text);
    return (JSON.parse(text) as { settlement?: { charged: number } }).settlement;
  };
  for (;;) {
    const still: string[] = [];
    for (let start = 0; start < pending.length; start += CONCURRENCY) {
      const batch = pending.slice(start, start + CONCURRENCY);
      const settlements = await Promise.all(batch.map(settlementOf));
      settlements.forEach((settlement, i) => {
        if (settlement === undefined) still.push(batch[i] as string);
        else charged += settlement.charged;
      });
    }
    pending = still;
    const settled = sessionIds.length - pending.length;
    const now = wait.now();
    if (settled !== reported || now - reportedAt >= wait.progressMs) {
      wait.log(`${settled}/${sessionIds.length} sessions settled${pending.length === 0 ? '' : `, waiting up to ${Math.max(0, Math.ceil((deadline - now) / 1000))} s more`}`);
      reported = settled;
      reportedAt = now;
    }
    if (pending.length === 0 || now >= deadline) return { settled, unsettled: pending, charged };
    await wait.sleep(Math.min(wait.pollMs, deadline - now));
  }
}
