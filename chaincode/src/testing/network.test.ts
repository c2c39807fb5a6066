import './quiet-fabric-logs';
import { Context, Contract, Returns, Transaction } from 'fabric-contract-api';
import collections from '../../collections_config.json';
import type { TransactionName } from '../api';
import { TestNetwork } from './network';
import type { CollectionConfig } from './world-state';

/** A contract that exercises the stub directly; each function takes one JSON argument like the real ones. */
class ProbeContract extends Contract {
  constructor() {
    super('Probe');
  }

  @Transaction()
  @Returns('string')
  async writeThenRead(ctx: Context, request: string): Promise<string> {
    const { key, value } = JSON.parse(request) as { key: string; value: string };
    await ctx.stub.putState(key, Buffer.from(value));
    return JSON.stringify({ seen: Buffer.from(await ctx.stub.getState(key)).toString('utf8') });
  }

  @Transaction()
  @Returns('string')
  async writeThenFail(ctx: Context, request: string): Promise<string> {
    const { key } = JSON.parse(request) as { key: string };
    await ctx.stub.putState(key, Buffer.from('x'));
    ctx.stub.setEvent('Never', Buffer.from('{}'));
    throw new Error('[INVALID_STATE] refused after writing');
  }

  @Transaction()
  @Returns('string')
  async twoEvents(ctx: Context, _request: string): Promise<string> {
    await ctx.stub.putState('k', Buffer.from('v'));
    ctx.stub.setEvent('First', Buffer.from('1'));
    ctx.stub.setEvent('Second', Buffer.from('2'));
    return '{}';
  }

  @Transaction()
  @Returns('string')
  async putComposite(ctx: Context, request: string): Promise<string> {
    const { attributes } = JSON.parse(request) as { attributes: string[] };
    for (const attribute of attributes) await ctx.stub.putState(ctx.stub.createCompositeKey('t', [attribute, 'x']), Buffer.from(attribute));
    return '{}';
  }

  @Transaction(false)
  @Returns('string')
  async listComposite(ctx: Context, _request: string): Promise<string> {
    const found: string[] = [];
    for await (const kv of ctx.stub.getStateByPartialCompositeKey('t', [])) found.push(ctx.stub.splitCompositeKey(kv.key).attributes[0] ?? '');
    return JSON.stringify(found);
  }

  @Transaction()
  @Returns('string')
  async putPrivate(ctx: Context, request: string): Promise<string> {
    await ctx.stub.putPrivateData('walletsPrivate', 'p', Buffer.from(request));
    return '{}';
  }

  @Transaction(false)
  @Returns('string')
  async readPrivate(ctx: Context, _request: string): Promise<string> {
    const hash = Buffer.from(await ctx.stub.getPrivateDataHash('walletsPrivate', 'p')).toString('hex');
    const value = Buffer.from(await ctx.stub.getPrivateData('walletsPrivate', 'p')).toString('utf8');
    return JSON.stringify({ hash, value });
  }

  @Transaction()
  @Returns('string')
  async peerDependent(ctx: Context, _request: string): Promise<string> {
    await ctx.stub.putState('peer', Buffer.from(ctx.stub.getMspID()));
    return '{}';
  }

  @Transaction(false)
  @Returns('string')
  async clock(ctx: Context, _request: string): Promise<string> {
    const { seconds, nanos } = ctx.stub.getTxTimestamp();
    return JSON.stringify({ seconds: seconds.toNumber(), nanos, date: ctx.stub.getDateTimestamp().getTime() });
  }
}

type Probe = (name: string, request?: unknown) => Promise<unknown>;

describe('TestNetwork and its stub', () => {
  let network: TestNetwork;
  let submit: Probe;
  let evaluate: Probe;
  beforeEach(() => {
    network = new TestNetwork({ contracts: [ProbeContract], collections: collections as CollectionConfig[], startMs: Date.UTC(2025, 0, 1) });
    const wallets = network.identity('WalletsMSP');
    submit = (name, request = {}) => network.submit(wallets, `Probe:${name}` as TransactionName, request as never) as Promise<unknown>;
    evaluate = (name, request = {}) => network.evaluate(wallets, `Probe:${name}` as TransactionName, request as never) as Promise<unknown>;
  });

  it('does not let a transaction read its own writes', async () => {
    expect(await submit('writeThenRead', { key: 'a', value: 'new' })).toEqual({ seen: '' });
    expect(await submit('writeThenRead', { key: 'a', value: 'newer' })).toEqual({ seen: 'new' });
  });

  it('writes nothing and emits nothing when the chaincode fails', async () => {
    const before = network.world.snapshot();
    await expect(submit('writeThenFail', { key: 'b' })).rejects.toMatchObject({ name: 'EndorseError', code: 'INVALID_STATE' });
    expect(network.world.snapshot()).toBe(before);
    expect(network.events).toEqual([]);
  });

  it('keeps only the last event of a transaction', async () => {
    await submit('twoEvents');
    expect(network.events.map((event) => event.name)).toEqual(['Second']);
  });

  it('returns partial composite key ranges in UTF-8 byte order', async () => {
    await submit('putComposite', { attributes: ['b', 'a', '\u{1F600}', '\uFFFD', 'B'] });
    expect(await evaluate('listComposite')).toEqual(['B', 'a', 'b', '\uFFFD', '\u{1F600}']);
  });

  it('shows private data to member peers and only its hash to the others', async () => {
    await submit('putPrivate', 'secret');
    const onWallets = (await network.evaluate(network.identity('WalletsMSP'), 'Probe:readPrivate' as TransactionName, {} as never, { peer: 'WalletsMSP' })) as unknown;
    expect(onWallets).toEqual({ value: '"secret"', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await expect(network.evaluate(network.identity('WalletsMSP'), 'Probe:readPrivate' as TransactionName, {} as never, { peer: 'OperatorsMSP' })).rejects.toThrow(
      /private data matching public hash version is not available/,
    );
  });

  it('refuses private writes by clients outside the collection when memberOnlyWrite is set', async () => {
    const operator = network.identity('OperatorsMSP');
    await expect(network.submit(operator, 'Probe:putPrivate' as TransactionName, 'x' as never)).rejects.toThrow(/write access/);
  });

  it('refuses results that differ between endorsing peers', async () => {
    await expect(submit('peerDependent')).rejects.toMatchObject({ name: 'CommitError', code: 'ENDORSEMENT_MISMATCH' });
  });

  it('invalidates a transaction whose read was overwritten earlier in the block', async () => {
    const wallets = network.identity('WalletsMSP');
    await submit('putComposite', { attributes: ['seed'] });
    const first = await network.endorse(wallets, 'Probe:writeThenRead' as TransactionName, { key: 'c', value: '1' } as never);
    const second = await network.endorse(wallets, 'Probe:writeThenRead' as TransactionName, { key: 'c', value: '2' } as never);
    const [ok, conflict] = network.commit([first, second]);
    expect(ok).toBeUndefined();
    expect(conflict).toMatchObject({ code: 'MVCC_READ_CONFLICT' });
    expect(network.world.get('c')?.value.toString()).toBe('1');
  });

  it('serves the client-chosen transaction timestamp as seconds and nanos', async () => {
    const clock = (await network.evaluate(network.identity('WalletsMSP'), 'Probe:clock' as TransactionName, {} as never, { timestampMs: 1_700_000_000_123 })) as unknown;
    expect(clock).toEqual({ seconds: 1_700_000_000, nanos: 123_000_000, date: 1_700_000_000_123 });
  });
});
