import { TRANSIENT_KEYS, type CloseSessionRequest } from '../api';
import { aNetwork, type Cast } from '../testing/fixtures';
import { TestMeter } from '../testing/ocmf-meter';
import { aChargingSite, aFundedDriver, ocmf, openRequest, type Driver } from '../testing/site';

const MINUTE = 60_000;

interface Scene {
  readonly cast: Cast;
  readonly meters: readonly TestMeter[];
  readonly openedMs: number;
}

/** One station with `n` EVSEs, each with its own meter and an open session s-<i>; `driverOf` picks each session's driver. */
async function openSessions(n: number, driverOf: (i: number) => string = (i) => `drv-${i}`): Promise<Scene> {
  const cast = aNetwork();
  const { network, operator, authority } = cast;
  await aChargingSite(cast);
  const ids = Array.from({ length: n }, (_, i) => `E${i + 2}`);
  await network.submit(operator, 'Registry:updateStation', {
    eventId: cast.eventId(),
    stationId: 'st-1',
    evses: ['E1', ...ids].map((evseId) => ({ evseId, connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2_COMBO' as const, maxPowerW: 150_000 }] })),
  });
  const meters: TestMeter[] = [];
  const drivers = new Map<string, Driver>();
  const openedMs = network.nowMs + 1000;
  for (const [i, evseId] of ids.entries()) {
    const meter = new TestMeter(`MTR-${evseId}`);
    await network.submit(authority, 'Registry:registerMeter', { eventId: cast.eventId(), meterSerial: meter.serial, binding: { kind: 'evse', stationId: 'st-1', evseId }, keyId: 'k1', publicKey: meter.publicKey });
    meters.push(meter);
    const accountId = driverOf(i);
    const driver = drivers.get(accountId) ?? (await aFundedDriver(cast, accountId, 10_000, 2000));
    drivers.set(accountId, driver);
    await network.submit(operator, 'Session:openSession', { ...openRequest(cast, `s-${i}`, driver), evseId }, { transient: driver.proof, timestampMs: openedMs });
  }
  network.advance(60 * MINUTE);
  return { cast, meters, openedMs };
}

/** 10 kWh over 30 minutes: 476 under the site's tariff. */
const recordsOf = (scene: Scene, i: number, startMs = scene.openedMs): string[] =>
  (scene.meters[i] as TestMeter).session({ timeMs: startMs, registerWh: 0 }, { timeMs: startMs + 30 * MINUTE, registerWh: 10_000 });

function aBatch(scene: Scene, items: readonly { i: number; records: readonly string[] }[]): { request: { settlements: CloseSessionRequest[] }; transient: Record<string, string> } {
  const settlements = items.map(({ i }) => ({ eventId: scene.cast.eventId(), sessionId: `s-${i}`, evidence: { kind: 'ocmf' as const } }));
  const byEvent = Object.fromEntries(settlements.map((s, k) => [s.eventId, (items[k] as { records: readonly string[] }).records]));
  return { request: { settlements }, transient: { [TRANSIENT_KEYS.ocmfRecordsByEvent]: JSON.stringify(byEvent) } };
}

const balance = async (scene: Scene, accountId: string): Promise<number> => (await scene.cast.network.evaluate(scene.cast.operator, 'Wallet:getAccount', { accountId })).balance;

describe('Several settlements in one transaction (Session:closeSessions)', () => {
  it('settles each session as closeSession would and lists them all in the one event', async () => {
    const scene = await openSessions(3);
    const { request, transient } = aBatch(scene, [0, 1, 2].map((i) => ({ i, records: recordsOf(scene, i) })));
    const { results } = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', request, { transient });

    expect(results.map((r) => r.status)).toEqual(['settled', 'settled', 'settled']);
    expect(results.map((r) => (r.status === 'settled' ? r.settled.charged : 0))).toEqual([476, 476, 476]);
    expect(await balance(scene, 'acc-op1')).toBe(3 * 476);
    for (const i of [0, 1, 2]) expect(await balance(scene, `drv-${i}`)).toBe(10_000 - 476);
    const event = scene.cast.network.events.at(-1);
    expect(event).toMatchObject({ name: 'SessionsSettled', payload: { settlements: [{ sessionId: 's-0', charged: 476 }, { sessionId: 's-1' }, { sessionId: 's-2' }] } });
    expect(new Set((event?.payload as { settlements: { eventId: string }[] }).settlements.map((s) => s.eventId))).toEqual(new Set(request.settlements.map((s) => s.eventId)));
  });

  it('drops everything of a refused settlement, its evidence claims included, and applies the others', async () => {
    const scene = await openSessions(2);
    // Readings an hour in the future: verified and claimed, then refused by the window check.
    const early = recordsOf(scene, 1, scene.cast.network.nowMs + 60 * MINUTE);
    const { request, transient } = aBatch(scene, [{ i: 0, records: recordsOf(scene, 0) }, { i: 1, records: early }]);
    const { results } = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', request, { transient });

    expect(results[0]).toMatchObject({ status: 'settled', sessionId: 's-0' });
    expect(results[1]).toMatchObject({ status: 'refused', sessionId: 's-1', code: 'EVIDENCE_REJECTED' });
    expect(await balance(scene, 'drv-1')).toBe(10_000);
    expect(await scene.cast.network.evaluate(scene.cast.operator, 'Session:getSession', { sessionId: 's-1' })).toMatchObject({ status: 'open' });
    // The refused records were not claimed: once they lie in the past, they settle the session.
    scene.cast.network.advance(2 * 60 * MINUTE);
    const receipt = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSession', { eventId: scene.cast.eventId(), sessionId: 's-1', evidence: { kind: 'ocmf' } }, { transient: ocmf(early) });
    expect(receipt).toMatchObject({ charged: 476 });
  });

  it('records a refusal for good as closeSession does, beside the settlements, and lists it in the one event', async () => {
    const scene = await openSessions(2);
    const impostor = new TestMeter('MTR-E3').session({ timeMs: scene.openedMs, registerWh: 0 }, { timeMs: scene.openedMs + 30 * MINUTE, registerWh: 10_000 });
    const { request, transient } = aBatch(scene, [{ i: 0, records: recordsOf(scene, 0) }, { i: 1, records: impostor }]);
    const { results } = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', request, { transient });

    expect(results[0]).toMatchObject({ status: 'settled', sessionId: 's-0' });
    expect(results[1]).toMatchObject({ status: 'refusal-recorded', sessionId: 's-1', refusal: { code: 'EVIDENCE_REJECTED' }, released: 2000, replayed: false });
    expect(await balance(scene, 'drv-1')).toBe(10_000);
    expect(await scene.cast.network.evaluate(scene.cast.wallets, 'Wallet:getAccount', { accountId: 'drv-1' })).toMatchObject({ held: 0 });
    expect(await scene.cast.network.evaluate(scene.cast.operator, 'Session:getSession', { sessionId: 's-1' })).toMatchObject({ status: 'refused', refusal: { code: 'EVIDENCE_REJECTED' } });
    expect(scene.cast.network.events.at(-1)).toMatchObject({ name: 'SessionsSettled', payload: { settlements: [{ sessionId: 's-0' }], refused: [{ sessionId: 's-1', code: 'EVIDENCE_REJECTED', released: 2000, eventId: request.settlements[1]?.eventId }] } });

    // Delivered again, alone: the first answer, and nothing written.
    const again = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSession', request.settlements[1] as CloseSessionRequest, { transient: ocmf(impostor) });
    expect(again).toMatchObject({ refusal: { code: 'EVIDENCE_REJECTED' }, txId: (results[1] as { txId: string }).txId });
  });

  it("defers the second settlement of one driver's account in a batch, and settles it in a transaction of its own", async () => {
    const scene = await openSessions(3, (i) => (i === 2 ? 'drv-0' : `drv-${i}`));
    const { request, transient } = aBatch(scene, [0, 1, 2].map((i) => ({ i, records: recordsOf(scene, i) })));
    const { results } = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', request, { transient });

    expect(results.map((r) => r.status)).toEqual(['settled', 'settled', 'deferred']);
    expect(results[2]).toMatchObject({ code: 'BATCH_KEY_SHARED' });
    expect(await balance(scene, 'drv-0')).toBe(10_000 - 476);
    expect(scene.cast.network.events.at(-1)?.payload).toMatchObject({ settlements: [{ sessionId: 's-0' }, { sessionId: 's-1' }] });

    const again = { settlements: [request.settlements[2] as CloseSessionRequest] };
    const retried = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', again, { transient });
    expect(retried.results).toMatchObject([{ status: 'settled', sessionId: 's-2', replayed: false }]);
    expect(await balance(scene, 'drv-0')).toBe(10_000 - 2 * 476);
  });

  it('replays a settlement closeSession already applied, by its event id, and writes nothing for it', async () => {
    const scene = await openSessions(2);
    const alone = { eventId: scene.cast.eventId(), sessionId: 's-0', evidence: { kind: 'ocmf' as const } };
    const receipt = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSession', alone, { transient: ocmf(recordsOf(scene, 0)) });
    const { request, transient } = aBatch(scene, [{ i: 1, records: recordsOf(scene, 1) }]);
    const batch = { settlements: [alone, ...request.settlements] };
    const byEvent = { ...(JSON.parse(transient[TRANSIENT_KEYS.ocmfRecordsByEvent] as string) as object), [alone.eventId]: recordsOf(scene, 0) };
    const { results } = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', batch, { transient: { [TRANSIENT_KEYS.ocmfRecordsByEvent]: JSON.stringify(byEvent) } });

    if ('refusal' in receipt) throw new Error('the session was refused');
    const { charged, energyWh, verification, txId } = receipt;
    expect(results[0]).toEqual({ eventId: alone.eventId, sessionId: 's-0', status: 'settled', settled: { charged, energyWh, verification, txId }, replayed: true });
    expect(results[1]).toMatchObject({ status: 'settled', replayed: false });
    expect(await balance(scene, 'drv-0')).toBe(10_000 - 476);
    expect(scene.cast.network.events.at(-1)?.payload).toMatchObject({ settlements: [{ sessionId: 's-1' }] });
  });

  it('refuses a settlement whose event id settled the session with another request, and a second settlement of a session', async () => {
    const scene = await openSessions(1);
    const { request, transient } = aBatch(scene, [{ i: 0, records: recordsOf(scene, 0) }]);
    await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', request, { transient });
    const first = request.settlements[0] as CloseSessionRequest;
    const unsigned = { kind: 'unsigned' as const, startRegisterWh: 0, endRegisterWh: 1, startTimeMs: scene.openedMs, endTimeMs: scene.openedMs + MINUTE };
    const reused = { settlements: [{ ...first, evidence: unsigned }] };
    const again = { settlements: [{ ...first, eventId: scene.cast.eventId() }] };

    expect((await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', reused, { transient })).results).toMatchObject([{ status: 'refused', code: 'EVENT_ID_REUSED' }]);
    expect((await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', again, { transient })).results).toMatchObject([{ status: 'refused', code: 'INVALID_STATE' }]);
    expect(await balance(scene, 'drv-0')).toBe(10_000 - 476);
  });

  it('writes no event-id record for a settlement: the session keeps its event id and request hash', async () => {
    const scene = await openSessions(1);
    const { request, transient } = aBatch(scene, [{ i: 0, records: recordsOf(scene, 0) }]);
    const keys = (): string[] => scene.cast.network.world.publicEntries().map(([key]) => key.replaceAll('\u0000', '/'));
    const before = new Set(keys());
    await scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', request, { transient });
    const added = keys().filter((key) => !before.has(key));

    expect(added.filter((key) => key.startsWith('/cl.event/'))).toEqual([]);
    expect(added).toContain('/cl.receipt/s-0/');
    const session = scene.cast.network.world.publicEntries().find(([key]) => key.replaceAll('\u0000', '/') === '/cl.session/s-0/')?.[1];
    expect(JSON.parse(session?.toString('utf8') ?? '{}')).toMatchObject({ status: 'settled', settledBy: { eventId: request.settlements[0]?.eventId } });
  });

  it('replays a settlement made before sessions kept their event id, from its event-id record', async () => {
    const scene = await openSessions(1);
    const settlement = { eventId: scene.cast.eventId(), sessionId: 's-0', evidence: { kind: 'ocmf' as const } };
    const receipt = await scene.cast.network.submit(scene.cast.operator, 'Session:closeSession', settlement, { transient: ocmf(recordsOf(scene, 0)) });
    // The state such a settlement left: the session without settledBy, an event-id record beside it.
    const { world } = scene.cast.network;
    const sessionKey = '\u0000cl.session\u0000s-0\u0000';
    const { settledBy, ...legacy } = JSON.parse(world.get(sessionKey)?.value.toString('utf8') ?? '{}') as { settledBy: { requestHash: string } };
    const record = { transaction: 'Session:closeSession', requestHash: settledBy.requestHash, result: JSON.stringify(receipt), txId: receipt.txId };
    world.apply({ public: new Map([[sessionKey, Buffer.from(JSON.stringify(legacy))], [`\u0000cl.event\u0000${settlement.eventId}\u0000`, Buffer.from(JSON.stringify(record))]]), validation: new Map(), private: new Map() });

    expect(await scene.cast.network.submit(scene.cast.operator, 'Session:closeSession', settlement, { transient: ocmf(recordsOf(scene, 0)) })).toEqual(receipt);
    const unsigned = { kind: 'unsigned' as const, startRegisterWh: 0, endRegisterWh: 1, startTimeMs: scene.openedMs, endTimeMs: scene.openedMs + MINUTE };
    await expect(scene.cast.network.submit(scene.cast.operator, 'Session:closeSession', { ...settlement, evidence: unsigned })).rejects.toMatchObject({ code: 'EVENT_ID_REUSED' });
    expect(await balance(scene, 'drv-0')).toBe(10_000 - 476);
  });

  it('refuses a whole batch that names one session twice', async () => {
    const scene = await openSessions(1);
    const { request, transient } = aBatch(scene, [{ i: 0, records: recordsOf(scene, 0) }]);
    const twice = { settlements: [request.settlements[0] as CloseSessionRequest, { ...(request.settlements[0] as CloseSessionRequest), eventId: scene.cast.eventId() }] };
    await expect(scene.cast.network.submit(scene.cast.operator, 'Session:closeSessions', twice, { transient })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
