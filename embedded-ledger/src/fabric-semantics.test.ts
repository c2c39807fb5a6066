import { X509Certificate } from 'node:crypto';
import { IDENTITY_ATTRIBUTES, TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { LedgerRefusal, LedgerUnavailable } from '@chargeledger/ledger-client';
import { aDataDir, aFundedDriver, aLinkedCard, openAt, removeDataDir, WALLETS_ONLY, type Parties } from './testing';

describe('Fabric semantics kept by the embedded ledger', () => {
  let dataDir: string;
  let parties: Parties;
  beforeEach(async () => {
    dataDir = await aDataDir();
    parties = await openAt(dataDir);
    await aFundedDriver(parties, 'drv-1', 10_000);
  });
  afterEach(async () => {
    await parties.ledger.close();
    await removeDataDir(dataDir);
  });

  const account = (accountId: string) => parties.wallets.evaluate('Wallet:getAccount', { accountId });

  it('invalidates the second of two concurrent transactions on the same key with an MVCC conflict, which a fresh endorsement passes', async () => {
    const { wallets, eventId, ledger } = parties;
    const first = { eventId: eventId(), accountId: 'drv-1', sessionLimit: 1000 };
    const second = { eventId: eventId(), accountId: 'drv-1', sessionLimit: 2000 };
    const outcomes = await Promise.allSettled([wallets.submit('Wallet:setSessionLimit', first), wallets.submit('Wallet:setSessionLimit', second)]);

    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    const conflict = rejected[0]!.reason as LedgerUnavailable;
    expect(conflict).toBeInstanceOf(LedgerUnavailable);
    expect(conflict).toMatchObject({ stage: 'commit', code: 11 });
    expect(await ledger.getTransaction(conflict.transactionId!)).toMatchObject({ validationCode: 'MVCC_READ_CONFLICT' });

    const winner = outcomes[0]!.status === 'fulfilled' ? first : second;
    const loser = winner === first ? second : first;
    expect(await account('drv-1')).toMatchObject({ sessionLimit: winner.sessionLimit });
    await wallets.submit('Wallet:setSessionLimit', loser);
    expect(await account('drv-1')).toMatchObject({ sessionLimit: loser.sessionLimit });
  });

  it('refuses a transaction to an organization the contract does not allow, and to an operator certificate without its operatorId', async () => {
    const { eventId, ledger } = parties;
    const prosumer = parties.prosumer;
    await expect(prosumer.submit('Wallet:openAccount', { eventId: eventId(), accountId: 'x-1', kind: 'driver', currency: 'EUR', sessionLimit: 100 })).rejects.toMatchObject({
      name: 'LedgerRefusal',
      code: 'ACCESS_DENIED',
    });
    const anonymous = ledger.asOrganization('OperatorsMSP');
    await expect(anonymous.submit('Tariff:publishTariff', { eventId: eventId(), tariff: { id: 'T', version: 1, currency: 'EUR', utcOffsetMinutes: 0, vatBasisPoints: 0, elements: [] } })).rejects.toMatchObject({
      name: 'LedgerRefusal',
      code: 'ACCESS_DENIED',
    });
    await expect(account('x-1')).rejects.toBeInstanceOf(LedgerRefusal);
  });

  it('invalidates a write endorsed without the organizations the chaincode policy needs (Wallets and the Authority)', async () => {
    const { wallets, eventId, ledger } = parties;
    const refused = await wallets
      .submit('Wallet:openAccount', { eventId: eventId(), accountId: 'drv-2', kind: 'driver', currency: 'EUR', sessionLimit: 100 }, WALLETS_ONLY)
      .catch((error: unknown) => error as LedgerRefusal);
    expect(refused).toBeInstanceOf(LedgerRefusal);
    expect(refused).toMatchObject({ code: 'ENDORSEMENT_POLICY_FAILURE', cause: { validationCode: 'ENDORSEMENT_POLICY_FAILURE' } });
    expect(await ledger.getTransaction((refused as LedgerRefusal).transactionId!)).toMatchObject({ validationCode: 'ENDORSEMENT_POLICY_FAILURE' });
    await expect(account('drv-2')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('invalidates a write to an account without the endorsement of the organization its key-level policy names', async () => {
    const { wallets, eventId } = parties;
    const withoutWallets = { endorsingOrganizations: ['OperatorsMSP', 'Operators2MSP', 'ProsumersMSP', 'AuthorityMSP'] };
    await expect(wallets.submit('Wallet:setSessionLimit', { eventId: eventId(), accountId: 'drv-1', sessionLimit: 10 }, withoutWallets)).rejects.toMatchObject({
      name: 'LedgerRefusal',
      cause: { validationCode: 'ENDORSEMENT_POLICY_FAILURE' },
    });
    expect(await account('drv-1')).toMatchObject({ sessionLimit: 3000 });
  });

  it("answers getMspID with the endorsing peer's organization, so a private-collection transaction runs on Wallets peers only", async () => {
    const { wallets, eventId } = parties;
    const profile = { [TRANSIENT_KEYS.driverProfile]: JSON.stringify({ name: 'A', email: 'a@example.org', salt: 'ab'.repeat(16) }) };
    // Asked of a peer outside the collection too, the chaincode on that peer refuses.
    await expect(wallets.submit('Wallet:setDriverProfile', { eventId: eventId(), accountId: 'drv-1' }, { endorsingOrganizations: ['WalletsMSP', 'OperatorsMSP'], transient: profile })).rejects.toMatchObject({
      name: 'LedgerRefusal',
      code: 'NOT_A_COLLECTION_MEMBER',
    });
    await expect(wallets.submit('Wallet:setDriverProfile', { eventId: eventId(), accountId: 'drv-1' }, { ...WALLETS_ONLY, transient: profile })).resolves.toEqual({ accountId: 'drv-1' });
  });

  it('keeps private data off the blocks and away from peers outside the collection', async () => {
    const { ledger, operator } = parties;
    await aLinkedCard(parties, 'drv-1', '04SECRET99');
    const asked = { transient: { [TRANSIENT_KEYS.idToken]: '04SECRET99' } };
    await expect(operator.evaluate('Wallet:resolveIdToken', {}, { ...asked, endorsingOrganizations: ['OperatorsMSP'] })).rejects.toMatchObject({
      name: 'LedgerRefusal',
      code: 'NOT_A_COLLECTION_MEMBER',
    });
    await expect(operator.evaluate('Wallet:resolveIdToken', {}, { ...asked, endorsingOrganizations: ['WalletsMSP'] })).resolves.toMatchObject({ accountId: 'drv-1' });

    const blocks = [];
    for (let number = 0; number < ledger.height(); number++) blocks.push(JSON.stringify(await ledger.getBlock(number)));
    const chain = blocks.join('\n');
    expect(chain).not.toContain('04SECRET99');
    expect(chain).not.toContain('drv-1@example.org');
  });

  it('is unavailable, not refusing, when asked to endorse on an organization it has no peer for', async () => {
    await expect(parties.wallets.submit('Wallet:topUp', { eventId: parties.eventId(), accountId: 'drv-1', amount: 1, reference: 'r' }, { endorsingOrganizations: ['NobodyMSP'] })).rejects.toMatchObject({
      name: 'LedgerUnavailable',
      stage: 'endorse',
      code: 14,
    });
  });

  it('stamps each proposal with the client clock, never earlier than the previous one', async () => {
    const { wallets, eventId, ledger, clock } = parties;
    const before = ledger.height();
    await wallets.submit('Wallet:topUp', { eventId: eventId(), accountId: 'drv-1', amount: 5, reference: 'r-1' });
    await wallets.submit('Wallet:topUp', { eventId: eventId(), accountId: 'drv-1', amount: 5, reference: 'r-2' });
    const stamps = [];
    for (let number = before; number < ledger.height(); number++) stamps.push(JSON.parse((await ledger.getBlock(number))!.data[0]!).proposal.timestampMs as number);
    expect(stamps[0]).toBeGreaterThanOrEqual(clock.now());
    expect(stamps[1]).toBeGreaterThan(stamps[0]!);
  });
});

describe('identities', () => {
  it('gives each organization and attribute set one certificate, issued by the organization CA that block 0 names', async () => {
    const dataDir = await aDataDir();
    const parties = await openAt(dataDir);
    try {
      const { ledger } = parties;
      const prosumer = ledger.asOrganization('ProsumersMSP', { [IDENTITY_ATTRIBUTES.prosumerId]: 'pro-9' });
      const creators = [];
      for (let n = 0; n < 2; n++) {
        // A query submitted is ordered like any transaction: a block records who asked.
        await prosumer.submit('Trading:listOpenOffers', {});
        const block = (await ledger.getBlock(ledger.height() - 1))!;
        creators.push(JSON.parse(block.data[0]!).proposal.creator);
      }
      expect(creators[0]).toEqual(creators[1]);
      expect(creators[0].mspId).toBe('ProsumersMSP');

      const genesis = JSON.parse((await ledger.getBlock(0))!.data[0]!);
      expect(genesis).toMatchObject({ type: 'config', endorsementPolicy: "AND('WalletsMSP.peer','AuthorityMSP.peer')" });
      expect(genesis.organizations.map((org: { mspId: string }) => org.mspId)).toEqual(['OperatorsMSP', 'Operators2MSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP']);
      const ca = new X509Certificate(genesis.organizations.find((org: { mspId: string }) => org.mspId === 'ProsumersMSP').caCertificate);
      const certificate = new X509Certificate(creators[0].certificate);
      expect(certificate.checkIssued(ca) && certificate.verify(ca.publicKey)).toBe(true);
      expect(certificate.subject).toContain('OU=client');
    } finally {
      await parties.ledger.close();
      await removeDataDir(dataDir);
    }
  });
});
