import { KeyEndorsementPolicy } from 'fabric-shim';
import type { AccountKind, MspId } from '../api';
import { aDriver, anAccount, aNetwork, type Cast } from '../testing/fixtures';

const accountKey = (accountId: string): string => `\x00cl.account\x00${accountId}\x00`;

describe('Payouts and the owner of an account', () => {
  let cast: Cast;
  beforeEach(() => {
    cast = aNetwork();
  });

  const request = (accountId: string, amount: number, payoutId = 'po-1', destination = 'iban:DE89370400440532013000') => ({ eventId: cast.eventId(), accountId, payoutId, amount, destination });
  const view = (accountId: string) => cast.network.evaluate(cast.wallets, 'Wallet:getAccount', { accountId });

  it.each<[AccountKind, string, MspId]>([
    ['driver', '', 'WalletsMSP'],
    ['operator', 'op-1', 'OperatorsMSP'],
    ['operator', 'op-2', 'Operators2MSP'],
    ['prosumer', 'x-1', 'ProsumersMSP'],
  ])('gives a %s account (owner %s) the key-level policy of %s, its owner organization', async (kind, owner, ownerMsp) => {
    const ownerId = kind === 'driver' ? {} : { ownerId: owner };
    const sessionLimit = kind === 'driver' ? { sessionLimit: 1000 } : {};
    await cast.network.submit(cast.wallets, 'Wallet:openAccount', { eventId: cast.eventId(), accountId: 'a-1', kind, currency: 'EUR', ...ownerId, ...sessionLimit });
    expect(new KeyEndorsementPolicy(cast.network.world.validationParameter(accountKey('a-1'))).listOrgs()).toEqual([ownerMsp]);
  });

  it('opens no account for an operator the ledger has not admitted', async () => {
    await expect(cast.network.submit(cast.wallets, 'Wallet:openAccount', { eventId: cast.eventId(), accountId: 'a-9', kind: 'operator', ownerId: 'op-9', currency: 'EUR' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("pays an operator's money out only when the operator asks, to the destination it named", async () => {
    await anAccount(cast, 'acc-op1', 'operator', 'op-1', 1000);
    await expect(cast.network.submit(cast.wallets, 'Wallet:requestPayout', request('acc-op1', 400))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(cast.rival, 'Wallet:requestPayout', request('acc-op1', 400))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(cast.prosumer, 'Wallet:requestPayout', request('acc-op1', 400))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(cast.network.submit(cast.wallets, 'Wallet:payout', { eventId: cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', reference: 'bank-1' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    const requested = await cast.network.submit(cast.operator, 'Wallet:requestPayout', request('acc-op1', 400));
    expect(requested).toMatchObject({ status: 'requested', amount: 400, currency: 'EUR', destination: 'iban:DE89370400440532013000' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'PayoutRequested', payload: { accountId: 'acc-op1', payoutId: 'po-1', amount: 400 } });
    expect(await view('acc-op1')).toMatchObject({ balance: 600, available: 600, debited: 400 });

    await expect(cast.network.submit(cast.operator, 'Wallet:payout', { eventId: cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', reference: 'bank-1' })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    const paid = await cast.network.submit(cast.wallets, 'Wallet:payout', { eventId: cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', reference: 'bank-1' });
    expect(paid).toMatchObject({ status: 'paid', reference: 'bank-1', destination: 'iban:DE89370400440532013000', amount: 400 });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'PayoutMade', payload: { accountId: 'acc-op1', payoutId: 'po-1', amount: 400, destination: 'iban:DE89370400440532013000' } });
    expect(await cast.network.evaluate(cast.authority, 'Wallet:getPayout', { accountId: 'acc-op1', payoutId: 'po-1' })).toEqual(paid);
    await expect(cast.network.submit(cast.wallets, 'Wallet:payout', { eventId: cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', reference: 'bank-2' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
    expect(await view('acc-op1')).toMatchObject({ balance: 600 });
  });

  it("lets a prosumer ask for its own account's money, and Wallets ask for a driver's", async () => {
    await anAccount(cast, 'acc-pro1', 'prosumer', 'pro-1', 300);
    await aDriver(cast, 'drv-1', { topUp: 500 });
    await expect(cast.network.submit(cast.operator, 'Wallet:requestPayout', request('drv-1', 100))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await cast.network.submit(cast.prosumer, 'Wallet:requestPayout', request('acc-pro1', 300))).toMatchObject({ status: 'requested' });
    const driverPayout = { ...request('drv-1', 100, 'po-d', 'refund:ref-drv-1'), requestRef: 'c'.repeat(64) };
    expect(await cast.network.submit(cast.wallets, 'Wallet:requestPayout', driverPayout)).toMatchObject({ destination: 'refund:ref-drv-1', requestRef: 'c'.repeat(64) });
    expect(await view('acc-pro1')).toMatchObject({ balance: 0 });
    expect(await view('drv-1')).toMatchObject({ balance: 400 });
  });

  it('never lets a request take a balance below zero, nor reuse a payout id', async () => {
    await anAccount(cast, 'acc-op1', 'operator', 'op-1', 1000);
    await expect(cast.network.submit(cast.operator, 'Wallet:requestPayout', request('acc-op1', 1001))).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    await cast.network.submit(cast.operator, 'Wallet:requestPayout', request('acc-op1', 1000));
    expect(await view('acc-op1')).toMatchObject({ balance: 0, available: 0 });
    await cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), accountId: 'acc-op1', amount: 5, reference: 'r' });
    await expect(cast.network.submit(cast.operator, 'Wallet:requestPayout', request('acc-op1', 1))).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('credits a payout Wallets could not make back to the account', async () => {
    await anAccount(cast, 'acc-op1', 'operator', 'op-1', 1000);
    await cast.network.submit(cast.operator, 'Wallet:requestPayout', request('acc-op1', 700));
    const returned = await cast.network.submit(cast.wallets, 'Wallet:returnPayout', { eventId: cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', reference: 'bounced-1' });
    expect(returned).toMatchObject({ status: 'returned', reference: 'bounced-1' });
    expect(cast.network.events.at(-1)).toMatchObject({ name: 'PayoutReturned', payload: { amount: 700 } });
    expect(await view('acc-op1')).toMatchObject({ balance: 1000 });
    await expect(cast.network.submit(cast.wallets, 'Wallet:payout', { eventId: cast.eventId(), accountId: 'acc-op1', payoutId: 'po-1', reference: 'b' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
  });

  it.each<[string, () => Promise<void>, string, MspId[]]>([
    ['an operator', async () => anAccount(cast, 'a-1', 'operator', 'op-1', 1000), 'OperatorsMSP', ['WalletsMSP', 'ProsumersMSP', 'AuthorityMSP']],
    ['a prosumer', async () => anAccount(cast, 'a-1', 'prosumer', 'pro-1', 1000), 'ProsumersMSP', ['WalletsMSP', 'OperatorsMSP', 'AuthorityMSP']],
  ])("does not commit a payout of %s's account that its owner organization's peer did not endorse", async (_kind, open, owner, others) => {
    await open();
    const who = owner === 'OperatorsMSP' ? cast.operator : cast.prosumer;
    await expect(cast.network.submit(who, 'Wallet:requestPayout', request('a-1', 100), { endorsers: others })).rejects.toMatchObject({
      name: 'CommitError',
      code: 'ENDORSEMENT_POLICY_FAILURE',
    });
    await expect(cast.network.submit(who, 'Wallet:requestPayout', request('a-1', 100), { endorsers: [owner as MspId] })).rejects.toMatchObject({
      name: 'CommitError',
      code: 'ENDORSEMENT_POLICY_FAILURE',
    });
    expect(await view('a-1')).toMatchObject({ balance: 1000 });
  });

  it('does not count a debit entry that three organizations commit without the owner: only the account record lowers a balance', async () => {
    await anAccount(cast, 'acc-op1', 'operator', 'op-1', 1000);
    const forgedKey = '\x00cl.entry\x00acc-op1\x00forged\x000\x00';
    const forged = { accountId: 'acc-op1', amount: -1000, reason: 'payout', ref: 'forged', txId: 'forged', timestampMs: cast.network.nowMs };
    const [failure] = cast.network.commit([
      {
        txId: 'forged',
        payload: '{}',
        rwset: {
          reads: new Map(),
          ranges: [],
          privateReads: new Map(),
          writes: new Map([[forgedKey, Buffer.from(JSON.stringify(forged))]]),
          validation: new Map(),
          privateWrites: new Map(),
        },
        event: undefined,
        endorsers: ['WalletsMSP', 'ProsumersMSP', 'AuthorityMSP'],
      },
    ]);
    // A new key carries no key-level policy: the chaincode policy is all Fabric asks of it, and Wallets and the Authority are among the three.
    expect(failure).toBeUndefined();
    expect(await view('acc-op1')).toMatchObject({ balance: 1000, available: 1000 });
  });

  describe("a driver's money", () => {
    const requestRef = 'd'.repeat(64);
    const driverRequest = (amount: number, destination: string, payoutId = cast.eventId()) => ({ ...request('drv-1', amount, payoutId, destination), requestRef });
    beforeEach(async () => aDriver(cast, 'drv-1', { topUp: 500 }));

    it('goes nowhere Wallets chose on its own: a bank account the driver did not confirm is refused, and so is a request without the driver’s', async () => {
      await expect(cast.network.submit(cast.wallets, 'Wallet:requestPayout', driverRequest(100, 'iban:DE89370400440532013000'))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(cast.network.submit(cast.wallets, 'Wallet:requestPayout', driverRequest(100, 'destination:bank-1'))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      await expect(cast.network.submit(cast.wallets, 'Wallet:requestPayout', request('drv-1', 100, 'po-x', 'refund:ref-drv-1'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect(await view('drv-1')).toMatchObject({ balance: 500 });
    });

    it('goes to a bank account the driver confirmed, recorded by its fingerprint only', async () => {
      const confirmed = await cast.network.submit(cast.wallets, 'Wallet:confirmPayoutDestination', { eventId: cast.eventId(), accountId: 'drv-1', destinationId: 'bank-1', fingerprint: 'e'.repeat(64), confirmation: 'f'.repeat(64) });
      expect(confirmed).toMatchObject({ accountId: 'drv-1', destinationId: 'bank-1', fingerprint: 'e'.repeat(64) });
      expect(await cast.network.submit(cast.wallets, 'Wallet:requestPayout', driverRequest(300, 'destination:bank-1'))).toMatchObject({ status: 'requested', destination: 'destination:bank-1', requestRef });
      expect(await view('drv-1')).toMatchObject({ balance: 200 });
    });

    it('goes back to the payment it came from, never more than that payment, and a returned refund may be asked again', async () => {
      await expect(cast.network.submit(cast.wallets, 'Wallet:requestPayout', driverRequest(501, 'refund:ref-drv-1'))).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
      await cast.network.submit(cast.wallets, 'Wallet:requestPayout', driverRequest(300, 'refund:ref-drv-1', 'po-1'));
      await expect(cast.network.submit(cast.wallets, 'Wallet:requestPayout', driverRequest(201, 'refund:ref-drv-1'))).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
      expect(await cast.network.evaluate(cast.authority, 'Wallet:getPayment', { reference: 'ref-drv-1' })).toMatchObject({ accountId: 'drv-1', amount: 500, refunded: 300 });
      await cast.network.submit(cast.wallets, 'Wallet:returnPayout', { eventId: cast.eventId(), accountId: 'drv-1', payoutId: 'po-1', reference: 'refund-failed' });
      expect(await cast.network.evaluate(cast.authority, 'Wallet:getPayment', { reference: 'ref-drv-1' })).toMatchObject({ refunded: 0 });
      expect(await view('drv-1')).toMatchObject({ balance: 500 });
    });

    it('refunds only a payment credited to this account', async () => {
      await aDriver(cast, 'drv-2', { topUp: 900 });
      await expect(cast.network.submit(cast.wallets, 'Wallet:requestPayout', driverRequest(100, 'refund:ref-drv-2'))).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    });
  });

  it('credits a payment once, whatever event id carries it: its reference is unique on the ledger', async () => {
    await aDriver(cast, 'drv-1', { topUp: 500 });
    await aDriver(cast, 'drv-2');
    const again = { accountId: 'drv-1', amount: 500, reference: 'ref-drv-1' };
    await expect(cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), ...again })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(cast.network.submit(cast.wallets, 'Wallet:topUp', { eventId: cast.eventId(), ...again, accountId: 'drv-2' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await view('drv-1')).toMatchObject({ balance: 500 });
    expect(await view('drv-2')).toMatchObject({ balance: 0 });
  });
});
