import { priceSession, validateTariff } from '../pricing';
import { aNetwork, type Cast } from '../testing/fixtures';
import { aChargingSite, aFundedDriver, anOpenSession, ENERGY_TARIFF, ocmf, openRequest, type Driver, type Site } from '../testing/site';

const MINUTE = 60_000;

describe('Session contract', () => {
  let cast: Cast;
  let site: Site;
  let driver: Driver;
  beforeEach(async () => {
    cast = aNetwork();
    site = await aChargingSite(cast);
    driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
  });

  const account = (accountId: string) => cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId });

  it('opens a session holding up to the driver limit and freezing the tariff in force', async () => {
    const opened = await anOpenSession(cast, 's-1', driver);
    expect(opened).toMatchObject({ status: 'opened', holdAmount: 3000, tariffId: 'AC-STD', tariffVersion: 1, meterSerial: 'MTR-E1' });
    expect(await account('drv-1')).toMatchObject({ balance: 10_000, held: 3000, available: 7000 });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionOpened', payload: { sessionId: 's-1', holdAmount: 3000, tariffVersion: 1 } });

    await cast.network.submit(cast.operator, 'Tariff:publishTariff', { eventId: cast.eventId(), tariff: { ...ENERGY_TARIFF, version: 2, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 900_000, stepSize: 1 }] }] } });
    const session = await cast.network.evaluate(cast.prosumer, 'Session:getSession', { sessionId: 's-1' });
    expect(session).toMatchObject({ status: 'open', tariffVersion: 1 });
  });

  it('holds no more than the driver has and no more than the operator asked for', async () => {
    const poor = await aFundedDriver(cast, 'drv-2', 1200, 3000);
    expect(await anOpenSession(cast, 's-2', poor)).toMatchObject({ status: 'opened', holdAmount: 1200 });
    const opened = await cast.network.submit(cast.operator, 'Session:openSession', openRequest(cast, 's-3', driver, { maxHold: 2000 }), { transient: driver.proof });
    expect(opened).toMatchObject({ holdAmount: 2000 });
  });

  it('commits a refused hold with a HoldRefused event when funds are below the station minimum', async () => {
    const broke = await aFundedDriver(cast, 'drv-3', 300);
    const result = await anOpenSession(cast, 's-4', broke);
    expect(result).toMatchObject({ status: 'refused', holdAmount: 0, refusedReason: 'insufficient-funds' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'HoldRefused', payload: { sessionId: 's-4', reason: 'insufficient-funds' } });
    expect(await account('drv-3')).toMatchObject({ held: 0, available: 300 });
    await expect(
      cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-4', evidence: { kind: 'ocmf' } }),
    ).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('refuses to open without the driver token, or with another one', async () => {
    await expect(cast.network.submit(cast.operator, 'Session:openSession', openRequest(cast, 's-5', driver))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const other = await aFundedDriver(cast, 'drv-4', 100);
    await expect(
      cast.network.submit(cast.operator, 'Session:openSession', openRequest(cast, 's-5', driver), { transient: other.proof }),
    ).rejects.toMatchObject({ code: 'ID_TOKEN_REJECTED' });
  });

  it.each([
    ['ProsumersMSP', 'ACCESS_DENIED'],
    ['WalletsMSP', 'ACCESS_DENIED'],
    ['AuthorityMSP', 'ACCESS_DENIED'],
  ] as const)('refuses session transactions from %s', async (msp, code) => {
    const who = cast.as(msp);
    await expect(cast.network.submit(who, 'Session:openSession', openRequest(cast, 's-6', driver), { transient: driver.proof })).rejects.toMatchObject({ code });
    await expect(cast.network.submit(who, 'Session:recordProgress', { eventId: cast.eventId(), sessionId: 's-6', energyWh: 1 })).rejects.toMatchObject({ code });
    await expect(cast.network.submit(who, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-6', evidence: { kind: 'ocmf' } })).rejects.toMatchObject({ code });
  });

  it('refuses another operator and an operator identity without an operatorId', async () => {
    await expect(cast.network.submit(cast.rival, 'Session:openSession', openRequest(cast, 's-7', driver), { transient: driver.proof })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(cast.anonymousOperator, 'Session:openSession', openRequest(cast, 's-7', driver), { transient: driver.proof })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await anOpenSession(cast, 's-7', driver);
    await expect(cast.network.submit(cast.rival, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-7', evidence: { kind: 'ocmf' } })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(cast.rival, 'Session:recordProgress', { eventId: cast.eventId(), sessionId: 's-7', energyWh: 5 })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('settles open → checkpoint → close from signed meter data at exactly the tariff price', async () => {
    const opened = cast.network.nowMs + 1000;
    await anOpenSession(cast, 's-8', driver);
    cast.network.advance(20 * MINUTE);
    const progress = await cast.network.submit(cast.operator, 'Session:recordProgress', { eventId: cast.eventId(), sessionId: 's-8', energyWh: 4000 });
    expect(progress).toMatchObject({ seq: 1, estimatedCost: 190, holdExhausted: false });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionProgress', payload: { energyWh: 4000, estimatedCost: 190 } });

    cast.network.advance(30 * MINUTE);
    const start = { timeMs: opened + 5000, registerWh: 1_234_567 };
    const end = { timeMs: opened + 45 * MINUTE, registerWh: 1_244_567 };
    const records = site.meter.session(start, end);
    const receipt = await cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-8', evidence: { kind: 'ocmf' } }, { transient: ocmf(records) });

    const expected = priceSession(validateTariff(ENERGY_TARIFF), {
      startMs: start.timeMs,
      endMs: end.timeMs,
      samples: [{ timestampMs: start.timeMs, registerWh: 0 }, { timestampMs: end.timeMs, registerWh: 10_000 }],
    });
    expect(expected.total).toBe(476);
    expect(receipt).toMatchObject({
      sessionId: 's-8',
      energyWh: 10_000,
      startTimeMs: start.timeMs,
      endTimeMs: end.timeMs,
      tariffId: 'AC-STD',
      tariffVersion: 1,
      lineItems: expected.lineItems,
      totalNet: 400,
      totalVat: 76,
      priced: 476,
      charged: 476,
      holdAmount: 3000,
      released: 2524,
      verification: 'verified',
      meterSerial: 'MTR-E1',
      meterKeyId: 'k1',
    });
    expect(receipt).toMatchObject({ evidenceHashes: [expect.any(String), expect.any(String)] });
    expect(receipt.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(await account('drv-1')).toMatchObject({ balance: 10_000 - 476, held: 0, available: 10_000 - 476 });
    expect(await account('acc-op1')).toMatchObject({ balance: 476 });
    expect(await cast.network.evaluate(cast.authority, 'Session:getReceipt', { sessionId: 's-8' })).toEqual(receipt);
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'SessionSettled', payload: { sessionId: 's-8', charged: 476, verification: 'verified' } });
  });

  it('caps the charge at the hold', async () => {
    const small = await aFundedDriver(cast, 'drv-5', 10_000, 600);
    const opened = cast.network.nowMs + 1000;
    await anOpenSession(cast, 's-9', small);
    cast.network.advance(2 * 60 * MINUTE);
    const records = site.meter.session({ timeMs: opened, registerWh: 0 }, { timeMs: opened + 100 * MINUTE, registerWh: 40_000 });
    const receipt = await cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-9', evidence: { kind: 'ocmf' } }, { transient: ocmf(records) });
    expect(receipt).toMatchObject({ priced: 1904, charged: 600, released: 0 });
    expect(await account('drv-5')).toMatchObject({ balance: 9400, held: 0 });
  });

  it('reports an exhausted hold from a checkpoint', async () => {
    await anOpenSession(cast, 's-10', driver);
    cast.network.advance(60 * MINUTE);
    const progress = await cast.network.submit(cast.operator, 'Session:recordProgress', { eventId: cast.eventId(), sessionId: 's-10', energyWh: 70_000 });
    expect(progress).toMatchObject({ holdExhausted: true, estimatedCost: 3332 });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'HoldExhausted', payload: { sessionId: 's-10', holdAmount: 3000 } });
  });

  it('returns the first result of a replayed open, checkpoint and close, and writes nothing', async () => {
    const opened = cast.network.nowMs + 1000;
    const open = openRequest(cast, 's-11', driver);
    const first = await cast.network.submit(cast.operator, 'Session:openSession', open, { transient: driver.proof });
    const progress = { eventId: cast.eventId(), sessionId: 's-11', energyWh: 10 };
    cast.network.advance(MINUTE);
    const firstProgress = await cast.network.submit(cast.operator, 'Session:recordProgress', progress);
    const close = { eventId: cast.eventId(), sessionId: 's-11', evidence: { kind: 'ocmf' as const } };
    const records = ocmf(site.meter.session({ timeMs: opened, registerWh: 0 }, { timeMs: opened + 10 * MINUTE, registerWh: 2000 }));
    cast.network.advance(10 * MINUTE);
    const receipt = await cast.network.submit(cast.operator, 'Session:closeSession', close, { transient: records });

    const before = cast.network.world.snapshot();
    const events = cast.network.events.length;
    expect(await cast.network.submit(cast.operator, 'Session:openSession', open, { transient: driver.proof })).toEqual(first);
    expect(await cast.network.submit(cast.operator, 'Session:recordProgress', progress)).toEqual(firstProgress);
    expect(await cast.network.submit(cast.operator, 'Session:closeSession', close, { transient: records })).toEqual(receipt);
    expect(cast.network.world.snapshot()).toBe(before);
    expect(cast.network.events).toHaveLength(events);
  });

  it('refuses to close an unknown session and an already settled one', async () => {
    await expect(cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 'nope', evidence: { kind: 'ocmf' } })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const opened = cast.network.nowMs + 1000;
    await anOpenSession(cast, 's-12', driver);
    cast.network.advance(10 * MINUTE);
    const records = site.meter.session({ timeMs: opened, registerWh: 0 }, { timeMs: opened + 5 * MINUTE, registerWh: 1000 });
    await cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-12', evidence: { kind: 'ocmf' } }, { transient: ocmf(records) });
    const later = site.meter.session({ timeMs: opened + 6 * MINUTE, registerWh: 1000 }, { timeMs: opened + 7 * MINUTE, registerWh: 1500 });
    await expect(
      cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-12', evidence: { kind: 'ocmf' } }, { transient: ocmf(later) }),
    ).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('does not commit a settlement the Wallets peer did not endorse', async () => {
    const opened = cast.network.nowMs + 1000;
    await anOpenSession(cast, 's-13', driver);
    cast.network.advance(10 * MINUTE);
    const records = site.meter.session({ timeMs: opened, registerWh: 0 }, { timeMs: opened + 5 * MINUTE, registerWh: 1000 });
    await expect(
      cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-13', evidence: { kind: 'ocmf' } }, {
        transient: ocmf(records),
        endorsers: ['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP'],
      }),
    ).rejects.toMatchObject({ name: 'CommitError', code: 'ENDORSEMENT_POLICY_FAILURE' });
    expect(await account('drv-1')).toMatchObject({ held: 3000, balance: 10_000 });
  });
});
