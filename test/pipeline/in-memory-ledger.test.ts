import { TRANSIENT_KEYS } from '@chargeledger/chaincode/src/api';
import { aNetwork, type Cast, T0 } from '@chargeledger/chaincode/src/testing/fixtures';
import { aChargingSite, aFundedDriver, type Driver, openRequest } from '@chargeledger/chaincode/src/testing/site';
import { LedgerRefusal, LedgerUnavailable } from '@chargeledger/ledger-bridge';
import { StatusCode } from '@hyperledger/fabric-gateway';
import { InMemoryLedger } from './support/in-memory-ledger';

/**
 * The stand-in for the Fabric Gateway must fail where the gateway fails and say so as the bridge's error
 * sorting would, or the pipeline tests prove nothing about the bridge.
 */
describe('InMemoryLedger, the in-memory channel behind the bridge’s ChargingLedger', () => {
  const OPENED_AT = T0 + 60 * 60_000;
  let cast: Cast;
  let driver: Driver;
  let clock: { nowMs: number; now(): number };
  let ledger: InMemoryLedger;

  beforeEach(async () => {
    cast = aNetwork();
    await aChargingSite(cast);
    driver = await aFundedDriver(cast, 'drv-1', 10_000, 3000);
    clock = { nowMs: OPENED_AT, now: () => clock.nowMs };
    ledger = new InMemoryLedger({ network: cast.network, identity: cast.operator, clock });
  });

  const resolve = (idToken: string, endorsingOrganizations?: readonly string[]) =>
    ledger.evaluate('Wallet:resolveIdToken', {}, { transient: { [TRANSIENT_KEYS.idToken]: idToken }, ...(endorsingOrganizations === undefined ? {} : { endorsingOrganizations }) });

  it('evaluates Wallet:resolveIdToken on a Wallets peer when the bridge names WalletsMSP, and the raw token reaches no other peer', async () => {
    expect(await resolve('TAG-drv-1', ['WalletsMSP'])).toMatchObject({ accountId: 'drv-1', tokenRef: 'card-1', tokenProof: driver.proof[TRANSIENT_KEYS.tokenProof] });
    const receivedToken = cast.network.transientDeliveries.filter((delivery) => delivery.keys.includes(TRANSIENT_KEYS.idToken)).map((delivery) => delivery.peer);
    expect(new Set(receivedToken)).toEqual(new Set(['WalletsMSP']));
  });

  it('evaluates on a peer of the client’s own organization when none is named, where the token index is out of reach', async () => {
    const refused = await resolve('TAG-drv-1').catch((error: unknown) => error);
    expect(refused).toMatchObject({ cause: { details: [{ mspId: 'OperatorsMSP', message: expect.stringContaining('[NOT_A_COLLECTION_MEMBER]') }] } });
  });

  it('surfaces a chaincode refusal of a submitted transaction as a LedgerRefusal carrying the chaincode’s code', async () => {
    const refused = await ledger.submit('Session:openSession', { ...openRequest(cast, 's-1', driver), stationId: 'st-unknown' }, { transient: driver.proof }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LedgerRefusal);
    expect(refused).toMatchObject({ name: 'LedgerRefusal', code: 'NOT_FOUND' });
  });

  // The fabric-gateway client raises a plain GatewayError from Contract.evaluate, not an EndorseError.
  it('surfaces a chaincode refusal of an evaluation as a LedgerRefusal carrying the chaincode’s code', async () => {
    const refused = await resolve('UNKNOWN-CARD', ['WalletsMSP']).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'LedgerRefusal', code: 'ID_TOKEN_REJECTED' });
  });

  it('endorses on the named organizations only: moving a driver’s money without Wallets is invalidated at commit and writes nothing', async () => {
    const before = cast.network.world.snapshot();
    const refused = await ledger
      .submit('Session:openSession', openRequest(cast, 's-1', driver), { transient: driver.proof, endorsingOrganizations: ['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP'] })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'LedgerRefusal', code: 'UNKNOWN', cause: { code: StatusCode.ENDORSEMENT_POLICY_FAILURE } });
    expect(cast.network.world.snapshot()).toBe(before);
  });

  it('reports a conflict with a concurrent transaction as LedgerUnavailable, for the worker to retry', async () => {
    await ledger.submit('Session:openSession', openRequest(cast, 's-1', driver), { transient: driver.proof });
    clock.nowMs += 60_000;
    const results = await Promise.allSettled(
      [1000, 2000].map((energyWh) => ledger.submit('Session:recordProgress', { eventId: cast.eventId(), sessionId: 's-1', energyWh })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const [conflict] = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(conflict).toBeInstanceOf(LedgerUnavailable);
  });

  it('stamps each transaction with the bridge’s clock, at least a millisecond after the previous one', async () => {
    await ledger.submit('Session:openSession', openRequest(cast, 's-1', driver), { transient: driver.proof });
    await ledger.submit('Session:openSession', openRequest(cast, 's-2', driver), { transient: driver.proof });
    const sessions = await Promise.all(['s-1', 's-2'].map((sessionId) => cast.network.evaluate(cast.operator, 'Session:getSession', { sessionId })));
    expect(sessions.map((session) => session.openedAtMs)).toEqual([OPENED_AT, OPENED_AT + 1]);
  });
});
