import { StripeApiStandIn } from '../support/stripe-api-stand-in';
import { call, ParticipantsStack, type Reply } from './participants-support';

/**
 * Money in and out of a driver's wallet through the Wallets service as its own process, with the real
 * `stripe` SDK talking to a local stand-in of Stripe's API, and webhooks signed by the SDK's test helper.
 */

let stripe: StripeApiStandIn;
let stack: ParticipantsStack;
let wallets: string;
let staff: string;
beforeAll(async () => {
  stripe = await StripeApiStandIn.start();
  stack = await ParticipantsStack.start(['wallets'], { env: stripe.env() });
  wallets = stack.url('wallets');
  staff = await stack.staffToken('wallets');
});
afterAll(async () => {
  await stack?.close();
  await stripe?.close();
});

let drivers = 0;
const aDriver = async (): Promise<{ token: string; accountId: string }> => {
  const reply = await call<{ token: string; user: { party: string } }>(wallets, 'POST', '/api/drivers', { body: { username: `money-${++drivers}`, password: 'a long password 1', name: 'Erika Mustermann', email: 'erika@example.org' } });
  expect(reply.status).toBe(201);
  return { token: reply.body.token, accountId: reply.body.user.party };
};
const balanceOf = async (accountId: string): Promise<number> => (await stack.ledgerAs('WalletsMSP').evaluate('Wallet:getAccount', { accountId })).balance;
const deliver = (payload: string, signature: string | undefined): Promise<Reply> =>
  fetch(`${wallets}/api/payments/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'stripe-signature': signature }) }, body: payload }).then(async (response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    replayed: false,
  }));
const askForTopUp = async (driver: { token: string; accountId: string }, amount: number): Promise<{ paymentId: string; reference: string }> => {
  const reply = await call<{ paymentId: string; reference: string; clientSecret: string; status: string }>(wallets, 'POST', `/api/accounts/${driver.accountId}/top-ups`, { token: driver.token, body: { amount } });
  expect(reply).toMatchObject({ status: 201, body: { provider: 'stripe', amount, currency: 'EUR', status: 'requires_payment_method', clientSecret: expect.stringContaining('_secret_') } });
  return reply.body;
};

describe('money in', () => {
  it('credits nothing on a driver’s request: only the provider’s signed confirmation credits, once however often it is delivered', async () => {
    const driver = await aDriver();
    const { paymentId, reference } = await askForTopUp(driver, 2500);
    expect(await balanceOf(driver.accountId)).toBe(0);
    expect(stripe.intents.get(paymentId)).toMatchObject({ amount: 2500, currency: 'eur', metadata: { accountId: driver.accountId } });

    const succeeded = stripe.succeed(paymentId);
    const first = await deliver(succeeded.payload, stripe.sign(succeeded.payload));
    expect(first).toMatchObject({ status: 200, body: { received: true, credited: { accountId: driver.accountId, amount: 2500, reference } } });
    // Providers redeliver: the same event again, and again with a fresh signature.
    for (let i = 0; i < 3; i++) expect((await deliver(succeeded.payload, stripe.sign(succeeded.payload))).status).toBe(200);
    expect(await balanceOf(driver.accountId)).toBe(2500);
    // Another event for the same payment (a provider's second notice) is the same payment: the ledger answers
    // with the credit it recorded the first time and credits nothing more.
    const again = stripe.event('payment_intent.succeeded', stripe.intents.get(paymentId));
    expect(await deliver(again.payload, stripe.sign(again.payload))).toMatchObject({ status: 200, body: { credited: { amount: 2500, reference } } });
    expect(await balanceOf(driver.accountId)).toBe(2500);
    expect(await stack.ledgerAs('AuthorityMSP').evaluate('Wallet:getPayment', { reference })).toMatchObject({ accountId: driver.accountId, amount: 2500, refunded: 0 });
  });

  it('refuses webhooks that are unsigned, forged, stale or malformed, and credits nothing', async () => {
    const driver = await aDriver();
    const { paymentId } = await askForTopUp(driver, 1000);
    const succeeded = stripe.succeed(paymentId);
    expect(await deliver(succeeded.payload, undefined)).toMatchObject({ status: 400, body: { error: 'WebhookRefused', reason: 'unsigned' } });
    expect(await deliver(succeeded.payload, stripe.sign(succeeded.payload, { secret: 'whsec_not_the_secret' }))).toMatchObject({ status: 400, body: { reason: 'bad-signature' } });
    const tampered = succeeded.payload.replace('"amount":1000', '"amount":100000');
    expect(await deliver(tampered, stripe.sign(succeeded.payload))).toMatchObject({ status: 400, body: { reason: 'bad-signature' } });
    expect(await deliver(succeeded.payload, stripe.sign(succeeded.payload, { timestampS: Math.floor(Date.now() / 1000) - 3600 }))).toMatchObject({ status: 400, body: { reason: 'stale' } });
    const noAccount = stripe.event('payment_intent.succeeded', { ...stripe.intents.get(paymentId), metadata: {} });
    expect(await deliver(noAccount.payload, stripe.sign(noAccount.payload))).toMatchObject({ status: 400, body: { reason: 'malformed' } });
    expect(await balanceOf(driver.accountId)).toBe(0);
    const other = stripe.event('charge.refunded', { id: 'ch_1' });
    expect(await deliver(other.payload, stripe.sign(other.payload))).toMatchObject({ status: 200, body: { ignored: 'charge.refunded' } });
  });

  it('has no route by which a driver credits an account', async () => {
    const driver = await aDriver();
    const attempts: [string, unknown][] = [
      [`/api/accounts/${driver.accountId}/bank-transfers`, { amount: 100_000_00, reference: 'self-made' }],
      [`/api/accounts/${driver.accountId}/top-ups`, { amount: 100_000_00, reference: 'psp-1' }],
      ['/api/accounts', { accountId: 'drv-mine', kind: 'driver', currency: 'EUR', sessionLimit: 100 }],
    ];
    for (const [route, body] of attempts) expect((await call(wallets, 'POST', route, { token: driver.token, body })).status).toBeGreaterThanOrEqual(400);
    expect(await balanceOf(driver.accountId)).toBe(0);
  });

  it('credits a bank transfer once per reference, however often staff record it', async () => {
    const driver = await aDriver();
    const record = (key: string) => call(wallets, 'POST', `/api/accounts/${driver.accountId}/bank-transfers`, { token: staff, body: { amount: 4200, reference: 'SEPA-2026-12-07-0001' }, headers: { 'idempotency-key': key } });
    expect(await record('first')).toMatchObject({ status: 200, body: { balance: 4200 } });
    expect(await record('a second member of staff')).toMatchObject({ status: 409, body: { code: 'ALREADY_EXISTS' } });
    expect(await balanceOf(driver.accountId)).toBe(4200);
  });
});

describe('money out', () => {
  const topUpByCard = async (driver: { token: string; accountId: string }, amount: number): Promise<string> => {
    const { paymentId, reference } = await askForTopUp(driver, amount);
    const succeeded = stripe.succeed(paymentId);
    expect((await deliver(succeeded.payload, stripe.sign(succeeded.payload))).status).toBe(200);
    return reference;
  };

  it('refunds to the payment the money came from, at the provider, never more than it brought', async () => {
    const driver = await aDriver();
    const reference = await topUpByCard(driver, 3000);
    const paymentId = reference.slice('stripe:'.length);
    const payout = await call<{ payoutId: string }>(wallets, 'POST', `/api/accounts/${driver.accountId}/payouts`, { token: driver.token, body: { amount: 1200, refundOf: reference }, headers: { 'idempotency-key': 'refund-1' } });
    expect(payout).toMatchObject({ status: 201, body: { status: 'paid', amount: 1200, destination: `refund:${reference}`, requestRef: expect.stringMatching(/^[0-9a-f]{64}$/), reference: expect.stringMatching(/^re_/) } });
    expect(stripe.refunds).toEqual(expect.arrayContaining([expect.objectContaining({ payment_intent: paymentId, amount: 1200, idempotencyKey: payout.body.payoutId })]));
    expect(await balanceOf(driver.accountId)).toBe(1800);
    const tooMuch = await call(wallets, 'POST', `/api/accounts/${driver.accountId}/payouts`, { token: driver.token, body: { amount: 1801, refundOf: reference } });
    expect(tooMuch).toMatchObject({ status: 422, body: { code: 'INSUFFICIENT_FUNDS' } });
    const listed = await call<{ payouts: unknown[] }>(wallets, 'GET', `/api/accounts/${driver.accountId}/payouts`, { token: driver.token });
    expect(listed.body.payouts).toEqual([expect.objectContaining({ payoutId: payout.body.payoutId, status: 'paid' })]);
  });

  it('pays out to a bank account only the driver confirmed, and never on staff’s say alone', async () => {
    const driver = await aDriver();
    await topUpByCard(driver, 5000);
    expect((await call(wallets, 'POST', `/api/accounts/${driver.accountId}/payouts`, { token: staff, body: { amount: 100, destinationId: 'dest-1' } })).status).toBe(403);
    expect((await call(wallets, 'POST', `/api/accounts/${driver.accountId}/payout-destinations`, { token: staff, body: { iban: 'DE89370400440532013000' } })).status).toBe(403);
    expect(await call(wallets, 'POST', `/api/accounts/${driver.accountId}/payouts`, { token: driver.token, body: { amount: 100, destinationId: 'dest-never-confirmed' } })).toMatchObject({ status: 403, body: { code: 'ACCESS_DENIED' } });
    await expect(
      stack.ledgerAs('WalletsMSP').submit('Wallet:requestPayout', { eventId: `evt-${Date.now()}`, accountId: driver.accountId, payoutId: 'po-staff', amount: 100, destination: 'iban:DE02120300000000202051', requestRef: 'a'.repeat(64) }),
    ).rejects.toMatchObject({ name: 'LedgerRefusal', code: 'ACCESS_DENIED' });

    const confirmed = await call<{ destinationId: string; fingerprint: string }>(wallets, 'POST', `/api/accounts/${driver.accountId}/payout-destinations`, { token: driver.token, body: { iban: 'DE89 3704 0044 0532 0130 00' } });
    expect(confirmed).toMatchObject({ status: 201, body: { accountId: driver.accountId, ibanEnding: '3000', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(JSON.stringify(await stack.ledgerAs('AuthorityMSP').evaluate('Wallet:getHistory', { accountId: driver.accountId }))).not.toContain('DE89');
    const payout = await call<{ payoutId: string }>(wallets, 'POST', `/api/accounts/${driver.accountId}/payouts`, { token: driver.token, body: { amount: 700, destinationId: confirmed.body.destinationId } });
    expect(payout).toMatchObject({ status: 201, body: { status: 'requested', destination: `destination:${confirmed.body.destinationId}` } });
    const paid = await call(wallets, 'POST', `/api/accounts/${driver.accountId}/payouts/${payout.body.payoutId}/paid`, { token: staff, body: { reference: 'SEPA-OUT-1' } });
    expect(paid).toMatchObject({ status: 200, body: { status: 'paid', reference: 'SEPA-OUT-1', amount: 700 } });
    expect(await balanceOf(driver.accountId)).toBe(4300);
  });
});
