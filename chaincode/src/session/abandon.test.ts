import { aNetwork, type Cast } from '../testing/fixtures';
import { aChargingSite, aFundedDriver, anOpenSession, type Driver } from '../testing/site';
import { HOLD_TTL_MS } from './abandon';

describe('Abandoning a session', () => {
  let cast: Cast;
  let driver: Driver;
  beforeEach(async () => {
    cast = aNetwork();
    await aChargingSite(cast);
    driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
    await anOpenSession(cast, 's-1', driver);
  });
  const abandon = (who = cast.operator) => cast.network.submit(who, 'Session:abandonSession', { eventId: cast.eventId(), sessionId: 's-1' });
  const account = () => cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId: 'drv-1' });

  it('lets the station operator release the hold at any time, charging nothing', async () => {
    expect(await abandon()).toMatchObject({ sessionId: 's-1', released: 3000 });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'HoldReleased', payload: { sessionId: 's-1', released: 3000 } });
    expect(await account()).toMatchObject({ balance: 10_000, held: 0, available: 10_000 });
    expect(await cast.network.evaluate(cast.operator, 'Session:getSession', { sessionId: 's-1' })).toMatchObject({ status: 'abandoned' });
    await expect(cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-1', evidence: { kind: 'ocmf' } })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
  });

  it('lets Wallets release a driver\'s hold only once the session is stale', async () => {
    await expect(abandon(cast.wallets)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    cast.network.advance(HOLD_TTL_MS);
    expect(await abandon(cast.wallets)).toMatchObject({ released: 3000 });
    expect(await account()).toMatchObject({ held: 0 });
  });

  it('refuses another operator', async () => {
    await expect(abandon(cast.rival)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });
});
