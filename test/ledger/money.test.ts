import { LedgerRefusal } from '@chargeledger/ledger-client';
import { aDriverWithCard, anOperatorAccount, balanceOn, eventId, uniqueId } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest } from '../../support/ledger/ledgers';

/**
 * Money comes in once per payment and leaves only where its owner said, on whichever ledger runs: the same
 * expectations on the embedded ledger and on the Fabric network (decision 0027).
 */

let ledger: LedgerUnderTest;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});

const requestRef = 'ab'.repeat(32);

describe('money in', () => {
  it('credits a payment once, whatever event id carries it, and to one account only', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 0 });
    const other = await aDriverWithCard(ledger, { topUp: 0 });
    const reference = uniqueId('stripe:pi');
    const wallets = ledger.party('wallets');
    const topUp = { accountId: driver.accountId, amount: 2500, reference };
    const first = eventId();
    await wallets.submit('Wallet:topUp', { eventId: first, ...topUp });
    // The same delivery again: the ledger answers with what it recorded and credits nothing.
    await expect(wallets.submit('Wallet:topUp', { eventId: first, ...topUp })).resolves.toMatchObject({ balance: 2500 });
    await expect(wallets.submit('Wallet:topUp', { eventId: eventId(), ...topUp })).rejects.toMatchObject({ name: 'LedgerRefusal', code: 'ALREADY_EXISTS' });
    await expect(wallets.submit('Wallet:topUp', { eventId: eventId(), ...topUp, accountId: other.accountId })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await balanceOn(ledger, driver.accountId)).toBe(2500);
    expect(await balanceOn(ledger, other.accountId)).toBe(0);
    await expect(ledger.party('authority').evaluate('Wallet:getPayment', { reference })).resolves.toMatchObject({ accountId: driver.accountId, amount: 2500, refunded: 0 });
  });

  it('lets no organization but Wallets credit an account', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 0 });
    for (const party of ['operator', 'prosumer', 'authority'] as const) {
      await expect(ledger.party(party).submit('Wallet:topUp', { eventId: eventId(), accountId: driver.accountId, amount: 100, reference: uniqueId('bank') })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    }
    expect(await balanceOn(ledger, driver.accountId)).toBe(0);
  });
});

describe('money out', () => {
  it("refuses a driver's payout to a destination the driver did not confirm, or without the driver's request", async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 3000 });
    const wallets = ledger.party('wallets');
    const payout = (destination: string, withRequest = true) =>
      wallets.submit('Wallet:requestPayout', { eventId: eventId(), accountId: driver.accountId, payoutId: uniqueId('po'), amount: 500, destination, ...(withRequest ? { requestRef } : {}) });
    await expect(payout('iban:DE89370400440532013000')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(payout('destination:never-confirmed')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    await expect(payout(`refund:psp-${driver.accountId}`, false)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await balanceOn(ledger, driver.accountId)).toBe(3000);
  });

  it('refunds a payment up to what it brought, and pays a confirmed bank account', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 3000 });
    const wallets = ledger.party('wallets');
    const refund = await wallets.submit('Wallet:requestPayout', { eventId: eventId(), accountId: driver.accountId, payoutId: uniqueId('po'), amount: 1000, destination: `refund:psp-${driver.accountId}`, requestRef });
    expect(refund).toMatchObject({ status: 'requested', requestRef });
    await expect(wallets.submit('Wallet:requestPayout', { eventId: eventId(), accountId: driver.accountId, payoutId: uniqueId('po'), amount: 2001, destination: `refund:psp-${driver.accountId}`, requestRef })).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    const destinationId = uniqueId('dest');
    await wallets.submit('Wallet:confirmPayoutDestination', { eventId: eventId(), accountId: driver.accountId, destinationId, fingerprint: 'cd'.repeat(32), confirmation: 'ef'.repeat(32) });
    await wallets.submit('Wallet:requestPayout', { eventId: eventId(), accountId: driver.accountId, payoutId: uniqueId('po'), amount: 1500, destination: `destination:${destinationId}`, requestRef });
    expect(await balanceOn(ledger, driver.accountId)).toBe(500);
  });

  it("lets only the operator itself ask for its account's money", async () => {
    const accountId = await anOperatorAccount(ledger, 2000);
    const request = () => ({ eventId: eventId(), accountId, payoutId: uniqueId('po'), amount: 700, destination: 'iban:DE89370400440532013000' });
    await expect(ledger.party('wallets').submit('Wallet:requestPayout', request())).rejects.toBeInstanceOf(LedgerRefusal);
    await expect(ledger.party('operator').submit('Wallet:requestPayout', request())).resolves.toMatchObject({ status: 'requested' });
    expect(await balanceOn(ledger, accountId)).toBe(1300);
  });
});
