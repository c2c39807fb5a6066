import { TRANSIENT_KEYS } from '../api';
import { aDriver, aLinkedToken, aNetwork, driverProfile, WALLETS_ONLY, type Cast } from '../testing/fixtures';
import { aChargingSite, anOpenSession, ocmf } from '../testing/site';

describe('Personal data and id tokens', () => {
  let cast: Cast;
  beforeEach(() => {
    cast = aNetwork();
  });

  const resolve = (idToken: string, peer: 'WalletsMSP' | 'OperatorsMSP' = 'WalletsMSP') =>
    cast.network.evaluate(cast.operator, 'Wallet:resolveIdToken', {}, { transient: { [TRANSIENT_KEYS.idToken]: idToken }, peer });

  it('keeps name, e-mail and the raw token out of public state and events through a whole session', async () => {
    const site = await aChargingSite(cast);
    await aDriver(cast, 'drv-9', { topUp: 5000, profile: driverProfile('Max Private', 'max.private@example.org') });
    await aLinkedToken(cast, 'drv-9', '04A1B2C3D4E5F6');
    const resolved = await resolve('04A1B2C3D4E5F6');
    const opened = cast.network.nowMs + 1000;
    await cast.network.submit(
      cast.operator,
      'Session:openSession',
      { eventId: cast.eventId(), sessionId: 's-1', stationId: 'st-1', evseId: 'E1', connectorId: 'C1', driverAccountId: resolved.accountId, tokenRef: resolved.tokenRef },
      { transient: { [TRANSIENT_KEYS.tokenProof]: resolved.tokenProof } },
    );
    cast.network.advance(10 * 60_000);
    const records = site.meter.session({ timeMs: opened, registerWh: 0 }, { timeMs: opened + 60_000, registerWh: 100 }, '04A1B2C3D4E5F6');
    await cast.network.submit(cast.operator, 'Session:closeSession', { eventId: cast.eventId(), sessionId: 's-1', evidence: { kind: 'ocmf' } }, { transient: ocmf(records) });

    const publicText = cast.network.world.publicEntries().map(([key, value]) => key + value.toString('utf8')).join('\n');
    const eventText = JSON.stringify(cast.network.events);
    for (const secret of ['Max Private', 'max.private@example.org', '04A1B2C3D4E5F6']) {
      expect(publicText).not.toContain(secret);
      expect(eventText).not.toContain(secret);
    }
  });

  it('sends the pepper, raw token, salt and profile to Wallets peers only', async () => {
    await aChargingSite(cast);
    const driver = 'drv-1';
    await aDriver(cast, driver, { topUp: 5000 });
    const proof = await aLinkedToken(cast, driver, 'CAFE0001');
    await resolve('CAFE0001');
    await anOpenSession(cast, 's-1', { accountId: driver, proof });
    const sensitive: string[] = [TRANSIENT_KEYS.tokenPepper, TRANSIENT_KEYS.idToken, TRANSIENT_KEYS.idTokenSalt, TRANSIENT_KEYS.driverProfile];
    const exposed = cast.network.transientDeliveries.filter((delivery) => delivery.keys.some((key) => sensitive.includes(key)));
    expect(exposed.length).toBeGreaterThan(0);
    expect(new Set(exposed.map((delivery) => delivery.peer))).toEqual(new Set(['WalletsMSP']));
  });

  it('refuses private-collection transactions on any other peer', async () => {
    await aDriver(cast, 'drv-1');
    await expect(
      cast.network.submit(cast.wallets, 'Wallet:setDriverProfile', { eventId: cast.eventId(), accountId: 'drv-1' }, { transient: driverProfile(), endorsers: ['WalletsMSP', 'OperatorsMSP'] }),
    ).rejects.toMatchObject({ name: 'EndorseError', peer: 'OperatorsMSP', code: 'NOT_A_COLLECTION_MEMBER' });
  });

  it('stores a profile with the Wallets endorsement alone, and replays it without writing', async () => {
    await aDriver(cast, 'drv-1');
    const request = { eventId: cast.eventId(), accountId: 'drv-1' };
    const transient = driverProfile();
    expect(await cast.network.submit(cast.wallets, 'Wallet:setDriverProfile', request, { ...WALLETS_ONLY, transient })).toEqual({ accountId: 'drv-1' });
    const before = cast.network.world.snapshot();
    expect(await cast.network.submit(cast.wallets, 'Wallet:setDriverProfile', request, { ...WALLETS_ONLY, transient })).toEqual({ accountId: 'drv-1' });
    expect(cast.network.world.snapshot()).toBe(before);
  });

  it('resolves a raw id token on a Wallets peer to the account and a token proof, and refuses elsewhere', async () => {
    await aDriver(cast, 'drv-1', { topUp: 900 });
    const proof = await aLinkedToken(cast, 'drv-1', 'CAFE0001');
    expect(await resolve('CAFE0001')).toEqual({
      accountId: 'drv-1',
      tokenRef: 'card-1',
      tokenProof: proof[TRANSIENT_KEYS.tokenProof],
      currency: 'EUR',
      sessionLimit: 5000,
      available: 900,
    });
    await expect(resolve('CAFE0001', 'OperatorsMSP')).rejects.toMatchObject({ code: 'NOT_A_COLLECTION_MEMBER' });
    await expect(resolve('UNKNOWN1')).rejects.toMatchObject({ code: 'ID_TOKEN_REJECTED' });
    await expect(
      cast.network.evaluate(cast.prosumer, 'Wallet:resolveIdToken', {}, { transient: { [TRANSIENT_KEYS.idToken]: 'CAFE0001' }, peer: 'WalletsMSP' }),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('refuses to index one id token for two accounts, or a token that does not match the link', async () => {
    await aDriver(cast, 'drv-1');
    await aDriver(cast, 'drv-2');
    await aLinkedToken(cast, 'drv-1', 'CAFE0001');
    await expect(aLinkedToken(cast, 'drv-2', 'CAFE0001')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await cast.network.submit(cast.wallets, 'Wallet:linkIdToken', { eventId: cast.eventId(), accountId: 'drv-2', tokenRef: 'card-9', proofHash: 'a'.repeat(64) });
    await expect(
      cast.network.submit(cast.wallets, 'Wallet:indexIdToken', { eventId: cast.eventId(), accountId: 'drv-2', tokenRef: 'card-9' }, {
        ...WALLETS_ONLY,
        transient: { [TRANSIENT_KEYS.idToken]: 'BEEF0002', [TRANSIENT_KEYS.idTokenSalt]: 'b'.repeat(32) },
      }),
    ).rejects.toMatchObject({ code: 'ID_TOKEN_REJECTED' });
  });

  it('stops resolving and opening sessions for an unlinked token, and forgets its private record', async () => {
    await aChargingSite(cast);
    await aDriver(cast, 'drv-1', { topUp: 5000 });
    const proof = await aLinkedToken(cast, 'drv-1', 'CAFE0001');
    await cast.network.submit(cast.wallets, 'Wallet:unlinkIdToken', { eventId: cast.eventId(), accountId: 'drv-1', tokenRef: 'card-1' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'IdTokenUnlinked' });
    await expect(resolve('CAFE0001')).rejects.toMatchObject({ code: 'ID_TOKEN_REJECTED' });
    await expect(anOpenSession(cast, 's-1', { accountId: 'drv-1', proof })).rejects.toMatchObject({ code: 'ID_TOKEN_REJECTED' });
    const forgotten = await cast.network.submit(cast.wallets, 'Wallet:forgetIdToken', { eventId: cast.eventId() }, { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.idToken]: 'CAFE0001' } });
    expect(forgotten).toEqual({ accountId: 'drv-1', tokenRef: 'card-1' });
    await expect(resolve('CAFE0001')).rejects.toMatchObject({ code: 'ID_TOKEN_REJECTED' });
  });
});
