import { COLLECTIONS } from './chaincode';
import { encodeVersioned, LedgerStore, PREFIX, privateKey, sha256 } from './store';
import { EmbeddedStub } from './stub';
import { aDataDir, removeDataDir } from './testing';

describe('the chaincode stub over the ledger store', () => {
  let dataDir: string;
  let store: LedgerStore;
  const collection = COLLECTIONS[0]!.name;
  const secret = Buffer.from('{"email":"erika@example.org"}');

  beforeEach(async () => {
    dataDir = await aDataDir();
    store = (await LedgerStore.open(dataDir)) as LedgerStore;
    const version = { block: 3, tx: 0 };
    await store.write([
      { type: 'put', key: privateKey(PREFIX.privateHash, collection, 'profile'), value: encodeVersioned(version, sha256(secret)) },
      { type: 'put', key: privateKey(PREFIX.privateValue, collection, 'profile'), value: encodeVersioned(version, secret) },
      { type: 'put', key: Buffer.from(`${PREFIX.state}b`), value: encodeVersioned({ block: 1, tx: 0 }, Buffer.from('B')) },
      { type: 'put', key: Buffer.from(`${PREFIX.state}a`), value: encodeVersioned({ block: 2, tx: 1 }, Buffer.from('A')) },
    ]);
  });
  afterEach(async () => {
    await store.close();
    await removeDataDir(dataDir);
  });

  function aStub(peerMspId: string, creatorMspId = peerMspId): EmbeddedStub {
    return new EmbeddedStub({
      state: store.latest(),
      collections: COLLECTIONS,
      chaincode: 'chargeledger',
      channel: 'chargeledger',
      txId: 'tx-1',
      timestampMs: 0,
      creator: { mspid: creatorMspId, idBytes: Buffer.alloc(0) },
      peerMspId,
      args: [],
      transient: new Map(),
    });
  }

  it('gives private data to a member peer and only its hash to any other peer', async () => {
    expect(Buffer.from(await aStub('WalletsMSP').getPrivateData(collection, 'profile'))).toEqual(secret);
    const outsider = aStub('OperatorsMSP');
    await expect(outsider.getPrivateData(collection, 'profile')).rejects.toThrow(/not available/);
    expect(Buffer.from(await outsider.getPrivateDataHash(collection, 'profile'))).toEqual(sha256(secret));
    expect(outsider.simulation.privateReads.get(collection)?.get('profile')).toBe('3:0');
  });

  it('refuses a private write from a creator outside the collection', async () => {
    await expect(aStub('WalletsMSP', 'OperatorsMSP').putPrivateData(collection, 'k', Buffer.from('x'))).rejects.toThrow(/write access/);
  });

  it('records the versions it read, range results in key-byte order, and never sees its own writes', async () => {
    const stub = aStub('WalletsMSP');
    await stub.putState('a', Buffer.from('changed'));
    expect(Buffer.from(await stub.getState('a')).toString()).toBe('A');
    const keys = [];
    for await (const kv of stub.getStateByRange('', '')) keys.push(kv.key);
    expect(keys).toEqual(['a', 'b']);
    expect(stub.simulation.reads.get('a')).toBe('2:1');
    expect(stub.simulation.ranges).toEqual([{ start: '\x01', end: null, results: [['a', '2:1'], ['b', '1:0']] }]);
  });

  it("answers getMspID with the executing peer's organization, not the creator's", () => {
    expect(aStub('WalletsMSP', 'OperatorsMSP').getMspID()).toBe('WalletsMSP');
  });
});
