import { awaitSettlements } from './settlements';

/** An admin API whose sessions settle at the given (fake) times; 404 for sessions it never heard of. */
function anAdminApi(settleAtMs: Readonly<Record<string, number>>, clock: { nowMs: number }): { fetch: typeof fetch; asked: string[] } {
  const asked: string[] = [];
  const fake = async (input: string | URL | Request): Promise<Response> => {
    const sessionId = decodeURIComponent(String(input).split('/api/sessions/')[1] ?? '');
    asked.push(sessionId);
    const at = settleAtMs[sessionId];
    if (at === undefined) return new Response(JSON.stringify({ error: 'NotFound' }), { status: 404 });
    return new Response(JSON.stringify({ sessionId, ...(clock.nowMs >= at ? { settlement: { charged: 150 } } : {}) }), { status: 200 });
  };
  return { fetch: fake as typeof fetch, asked };
}

describe('awaitSettlements', () => {
  it('asks again only about sessions not settled yet, until all are, and adds up what was charged', async () => {
    const clock = { nowMs: 0 };
    const api = anAdminApi({ 'CP-1': 0, 'CP-2': 2_000, 'CP-3': 5_000 }, clock);
    const lines: string[] = [];
    const report = await awaitSettlements({ url: 'http://csms', key: 'k', fetch: api.fetch }, ['CP-1', 'CP-2', 'CP-3'], {
      timeoutMs: 60_000,
      pollMs: 1_000,
      progressMs: 10_000,
      now: () => clock.nowMs,
      sleep: async (ms) => void (clock.nowMs += ms),
      log: (line) => lines.push(line),
    });
    expect(report).toEqual({ settled: 3, unsettled: [], charged: 450 });
    expect(api.asked.filter((id) => id === 'CP-1')).toHaveLength(1);
    expect(api.asked.filter((id) => id === 'CP-3')).toHaveLength(6);
    expect(lines[0]).toMatch(/^1\/3 sessions settled, waiting up to 60 s more$/);
    expect(lines.at(-1)).toBe('3/3 sessions settled');
  });

  it('gives up at the deadline and names the sessions still unsettled', async () => {
    const clock = { nowMs: 0 };
    const api = anAdminApi({ 'CP-1': 0, 'CP-2': Number.MAX_SAFE_INTEGER }, clock);
    const report = await awaitSettlements({ url: 'http://csms', key: 'k', fetch: api.fetch }, ['CP-1', 'CP-2', 'CP-9'], {
      timeoutMs: 5_000,
      pollMs: 1_000,
      progressMs: 10_000,
      now: () => clock.nowMs,
      sleep: async (ms) => void (clock.nowMs += ms),
      log: () => undefined,
    });
    expect(report).toEqual({ settled: 1, unsettled: ['CP-2', 'CP-9'], charged: 150 });
    expect(clock.nowMs).toBe(5_000);
  });
});
