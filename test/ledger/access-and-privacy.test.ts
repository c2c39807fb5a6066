import { type MspId, type TransactionName, TRANSACTIONS, TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { LedgerRefusal } from '@chargeledger/ledger-client';
import { aDriverWithCard, eventId, uniqueId } from '../../support/ledger/deployment';
import { type LedgerUnderTest, openLedgerUnderTest, type Party, PARTY_MSP } from '../../support/ledger/ledgers';

/**
 * What the design relies on the ledger for, tried with each organization's own identity on its own peer:
 * no organization may call another's functions, the card-to-account link stays on the Wallets peer, and a
 * driver's money cannot move without the Wallets organization's endorsement.
 */

let ledger: LedgerUnderTest;
beforeAll(async () => {
  ledger = await openLedgerUnderTest();
});
afterAll(async () => {
  await ledger.close();
});

const SUBMITS = (Object.entries(TRANSACTIONS) as [TransactionName, { kind: string; callers: readonly MspId[] }][]).filter(([, descriptor]) => descriptor.kind === 'submit');
/** One party for each organization: whichever identity of the organization tries, its MSP decides first. */
const ONE_PER_ORGANIZATION: readonly Party[] = ['operator', 'prosumer', 'wallets', 'authority'];

describe("each organization's identity against every other organization's functions", () => {
  const cells = SUBMITS.flatMap(([name, descriptor]) => ONE_PER_ORGANIZATION.filter((party) => !descriptor.callers.includes(PARTY_MSP[party] as MspId)).map((party) => [name, party] as const));

  it('covers every submit function of the chaincode', () => {
    expect(new Set(cells.map(([name]) => name)).size).toBe(SUBMITS.filter(([, d]) => d.callers.length < 4).length);
    expect(cells.length).toBeGreaterThan(40);
  });

  it.each(cells)('refuses %s called by the %s', async (name, party) => {
    const attempt = ledger.party(party).submit(name, { eventId: eventId() } as never);
    await expect(attempt).rejects.toBeInstanceOf(LedgerRefusal);
    await expect(attempt).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });
});

describe("a driver's card and money", () => {
  it("keeps the card-to-account link on the Wallets peer: another organization's peer cannot resolve the card", async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 1000 });
    const onWallets = await ledger.party('operator').evaluate('Wallet:resolveIdToken', {}, { transient: { [TRANSIENT_KEYS.idToken]: driver.idToken }, endorsingOrganizations: ['WalletsMSP'] });
    expect(onWallets).toMatchObject({ accountId: driver.accountId });
    for (const organization of ['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP']) {
      await expect(ledger.party('operator').evaluate('Wallet:resolveIdToken', {}, { transient: { [TRANSIENT_KEYS.idToken]: driver.idToken }, endorsingOrganizations: [organization] })).rejects.toThrow();
    }
  });

  it('invalidates a top-up endorsed by the three other organizations without the Wallets peer, and the balance does not move', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 1000 });
    const attempt = ledger.party('wallets').submit('Wallet:topUp', { eventId: eventId(), accountId: driver.accountId, amount: 500, reference: uniqueId('psp') }, { endorsingOrganizations: ['OperatorsMSP', 'ProsumersMSP', 'AuthorityMSP'] });
    await expect(attempt).rejects.toBeInstanceOf(LedgerRefusal);
    await expect(attempt).rejects.toMatchObject({ code: 'ENDORSEMENT_POLICY_FAILURE' });
    expect(await ledger.party('wallets').evaluate('Wallet:getAccount', { accountId: driver.accountId })).toMatchObject({ balance: 1000 });
  });

  it('invalidates a top-up endorsed by the Wallets peer alone: the chaincode policy also needs the Authority (ADR 0039)', async () => {
    const driver = await aDriverWithCard(ledger, { topUp: 1000 });
    const attempt = ledger.party('wallets').submit('Wallet:topUp', { eventId: eventId(), accountId: driver.accountId, amount: 500, reference: uniqueId('psp') }, { endorsingOrganizations: ['WalletsMSP'] });
    await expect(attempt).rejects.toMatchObject({ code: 'ENDORSEMENT_POLICY_FAILURE' });
    expect(await ledger.party('wallets').evaluate('Wallet:getAccount', { accountId: driver.accountId })).toMatchObject({ balance: 1000 });
  });

  it('lets no operator act on another’s records: the second operator, in its own organization, cannot register a station on op-1’s tariff', async () => {
    const tariffId = uniqueId('AC');
    await ledger.party('operator').submit('Tariff:publishTariff', { eventId: eventId(), tariff: { id: tariffId, version: 1, currency: 'EUR', utcOffsetMinutes: 60, vatBasisPoints: 1900, elements: [{ priceComponents: [{ type: 'ENERGY', priceMicro: 390_000, stepSize: 1 }] }] } });
    const payee = uniqueId('payee');
    await ledger.party('wallets').submit('Wallet:openAccount', { eventId: eventId(), accountId: payee, kind: 'operator', ownerId: 'op-2', currency: 'EUR' });
    const attempt = ledger.party('secondOperator').submit('Registry:registerStation', {
      eventId: eventId(),
      stationId: uniqueId('ST'),
      payeeAccountId: payee,
      latMicroDeg: 52_520_008,
      lonMicroDeg: 13_404_954,
      evses: [{ evseId: '1', connectors: [{ connectorId: '1', type: 'IEC_62196_T2', maxPowerW: 11_000 }] }],
      policy: { minimumHold: 500 },
      tariffId,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });
});

