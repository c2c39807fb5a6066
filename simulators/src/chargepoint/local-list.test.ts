import type { V16 as Ocpp16, V16Actions, V201 as Ocpp201, V201Actions } from '@chargeledger/ocpp-types';
import { parseOcmf } from '../meter/ocmf';
import type { ChargePoint, OcppVersion } from './api';
import type { StationSettings } from './core/settings';
import { createChargePoint } from './create';
import { CsmsDouble } from './testing/csms-double';
import { aClock, anEv, anIdentity, FAST_RECONNECT, MINUTE } from './testing/builders';
import { outage, recovery } from './testing/outage';

type StartTransactionRequest = Ocpp16.StartTransactionRequest;
type TransactionEventRequest = Ocpp201.TransactionEventRequest;

type AnyCsms = CsmsDouble<V16Actions> | CsmsDouble<V201Actions>;

/** One line of a SendLocalList in test terms; no status means the line removes the token. */
interface Listing {
  readonly token: string;
  readonly status?: 'Accepted' | 'Blocked';
}

const listed = (token: string, status: Listing['status'] = 'Accepted'): Listing => ({ token, status });
const removed = (token: string): Listing => ({ token });

/** What differs between the versions on the wire; every behaviour below is specified once for both. */
interface Dialect {
  readonly protocol: OcppVersion;
  startCsms(): Promise<AnyCsms>;
  sendLocalList(updateType: 'Full' | 'Differential', version: number, listings: readonly Listing[]): object;
  versionIn(answer: unknown): number;
  /** The tokens of the transaction starts the CSMS received, in order. */
  startedTokens(csms: AnyCsms): string[];
}

const V16: Dialect = {
  protocol: '1.6',
  startCsms: () => CsmsDouble.start<V16Actions>({ protocol: 'ocpp1.6' }),
  sendLocalList: (updateType, listVersion, listings) => ({
    listVersion,
    updateType,
    localAuthorizationList: listings.map(({ token, status }) => ({ idTag: token, ...(status === undefined ? {} : { idTagInfo: { status } }) })),
  }),
  versionIn: (answer) => (answer as V16Actions['GetLocalListVersion']['response']).listVersion,
  startedTokens: (csms) => csms.calls.filter((c) => c.action === 'StartTransaction').map((c) => (c.payload as StartTransactionRequest).idTag),
};

const V201: Dialect = {
  protocol: '2.0.1',
  startCsms: () => CsmsDouble.start<V201Actions>({ protocol: 'ocpp2.0.1' }),
  sendLocalList: (updateType, versionNumber, listings) => ({
    versionNumber,
    updateType,
    localAuthorizationList: listings.map(({ token, status }) => ({
      idToken: { idToken: token, type: 'ISO14443' },
      ...(status === undefined ? {} : { idTokenInfo: { status } }),
    })),
  }),
  versionIn: (answer) => (answer as V201Actions['GetLocalListVersion']['response']).versionNumber,
  startedTokens: (csms) =>
    csms.calls
      .filter((c) => c.action === 'TransactionEvent' && (c.payload as TransactionEventRequest).eventType === 'Started')
      .map((c) => (c.payload as TransactionEventRequest).idToken?.idToken ?? ''),
};

describe.each([V16, V201])('local authorization list, OCPP $protocol', (dialect) => {
  let csms: AnyCsms;
  let cp: ChargePoint | undefined;
  let identity: string;

  beforeEach(async () => {
    csms = await dialect.startCsms();
    identity = anIdentity(`LL${dialect.protocol}`);
  });

  afterEach(async () => {
    await cp?.close();
    cp = undefined;
    await csms.close();
    expect(csms.validationFailures).toEqual([]);
  });

  async function aConnectedChargePoint(settings: Partial<StationSettings> = {}): Promise<ChargePoint> {
    cp = createChargePoint({ protocol: dialect.protocol, identity, endpoint: csms.endpoint, template: 'homebox-ac11', clock: aClock(), settings, backoff: FAST_RECONNECT });
    expect(await cp.connect()).toBe('Accepted');
    return cp;
  }

  const send = (updateType: 'Full' | 'Differential', version: number, listings: readonly Listing[]): Promise<unknown> =>
    csms.call(identity, 'SendLocalList', dialect.sendLocalList(updateType, version, listings));

  const listVersion = async (): Promise<number> => dialect.versionIn(await csms.call(identity, 'GetLocalListVersion', {}));

  const tokensOf = (charger: ChargePoint): [string, string][] => charger.localList().entries.map((e) => [e.token.value, e.status]);

  it('reports list version 0 until the CSMS installs a list, then the version it was sent', async () => {
    const charger = await aConnectedChargePoint();
    expect(await listVersion()).toBe(0);

    expect(await send('Full', 3, [listed('CARD-A'), listed('CARD-B', 'Blocked')])).toEqual({ status: 'Accepted' });

    expect(await listVersion()).toBe(3);
    expect(charger.localList().version).toBe(3);
    expect(tokensOf(charger)).toEqual([['CARD-A', 'Accepted'], ['CARD-B', 'Blocked']]);
  });

  it('replaces the whole list on a Full update', async () => {
    const charger = await aConnectedChargePoint();
    await send('Full', 1, [listed('CARD-A'), listed('CARD-B')]);

    expect(await send('Full', 2, [listed('CARD-C')])).toEqual({ status: 'Accepted' });

    expect(tokensOf(charger)).toEqual([['CARD-C', 'Accepted']]);
    expect(await listVersion()).toBe(2);
  });

  it('adds, changes and removes tokens on a Differential update', async () => {
    const charger = await aConnectedChargePoint();
    await send('Full', 1, [listed('CARD-A'), listed('CARD-B')]);

    expect(await send('Differential', 2, [listed('CARD-C'), removed('CARD-A'), listed('CARD-B', 'Blocked')])).toEqual({ status: 'Accepted' });

    expect(tokensOf(charger)).toEqual([['CARD-B', 'Blocked'], ['CARD-C', 'Accepted']]);
    expect(await listVersion()).toBe(2);
  });

  it('answers VersionMismatch to a Differential update that does not raise the version, and leaves the list alone', async () => {
    const charger = await aConnectedChargePoint();
    await send('Full', 5, [listed('CARD-A')]);

    expect(await send('Differential', 5, [listed('CARD-B')])).toEqual({ status: 'VersionMismatch' });
    expect(await send('Differential', 4, [removed('CARD-A')])).toEqual({ status: 'VersionMismatch' });
    expect(tokensOf(charger)).toEqual([['CARD-A', 'Accepted']]);
    expect(await listVersion()).toBe(5);

    expect(await send('Full', 4, [listed('CARD-B')])).toEqual({ status: 'Accepted' });
    expect(await listVersion()).toBe(4);
  });

  it('answers Failed to a malformed list and keeps the one it has', async () => {
    const charger = await aConnectedChargePoint();
    await send('Full', 1, [listed('CARD-A')]);

    expect(await send('Full', 2, [listed('CARD-B'), listed('CARD-B', 'Blocked')])).toEqual({ status: 'Failed' });
    expect(await send('Full', 2, [removed('CARD-B')])).toEqual({ status: 'Failed' });
    expect(await send('Differential', 0, [listed('CARD-B')])).toEqual({ status: 'Failed' });

    expect(charger.localList()).toEqual({ version: 1, entries: [{ token: expect.objectContaining({ value: 'CARD-A' }), status: 'Accepted' }] });
  });

  it('starts offline for a token the list accepts and refuses an unlisted one, without asking the CSMS', async () => {
    const charger = await aConnectedChargePoint({ allowOfflineTxForUnknownId: false });
    await send('Full', 1, [listed('GOOD-CARD')]);
    await outage(csms, charger);
    await charger.plugIn(1, anEv());

    expect(await charger.authorizeAndStart('STRANGER-CARD')).toEqual({ accepted: false, status: 'Unknown' });
    const started = await charger.authorizeAndStart('GOOD-CARD');
    if (!started.accepted || started.transaction === undefined) throw new Error(`the listed token did not start: ${JSON.stringify(started)}`);
    expect(started.transaction.authorizedBy).toBe('LocalList');
    expect(parseOcmf(started.transaction.begin.record).payload).toMatchObject({ IL: 'TRUSTED', IF: ['RFID_PLAIN', 'OCPP_WHITELIST'], ID: 'GOOD-CARD' });
    await charger.advance(10 * MINUTE);
    await charger.stop();
    expect(charger.queuedMessages).toBeGreaterThan(0);

    await recovery(csms, charger);
    expect(csms.calls.map((c) => c.action)).not.toContain('Authorize');
    expect(dialect.startedTokens(csms)).toEqual(['GOOD-CARD']);
  });

  it('refuses a token the list blocks even where unknown tokens may start offline', async () => {
    const charger = await aConnectedChargePoint({ allowOfflineTxForUnknownId: true });
    await send('Full', 1, [listed('STOLEN-CARD', 'Blocked')]);
    await outage(csms, charger);
    await charger.plugIn(1, anEv());

    expect(await charger.authorizeAndStart('STOLEN-CARD')).toEqual({ accepted: false, status: 'Blocked' });
    expect(await charger.authorizeAndStart('STRANGER-CARD')).toMatchObject({ accepted: true, transaction: { authorizedBy: 'Offline' } });
  });

  it('asks the CSMS, not the list, while it is online', async () => {
    const charger = await aConnectedChargePoint();
    await send('Full', 1, [listed('GOOD-CARD', 'Blocked')]);
    await charger.plugIn(1, anEv());

    expect(await charger.authorizeAndStart('GOOD-CARD')).toMatchObject({ accepted: true, transaction: { authorizedBy: 'Csms' } });
    expect(csms.calls.map((c) => c.action)).toContain('Authorize');
  });
});
