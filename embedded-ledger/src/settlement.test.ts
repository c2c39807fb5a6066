import { TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { TestMeter } from '@chargeledger/chaincode/testing';
import { EMBEDDED_LEDGER_DESCRIPTION } from './index';
import { aDataDir, aFundedDriver, aLinkedCard, ENERGY_TARIFF, MINUTE, openAt, removeDataDir, type Parties } from './testing';
import type { ChaincodeEvent } from './events';

describe('a charging session settled on the embedded ledger', () => {
  let dataDir: string;
  let parties: Parties;
  beforeEach(async () => {
    dataDir = await aDataDir();
    parties = await openAt(dataDir);
  });
  afterEach(async () => {
    await parties.ledger.close();
    await removeDataDir(dataDir);
  });

  it('says what it is', () => {
    expect(parties.ledger.description).toBe('embedded ledger (one process, for trying the system; run the Fabric network for several organizations)');
    expect(EMBEDDED_LEDGER_DESCRIPTION).toBe(parties.ledger.description);
  });

  it('debits the driver the tariff price of the energy the meter signed, credits the operator, and records it all in blocks', async () => {
    const { ledger, operator, wallets, authority, clock, eventId } = parties;
    await wallets.submit('Wallet:openAccount', { eventId: eventId(), accountId: 'acc-op1', kind: 'operator', ownerId: 'op-1', currency: 'EUR' });
    await operator.submit('Tariff:publishTariff', { eventId: eventId(), tariff: ENERGY_TARIFF });
    await operator.submit('Registry:registerStation', {
      eventId: eventId(),
      stationId: 'st-1',
      payeeAccountId: 'acc-op1',
      latMicroDeg: 52_520_008,
      lonMicroDeg: 13_404_954,
      evses: [{ evseId: 'E1', connectors: [{ connectorId: 'C1', type: 'IEC_62196_T2', maxPowerW: 22_000 }] }],
      policy: { minimumHold: 500 },
      tariffId: 'AC-STD',
    });
    const meter = new TestMeter('MTR-E1');
    await authority.submit('Registry:registerMeter', { eventId: eventId(), meterSerial: meter.serial, binding: { kind: 'evse', stationId: 'st-1', evseId: 'E1' }, keyId: 'k1', publicKey: meter.publicKey });
    await aFundedDriver(parties, 'drv-1', 10_000, 3000);
    await aLinkedCard(parties, 'drv-1', '04AABBCCDD');

    const resolved = await operator.evaluate('Wallet:resolveIdToken', {}, { endorsingOrganizations: ['WalletsMSP'], transient: { [TRANSIENT_KEYS.idToken]: '04AABBCCDD' } });
    expect(resolved).toMatchObject({ accountId: 'drv-1', tokenRef: 'card-1', available: 10_000 });
    clock.advance(MINUTE);
    const openedAt = clock.now();
    const opened = await operator.submit(
      'Session:openSession',
      { eventId: eventId(), sessionId: 's-1', stationId: 'st-1', evseId: 'E1', connectorId: 'C1', driverAccountId: 'drv-1', tokenRef: 'card-1' },
      { transient: { [TRANSIENT_KEYS.tokenProof]: resolved.tokenProof } },
    );
    expect(opened).toMatchObject({ status: 'opened', holdAmount: 3000 });

    clock.advance(45 * MINUTE);
    const records = meter.session({ timeMs: openedAt + 5000, registerWh: 1_234_567 }, { timeMs: openedAt + 45 * MINUTE, registerWh: 1_244_567 });
    const receipt = await operator.submit('Session:closeSession', { eventId: eventId(), sessionId: 's-1', evidence: { kind: 'ocmf' } }, { transient: { [TRANSIENT_KEYS.ocmfRecords]: JSON.stringify(records) } });
    expect(receipt).toMatchObject({ sessionId: 's-1', energyWh: 10_000, charged: 476, released: 2524, verification: 'verified' });

    expect(await wallets.evaluate('Wallet:getAccount', { accountId: 'drv-1' })).toMatchObject({ balance: 10_000 - 476, held: 0 });
    expect(await operator.evaluate('Wallet:getAccount', { accountId: 'acc-op1' })).toMatchObject({ balance: 476 });

    const settled = await ledger.getTransaction(receipt.txId);
    expect(settled).toMatchObject({ validationCode: 'VALID', envelope: { proposal: { transaction: 'Session:closeSession', creator: { mspId: 'OperatorsMSP' } } } });
    // Endorsed as the gateway plans it (ADR 0039): the session's operator, Wallets and the Authority; not op-2's peer, not Prosumers'.
    expect(settled?.envelope.endorsements.map((endorsement) => endorsement.mspId).sort()).toEqual(['AuthorityMSP', 'OperatorsMSP', 'WalletsMSP']);
    const block = await ledger.getBlock(settled?.blockNumber ?? -1);
    expect(block?.data[settled?.index ?? -1]).toContain(receipt.txId);
    // The meter records travelled in the transient map: only their hashes reach the block.
    expect(JSON.stringify(block)).not.toContain(records[0]);
    expect(await ledger.verifyChain()).toEqual({ valid: true, height: ledger.height() });
  });

  it('delivers one event per transaction with its block number, and replays them from a block', async () => {
    const { ledger, wallets, eventId } = parties;
    const received: ChaincodeEvent[] = [];
    // From the first block after the channel's own start (the Authority's admissions of the operators).
    const live = ledger.events(ledger.height());
    const listening = (async () => {
      for await (const event of live) {
        received.push(event);
        if (received.length === 3) break;
      }
    })();
    for (const accountId of ['a-1', 'a-2', 'a-3']) await wallets.submit('Wallet:openAccount', { eventId: eventId(), accountId, kind: 'driver', currency: 'EUR', sessionLimit: 1000 });
    await listening;

    expect(received.map((event) => [event.eventName, JSON.parse(Buffer.from(event.payload).toString('utf8')).accountId])).toEqual([
      ['AccountOpened', 'a-1'],
      ['AccountOpened', 'a-2'],
      ['AccountOpened', 'a-3'],
    ]);
    for (const event of received) {
      expect(await ledger.getTransaction(event.transactionId)).toMatchObject({ blockNumber: Number(event.blockNumber), validationCode: 'VALID' });
    }
    const resumeAt = received[1]!.blockNumber;
    const replay = ledger.events(resumeAt);
    const replayed: string[] = [];
    for await (const event of replay) {
      replayed.push(event.transactionId);
      if (replayed.length === 2) break;
    }
    expect(replayed).toEqual([received[1]!.transactionId, received[2]!.transactionId]);
  });

  it('resumes after the last transaction a listener handled, as from a checkpoint', async () => {
    const { ledger, wallets, eventId } = parties;
    const ids = ['b-1', 'b-2', 'b-3'];
    // Submitted together, they may share a block: the checkpoint names the transaction within it.
    await Promise.all(ids.map((accountId) => wallets.submit('Wallet:openAccount', { eventId: eventId(), accountId, kind: 'driver', currency: 'EUR', sessionLimit: 1000 })));
    const all: ChaincodeEvent[] = [];
    for await (const event of ledger.events(0)) {
      all.push(event);
      if (all.length === 3) break;
    }
    const checkpoint = all[0]!;
    const resumed: string[] = [];
    for await (const event of ledger.events(checkpoint.blockNumber, checkpoint.transactionId)) {
      resumed.push(event.transactionId);
      if (resumed.length === 2) break;
    }
    expect(resumed).toEqual([all[1]!.transactionId, all[2]!.transactionId]);
  });

  it('ends an event stream waiting for blocks when it is closed', async () => {
    const stream = parties.ledger.events(parties.ledger.height());
    const reading = (async () => {
      const seen = [];
      for await (const event of stream) seen.push(event);
      return seen;
    })();
    stream.close();
    await expect(reading).resolves.toEqual([]);
  });

  it('ends its event streams and refuses new transactions once closed', async () => {
    const stream = parties.ledger.events(parties.ledger.height());
    const reading = (async () => {
      const seen = [];
      for await (const event of stream) seen.push(event);
      return seen;
    })();
    await parties.ledger.close();
    await expect(reading).resolves.toEqual([]);
    await expect(parties.wallets.evaluate('Wallet:getAccount', { accountId: 'a-1' })).rejects.toMatchObject({ name: 'LedgerUnavailable', code: 'CLOSED' });
  });
});
