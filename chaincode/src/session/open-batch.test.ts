import { TRANSIENT_KEYS, type OpenSessionRequest } from '../api';
import { aNetwork, type Cast } from '../testing/fixtures';
import { aChargingSite, aFundedDriver, openRequest, type Driver } from '../testing/site';

/** One station with `n` EVSEs (E1..En), so `n` sessions can be open at once. */
async function aSiteWithEvses(n: number): Promise<Cast> {
  const cast = aNetwork();
  await aChargingSite(cast);
  await cast.network.submit(cast.operator, 'Registry:updateStation', {
    eventId: cast.eventId(),
    stationId: 'st-1',
    evses: Array.from({ length: n }, (_, i) => ({ evseId: `E${i + 1}`, connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2_COMBO' as const, maxPowerW: 150_000 }] })),
  });
  return cast;
}

function aBatch(opens: readonly { request: OpenSessionRequest; driver: Driver }[]): { request: { opens: OpenSessionRequest[] }; transient: Record<string, string> } {
  const proofs = Object.fromEntries(opens.map(({ request, driver }) => [request.eventId, driver.proof[TRANSIENT_KEYS.tokenProof]]));
  return { request: { opens: opens.map((o) => o.request) }, transient: { [TRANSIENT_KEYS.tokenProofsByEvent]: JSON.stringify(proofs) } };
}

const held = async (cast: Cast, accountId: string): Promise<number> => (await cast.network.evaluate(cast.operator, 'Wallet:getAccount', { accountId })).held;

describe('Several opens in one transaction (Session:openSessions)', () => {
  it('opens each session as openSession would and lists them all in the one event', async () => {
    const cast = await aSiteWithEvses(3);
    const drivers: Driver[] = [];
    for (const i of [0, 1, 2]) drivers.push(await aFundedDriver(cast, `drv-${i}`, 10_000, 2000));
    const { request, transient } = aBatch(drivers.map((driver, i) => ({ driver, request: { ...openRequest(cast, `s-${i}`, driver), evseId: `E${i + 1}` } })));
    const { results } = await cast.network.submit(cast.operator, 'Session:openSessions', request, { transient });

    expect(results.map((r) => (r.status === 'applied' ? r.result.status : r.status))).toEqual(['opened', 'opened', 'opened']);
    for (const i of [0, 1, 2]) expect(await held(cast, `drv-${i}`)).toBe(2000);
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionsOpened', payload: { opened: [{ sessionId: 's-0', holdAmount: 2000 }, { sessionId: 's-1' }, { sessionId: 's-2' }] } });
  });

  it('refuses one open for good and applies the others, the refused one leaving nothing behind', async () => {
    const cast = await aSiteWithEvses(2);
    const good = await aFundedDriver(cast, 'drv-good', 10_000, 2000);
    const other = await aFundedDriver(cast, 'drv-other', 10_000, 2000);
    // The other driver's session presents a proof that is not its token's.
    const { request, transient } = aBatch([
      { driver: good, request: openRequest(cast, 's-good', good) },
      { driver: good, request: { ...openRequest(cast, 's-bad', other), evseId: 'E2' } },
    ]);
    const { results } = await cast.network.submit(cast.operator, 'Session:openSessions', request, { transient });

    expect(results[0]).toMatchObject({ sessionId: 's-good', status: 'applied', result: { status: 'opened' } });
    expect(results[1]).toMatchObject({ sessionId: 's-bad', status: 'refused', code: 'ID_TOKEN_REJECTED' });
    expect(await held(cast, 'drv-other')).toBe(0);
    await expect(cast.network.evaluate(cast.operator, 'Session:getSession', { sessionId: 's-bad' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Final for that session only: the same open again is refused again, the good one replays.
    const again = await cast.network.submit(cast.operator, 'Session:openSessions', request, { transient });
    expect(again.results.map((r) => r.status)).toEqual(['applied', 'refused']);
    expect(again.results[0]).toMatchObject({ replayed: true });
  });

  it('defers the second open of one driver in a batch and applies it in the next', async () => {
    const cast = await aSiteWithEvses(2);
    const driver = await aFundedDriver(cast, 'drv-1', 10_000, 2000);
    const first = aBatch([
      { driver, request: openRequest(cast, 's-1', driver) },
      { driver, request: { ...openRequest(cast, 's-2', driver), evseId: 'E2' } },
    ]);
    const { results } = await cast.network.submit(cast.operator, 'Session:openSessions', first.request, { transient: first.transient });
    expect(results.map((r) => r.status)).toEqual(['applied', 'deferred']);
    expect(await held(cast, 'drv-1')).toBe(2000);

    const second = aBatch([{ driver, request: first.request.opens[1] as OpenSessionRequest }]);
    const retried = await cast.network.submit(cast.operator, 'Session:openSessions', second.request, { transient: second.transient });
    expect(retried.results[0]).toMatchObject({ status: 'applied', replayed: false, result: { status: 'opened' } });
    expect(await held(cast, 'drv-1')).toBe(4000);
  });

  it('replays an open applied alone, and openSession replays one applied in a batch', async () => {
    const cast = await aSiteWithEvses(2);
    const driver = await aFundedDriver(cast, 'drv-1', 10_000, 2000);
    const alone = openRequest(cast, 's-1', driver);
    await cast.network.submit(cast.operator, 'Session:openSession', alone, { transient: driver.proof });
    const batched = { ...openRequest(cast, 's-2', driver), evseId: 'E2' };
    const { request, transient } = aBatch([{ driver, request: alone }, { driver, request: batched }]);
    const { results } = await cast.network.submit(cast.operator, 'Session:openSessions', request, { transient });
    expect(results.map((r) => (r.status === 'applied' ? r.replayed : r.status))).toEqual([true, false]);

    const replayed = await cast.network.submit(cast.operator, 'Session:openSession', batched, { transient: driver.proof });
    expect(replayed).toMatchObject({ sessionId: 's-2', status: 'opened', holdAmount: 2000 });
    expect(await held(cast, 'drv-1')).toBe(4000);
  });
});
