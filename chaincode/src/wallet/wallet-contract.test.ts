import { KeyEndorsementPolicy } from 'fabric-shim';
import { aDriver, aNetwork, type Cast } from '../testing/fixtures';

describe('Wallet contract', () => {
  let cast: Cast;
  beforeEach(() => {
    cast = aNetwork();
  });

  it('opens a driver account whose key only commits with the Wallets organization endorsing', async () => {
    const { network, wallets } = cast;
    const account = await network.submit(wallets, 'Wallet:openAccount', { eventId: cast.eventId(), accountId: 'drv-1', kind: 'driver', currency: 'EUR', sessionLimit: 3000 });
    expect(account).toMatchObject({ accountId: 'drv-1', kind: 'driver', seq: 0, status: 'active' });
    const policy = network.world.validationParameter('\x00cl.account\x00drv-1\x00');
    expect(new KeyEndorsementPolicy(policy).listOrgs()).toEqual(['WalletsMSP']);
    expect(network.events.at(-1)).toMatchObject({ name: 'AccountOpened', payload: { accountId: 'drv-1', kind: 'driver' } });
  });

  it.each(['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP'] as const)('refuses to open an account for %s', async (msp) => {
    await expect(
      cast.network.submit(cast.as(msp), 'Wallet:openAccount', { eventId: cast.eventId(), accountId: 'x', kind: 'operator', ownerId: 'op-1', currency: 'EUR' }),
    ).rejects.toMatchObject({ name: 'EndorseError', code: 'ACCESS_DENIED' });
  });

  it.each(['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP'] as const)('refuses a top-up by %s', async (msp) => {
    await aDriver(cast, 'drv-1');
    const before = cast.network.world.snapshot();
    await expect(
      cast.network.submit(cast.as(msp), 'Wallet:topUp', { eventId: cast.eventId(), accountId: 'drv-1', amount: 100, reference: 'r' }),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(cast.network.world.snapshot()).toBe(before);
  });

  it.each(['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP'] as const)('refuses payouts, limits and token links to %s', async (msp) => {
    const who = cast.as(msp);
    const { network } = cast;
    await expect(network.submit(who, 'Wallet:payout', { eventId: cast.eventId(), accountId: 'a', payoutId: 'p', reference: 'r' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(network.submit(who, 'Wallet:setSessionLimit', { eventId: cast.eventId(), accountId: 'a', sessionLimit: 1 })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(network.submit(who, 'Wallet:linkIdToken', { eventId: cast.eventId(), accountId: 'a', tokenRef: 't', proofHash: '0'.repeat(64) })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    await expect(network.submit(who, 'Wallet:unlinkIdToken', { eventId: cast.eventId(), accountId: 'a', tokenRef: 't' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('credits a top-up and reports balance, holds and available funds', async () => {
    await aDriver(cast, 'drv-1', { topUp: 2500 });
    const view = await cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), accountId: 'drv-1', amount: 500, reference: 'r2' });
    expect(view).toMatchObject({ balance: 3000, held: 0, available: 3000, seq: 2 });
    const read = await cast.network.evaluate(cast.operator, 'Wallet:getAccount', { accountId: 'drv-1' });
    expect(read).toMatchObject({ balance: 3000, available: 3000, seq: 2 });
    const history = await cast.network.evaluate(cast.prosumer, 'Wallet:getHistory', { accountId: 'drv-1' });
    expect(history.entries.map((entry) => entry.amount)).toEqual([2500, 500]);
  });

  it('returns the first result of a replayed top-up and changes nothing', async () => {
    await aDriver(cast, 'drv-1');
    const request = { eventId: cast.eventId(), accountId: 'drv-1', amount: 700, reference: 'r' };
    const first = await cast.network.submit(cast.wallets, 'Wallet:topUp', request);
    const before = cast.network.world.snapshot();
    const eventsBefore = cast.network.events.length;
    const replay = await cast.network.submit(cast.wallets, 'Wallet:topUp', request);
    expect(replay).toEqual(first);
    expect(cast.network.world.snapshot()).toBe(before);
    expect(cast.network.events).toHaveLength(eventsBefore);
  });

  it('refuses an event id reused for a different request', async () => {
    await aDriver(cast, 'drv-1');
    const eventId = cast.eventId();
    await cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId, accountId: 'drv-1', amount: 700, reference: 'r' });
    await expect(cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId, accountId: 'drv-1', amount: 701, reference: 'r' })).rejects.toMatchObject({
      code: 'EVENT_ID_REUSED',
    });
  });

  it('does not commit a top-up of a driver account that the Wallets peer did not endorse', async () => {
    await aDriver(cast, 'drv-1');
    await expect(
      cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), accountId: 'drv-1', amount: 1, reference: 'r' }, {
        endorsers: ['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP'],
      }),
    ).rejects.toMatchObject({ name: 'CommitError', code: 'ENDORSEMENT_POLICY_FAILURE' });
  });

  it('does not commit with the Wallets peer alone either', async () => {
    await aDriver(cast, 'drv-1');
    await expect(
      cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), accountId: 'drv-1', amount: 1, reference: 'r' }, { endorsers: ['WalletsMSP'] }),
    ).rejects.toMatchObject({ name: 'CommitError', code: 'ENDORSEMENT_POLICY_FAILURE' });
  });
});
