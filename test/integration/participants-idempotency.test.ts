import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestOf, ResultOf, TransactionName } from '@chargeledger/chaincode/api';
import { type EmbeddedLedger, openEmbeddedLedger } from '@chargeledger/embedded-ledger';
import { type CallOptions, type ChargingLedger, LedgerUnavailable } from '@chargeledger/ledger-client';
import { startParticipantsService, type OrganizationLedger, type RunningParticipantsService } from '@chargeledger/participants';
import { StripeApiStandIn } from '../support/stripe-api-stand-in';
import { call, ExportMeter, ParticipantsStack, type Reply } from './participants-support';

/**
 * Every POST of the participants' services sent twice with one Idempotency-Key: one ledger effect, the same
 * answer. The services run as their own processes on one embedded ledger, as `npm start` runs them.
 */

let stripe: StripeApiStandIn;
let stack: ParticipantsStack;
let url: Record<'wallets' | 'operators' | 'prosumers' | 'authority', string>;
let staff: Record<'wallets' | 'operators' | 'authority', string>;
beforeAll(async () => {
  stripe = await StripeApiStandIn.start();
  stack = await ParticipantsStack.start(['wallets', 'operators', 'prosumers', 'authority'], { env: stripe.env() });
  url = { wallets: stack.url('wallets'), operators: stack.url('operators'), prosumers: stack.url('prosumers'), authority: stack.url('authority') };
  staff = { wallets: await stack.staffToken('wallets'), operators: await stack.staffToken('operators'), authority: await stack.staffToken('authority') };
}, 90_000);
afterAll(async () => {
  await stack?.close();
  await stripe?.close();
});

let keys = 0;
/** Sends one request twice with the same new key; both answers, and the blocks the ledger cut meanwhile. */
async function twice(service: string, route: string, options: { token?: string; body: unknown }): Promise<{ first: Reply; second: Reply; blocksByFirst: number; blocksBySecond: number }> {
  const headers = { 'idempotency-key': `retry-test-${++keys}-${Date.now()}` };
  const before = stack.embedded.height();
  const first = await call(service, 'POST', route, { ...options, headers });
  const between = stack.embedded.height();
  const second = await call(service, 'POST', route, { ...options, headers });
  return { first, second, blocksByFirst: between - before, blocksBySecond: stack.embedded.height() - between };
}

function expectOnce(result: Awaited<ReturnType<typeof twice>>, status: number): void {
  expect(result.first.status).toBe(status);
  expect(result.blocksByFirst).toBeGreaterThan(0);
  expect(result.second).toEqual({ status: result.first.status, body: result.first.body, replayed: true });
  expect(result.blocksBySecond).toBe(0);
}

describe('a POST retried with the same Idempotency-Key', () => {
  it('takes effect once and answers the same, at every organization’s service', async () => {
    const signUp = await twice(url.wallets, '/api/drivers', { body: { username: 'retry-driver', password: 'a long password 1', name: 'Erika', email: 'e@example.org' } });
    expectOnce(signUp, 201);
    const driver = { token: (signUp.first.body as { token: string }).token, accountId: (signUp.first.body as { user: { party: string } }).user.party };

    expectOnce(await twice(url.wallets, '/api/accounts', { token: staff.wallets, body: { accountId: 'acc-retry-op', kind: 'operator', ownerId: 'op-1', currency: 'EUR' } }), 201);
    expectOnce(await twice(url.wallets, `/api/accounts/${driver.accountId}/bank-transfers`, { token: staff.wallets, body: { amount: 5000, reference: 'SEPA-RETRY-1' } }), 200);
    expect((await stack.ledgerAs('WalletsMSP').evaluate('Wallet:getAccount', { accountId: driver.accountId })).balance).toBe(5000);
    const cardRequest = await twice(url.wallets, `/api/accounts/${driver.accountId}/cards`, { token: driver.token, body: { idToken: '04RETRY0000001' } });
    // A driver's card request is kept by the service until staff confirm it (decision 0030): no block, one request.
    expect(cardRequest.first.status).toBe(202);
    expect(cardRequest.second).toEqual({ status: 202, body: cardRequest.first.body, replayed: true });
    expectOnce(await twice(url.wallets, `/api/card-requests/${(cardRequest.first.body as { requestRef: string }).requestRef}/confirmation`, { token: staff.wallets, body: {} }), 201);
    const destination = await twice(url.wallets, `/api/accounts/${driver.accountId}/payout-destinations`, { token: driver.token, body: { iban: 'DE89370400440532013000' } });
    expectOnce(destination, 201);
    const payout = await twice(url.wallets, `/api/accounts/${driver.accountId}/payouts`, { token: driver.token, body: { amount: 1000, destinationId: (destination.first.body as { destinationId: string }).destinationId } });
    expectOnce(payout, 201);
    expect((await stack.ledgerAs('WalletsMSP').evaluate('Wallet:getAccount', { accountId: driver.accountId })).balance).toBe(4000);
    expectOnce(await twice(url.wallets, `/api/accounts/${driver.accountId}/payouts/${(payout.first.body as { payoutId: string }).payoutId}/paid`, { token: staff.wallets, body: { reference: 'SEPA-OUT-RETRY' } }), 200);

    const intents = stripe.intents.size;
    const topUp = await twice(url.wallets, `/api/accounts/${driver.accountId}/top-ups`, { token: driver.token, body: { amount: 700 } });
    expect(topUp.second).toEqual({ status: 201, body: topUp.first.body, replayed: true });
    expect(stripe.intents.size).toBe(intents + 1);

    const prosumer = await twice(url.prosumers, '/api/prosumers', { body: { username: 'retry-solar', password: 'a long password 1' } });
    expect(prosumer.second).toEqual({ status: 201, body: prosumer.first.body, replayed: true });
    const prosumerId = (prosumer.first.body as { user: { party: string } }).user.party;
    expectOnce(await twice(url.authority, '/api/meters', { token: staff.authority, body: { meterSerial: `PV-${prosumerId}`, binding: { kind: 'export-point', prosumerId, exportPointId: 'X1' }, keyId: 'k1', publicKey: new ExportMeter(`PV-${prosumerId}`).publicKey } }), 201);
    expectOnce(await twice(url.operators, '/api/tariffs', { token: staff.operators, body: { tariff: { id: 'RETRY', version: 1, currency: 'EUR', utcOffsetMinutes: 60, vatBasisPoints: 1900, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }] }] } } }), 201);
  });

  it('is refused with 422 when the key comes back with another request, and leaves the first effect alone', async () => {
    const headers = { 'idempotency-key': 'one key, two requests' };
    const driver = await call<{ user: { party: string } }>(url.wallets, 'POST', '/api/drivers', { body: { username: 'retry-other', password: 'a long password 1', name: 'E', email: 'e@example.org' } });
    const accountId = driver.body.user.party;
    expect((await call(url.wallets, 'POST', `/api/accounts/${accountId}/bank-transfers`, { token: staff.wallets, body: { amount: 100, reference: 'SEPA-A' }, headers })).status).toBe(200);
    expect(await call(url.wallets, 'POST', `/api/accounts/${accountId}/bank-transfers`, { token: staff.wallets, body: { amount: 100_000, reference: 'SEPA-B' }, headers })).toMatchObject({ status: 422, body: { error: 'IdempotencyKeyReused' } });
    expect((await stack.ledgerAs('WalletsMSP').evaluate('Wallet:getAccount', { accountId })).balance).toBe(100);
  });

  it('is the caller’s own: another member of staff with the same key makes a request of their own', async () => {
    const accountId = (await call<{ user: { party: string } }>(url.wallets, 'POST', '/api/drivers', { body: { username: 'retry-third', password: 'a long password 1', name: 'E', email: 'e@example.org' } })).body.user.party;
    const asStaff = (token: string, reference: string) => call(url.wallets, 'POST', `/api/accounts/${accountId}/bank-transfers`, { token, body: { amount: 100, reference }, headers: { 'idempotency-key': 'shared-key' } });
    expect((await asStaff(staff.wallets, 'SEPA-C')).status).toBe(200);
    const added = await call(url.wallets, 'POST', '/api/users', { token: staff.wallets, body: { username: 'second-staff', password: 'a long password 2' } });
    expect(added.status).toBe(201);
    const second = await call<{ token: string }>(url.wallets, 'POST', '/api/session', { body: { username: 'second-staff', password: 'a long password 2' } });
    expect((await asStaff(second.body.token, 'SEPA-D')).status).toBe(200);
    expect((await stack.ledgerAs('WalletsMSP').evaluate('Wallet:getAccount', { accountId })).balance).toBe(200);
  });
});

/**
 * A commit whose status does not arrive in time: the first submit of each request commits on the real
 * embedded ledger and then fails as a lost commit status would. The service looks again on the ledger
 * before answering, so the client is told of the effect, and there is one.
 */
describe('a commit whose status did not arrive', () => {
  let dataDir: string;
  let ledger: EmbeddedLedger;
  let service: RunningParticipantsService;
  const lost: string[] = [];

  /** Commits for real, then answers as a commit-status deadline would; once per event id. */
  const losingFirstStatus = (inner: ChargingLedger): ChargingLedger => ({
    evaluate: (name, request, options) => inner.evaluate(name, request, options),
    submit: async <T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> => {
      const result = await inner.submit(name, request, options);
      const eventId = (request as { eventId: string }).eventId;
      if (lost.includes(eventId)) return result;
      lost.push(eventId);
      throw new LedgerUnavailable({ stage: 'commit-status', code: 4, transactionId: `tx-of-${eventId}`, cause: new Error('DEADLINE_EXCEEDED: the commit status did not arrive in time') });
    },
  });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'chargeledger-commit-status-'));
    ledger = await openEmbeddedLedger({ dataDir: path.join(dataDir, 'ledger'), client: { mspId: 'WalletsMSP', attributes: {} }, clock: { now: () => Date.now() } });
    const wallets = losingFirstStatus(ledger.asOrganization('WalletsMSP', {}));
    const organizationLedger: OrganizationLedger = { organization: 'wallets', ledger: wallets, forParty: async () => wallets, proof: async () => Promise.reject(new Error('no proofs here')), close: async () => undefined };
    service = await startParticipantsService({
      organization: 'wallets',
      ledger: organizationLedger,
      ledgerKind: 'embedded',
      dataDir,
      host: '127.0.0.1',
      port: 0,
      services: { wallets: '', operators: '', prosumers: '', authority: '' },
      csms: { url: 'http://127.0.0.1:9', keyFile: path.join(dataDir, 'no-key') },
      firstStaff: { username: 'wallets-admin', password: 'a long password 1' },
      clock: { now: () => Date.now() },
      sessionTtlMs: 3_600_000,
      throttleLimits: { signInPerAccount: 10, signInPerAddress: 30, signUpPerAddress: 20 },
      logger: false,
    });
  });
  afterAll(async () => {
    await service?.close();
    await ledger?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('is looked up on the ledger before the answer: 200 with the effect, never "try again", and one credit', async () => {
    const token = (await call<{ token: string }>(service.url, 'POST', '/api/session', { body: { username: 'wallets-admin', password: 'a long password 1' } })).body.token;
    const account = await call(service.url, 'POST', '/api/accounts', { token, body: { accountId: 'drv-lost-status', kind: 'driver', currency: 'EUR', sessionLimit: 2000 } });
    expect(account.status).toBe(201);
    const heightBefore = ledger.height();
    const transfer = await call(service.url, 'POST', '/api/accounts/drv-lost-status/bank-transfers', { token, body: { amount: 2500, reference: 'SEPA-LOST-STATUS' }, headers: { 'idempotency-key': 'lost-status-1' } });
    expect(transfer).toMatchObject({ status: 200, body: { accountId: 'drv-lost-status', balance: 2500 } });
    expect(lost.length).toBeGreaterThanOrEqual(2);
    // The look-up was a replay of the committed event: one more block (the credit) and no second credit.
    expect((await ledger.asOrganization('WalletsMSP', {}).evaluate('Wallet:getAccount', { accountId: 'drv-lost-status' })).balance).toBe(2500);
    const history = await ledger.asOrganization('WalletsMSP', {}).evaluate('Wallet:getHistory', { accountId: 'drv-lost-status' });
    expect(history.entries.filter((entry) => entry.reason === 'top-up')).toHaveLength(1);
    expect(ledger.height()).toBeGreaterThan(heightBefore);
  });
});
