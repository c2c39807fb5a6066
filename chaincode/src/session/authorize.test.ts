import { TRANSIENT_KEYS, type AuthorizationVerdict } from '../api';
import { aDriver, aLinkedToken, aNetwork, type Cast } from '../testing/fixtures';
import { aChargingSite, aFundedDriver, anOpenSession, openRequest } from '../testing/site';

describe('Session:authorizeIdToken, the ledger’s answer to a charger’s Authorize', () => {
  let cast: Cast;
  beforeEach(() => {
    cast = aNetwork();
  });

  const authorize = (idToken: string, options: { stationId?: string; peer?: 'WalletsMSP' | 'OperatorsMSP'; as?: typeof cast.operator } = {}): Promise<AuthorizationVerdict> =>
    cast.network.evaluate(options.as ?? cast.operator, 'Session:authorizeIdToken', { stationId: options.stationId ?? 'st-1' }, {
      transient: { [TRANSIENT_KEYS.idToken]: idToken },
      peer: options.peer ?? 'WalletsMSP',
    });

  it('accepts a funded driver’s token with the hold that opening the session then places', async () => {
    await aChargingSite(cast);
    const driver = await aFundedDriver(cast, 'drv-1', 3000, 2000);

    const verdict = await authorize('TAG-drv-1');
    expect(verdict).toEqual({ stationId: 'st-1', status: 'accepted', holdAmount: 2000, minimumHold: 500, currency: 'EUR' });
    const opened = await anOpenSession(cast, 's-1', driver);
    expect(opened).toMatchObject({ status: 'opened', holdAmount: verdict.holdAmount });
  });

  it('counts the holds of sessions already open: a second session the remaining funds cannot cover is refused', async () => {
    await aChargingSite(cast);
    const driver = await aFundedDriver(cast, 'drv-1', 1000, 800);
    await anOpenSession(cast, 's-1', driver);

    expect(await authorize('TAG-drv-1')).toMatchObject({ status: 'insufficient-funds', holdAmount: 0 });
    const second = await cast.network.submit(cast.operator, 'Session:openSession', openRequest(cast, 's-2', driver), { transient: driver.proof });
    expect(second).toMatchObject({ status: 'refused', refusedReason: 'insufficient-funds' });
  });

  it.each([
    { topUp: 499, sessionLimit: 5000, minimumHold: 500, status: 'insufficient-funds', holdAmount: 0 },
    { topUp: 500, sessionLimit: 5000, minimumHold: 500, status: 'accepted', holdAmount: 500 },
    { topUp: 9000, sessionLimit: 400, minimumHold: 500, status: 'below-minimum-hold', holdAmount: 0 },
    { topUp: 9000, sessionLimit: 500, minimumHold: 500, status: 'accepted', holdAmount: 500 },
    { topUp: 0, sessionLimit: 5000, minimumHold: 1, status: 'insufficient-funds', holdAmount: 0 },
  ] as const)('agrees with Session:openSession: $topUp available, limit $sessionLimit, minimum hold $minimumHold → $status', async ({ topUp, sessionLimit, minimumHold, status, holdAmount }) => {
    await aChargingSite(cast, { minimumHold });
    await aDriver(cast, 'drv-1', { sessionLimit, ...(topUp > 0 ? { topUp } : {}) });
    const proof = await aLinkedToken(cast, 'drv-1', 'CAFE0001');

    expect(await authorize('CAFE0001')).toMatchObject({ status, holdAmount, minimumHold });
    const opened = await cast.network.submit(cast.operator, 'Session:openSession', openRequest(cast, 's-1', { accountId: 'drv-1', proof }), { transient: proof });
    expect(opened.status === 'opened' ? 'accepted' : opened.refusedReason).toBe(status);
    expect(opened.holdAmount).toBe(holdAmount);
  });

  it('tells an unknown token from a revoked one', async () => {
    await aChargingSite(cast);
    await aFundedDriver(cast, 'drv-1', 3000);
    expect(await authorize('NOT-A-CARD')).toMatchObject({ status: 'unknown-token', holdAmount: 0 });

    await cast.network.submit(cast.wallets, 'Wallet:unlinkIdToken', { eventId: cast.eventId(), accountId: 'drv-1', tokenRef: 'card-1' });
    expect(await authorize('TAG-drv-1')).toMatchObject({ status: 'revoked-token' });
  });

  it('refuses a station of another operator, an unknown station, and a peer that cannot read the token index', async () => {
    await aChargingSite(cast);
    await aFundedDriver(cast, 'drv-1', 3000);
    await expect(authorize('TAG-drv-1', { as: cast.rival })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(authorize('TAG-drv-1', { stationId: 'st-9' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(authorize('TAG-drv-1', { peer: 'OperatorsMSP' })).rejects.toMatchObject({ code: 'NOT_A_COLLECTION_MEMBER' });
    await expect(cast.network.evaluate(cast.operator, 'Session:authorizeIdToken', { stationId: 'st-1' }, { peer: 'WalletsMSP' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
