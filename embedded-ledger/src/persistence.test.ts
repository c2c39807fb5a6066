import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ClassicLevel } from 'classic-level';
import { commitHash, dataHash, headerHash, type Block } from './blocks';
import { LedgerCorrupted } from './errors';
import { aDataDir, aFundedDriver, openAt, removeDataDir, TestClock } from './testing';
import { blockKey } from './store';

async function editBlock(dataDir: string, number: number, edit: (block: Block, previous: Block) => Block): Promise<void> {
  const db = new ClassicLevel<Buffer, Buffer>(dataDir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    const read = async (n: number): Promise<Block> => JSON.parse((await db.get(blockKey(n)))!.toString('utf8')) as Block;
    await db.put(blockKey(number), Buffer.from(JSON.stringify(edit(await read(number), await read(number - 1)))));
  } finally {
    await db.close();
  }
}

/** Raises a top-up's amount inside a committed block. */
function inflateTopUp(block: Block): Block {
  return { ...block, data: block.data.map((entry) => entry.replace(/\\"amount\\":(\d+)/, '\\"amount\\":999999')) };
}

/** The top-up raised, and the block's own hashes made to match again. */
function rehashed(block: Block, previous: Block): Block {
  const edited = inflateTopUp(block);
  const header = { ...block.header, dataHash: dataHash(edited.data) };
  return { ...edited, header, metadata: { ...block.metadata, commitHash: commitHash(previous.metadata.commitHash, header, block.metadata.validationCodes) } };
}

describe('the embedded ledger on disk', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await aDataDir();
  });
  afterEach(async () => {
    await removeDataDir(dataDir);
  });

  it('keeps state, identities and the chain across close and reopen, and continues the chain', async () => {
    const first = await openAt(dataDir);
    await aFundedDriver(first, 'drv-1', 10_000);
    const heightBefore = first.ledger.height();
    const tip = (await first.ledger.getBlock(heightBefore - 1))!;
    const creatorBefore = JSON.parse(tip.data[0]!).proposal.creator;
    await first.ledger.close();

    const second = await openAt(dataDir, new TestClock(first.clock.now()));
    try {
      expect(second.ledger.height()).toBe(heightBefore);
      expect(await second.wallets.evaluate('Wallet:getAccount', { accountId: 'drv-1' })).toMatchObject({ balance: 10_000 });
      await second.wallets.submit('Wallet:topUp', { eventId: second.eventId(), accountId: 'drv-1', amount: 500, reference: 'again' });
      const next = (await second.ledger.getBlock(heightBefore))!;
      expect(next.header).toMatchObject({ number: heightBefore, previousHash: headerHash(tip.header) });
      expect(JSON.parse(next.data[0]!).proposal.creator).toEqual(creatorBefore);
      expect(await second.wallets.evaluate('Wallet:getAccount', { accountId: 'drv-1' })).toMatchObject({ balance: 10_500 });
      expect(await second.ledger.verifyChain()).toEqual({ valid: true, height: heightBefore + 1 });
    } finally {
      await second.ledger.close();
    }
  });

  it('loses no committed transaction when its process is killed with SIGKILL, and the chain it reopens verifies', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'commit-until-killed.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const committed: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') continue;
      committed.push((JSON.parse(line) as { committed: string }).committed);
      if (committed.length === 40) child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    expect(committed.length).toBeGreaterThanOrEqual(40);

    const reopened = await openAt(dataDir);
    try {
      expect(await reopened.ledger.verifyChain()).toMatchObject({ valid: true });
      for (const accountId of committed) {
        expect(await reopened.wallets.evaluate('Wallet:getAccount', { accountId })).toMatchObject({ accountId });
      }
      const height = reopened.ledger.height();
      await reopened.wallets.submit('Wallet:openAccount', { eventId: reopened.eventId(), accountId: 'after-kill', kind: 'driver', currency: 'EUR', sessionLimit: 100 });
      expect(reopened.ledger.height()).toBe(height + 1);

      const opened = new Set<string>();
      for await (const event of reopened.ledger.events(0)) {
        const { accountId } = JSON.parse(Buffer.from(event.payload).toString('utf8')) as { accountId: string };
        if (accountId === 'after-kill') break;
        opened.add(accountId);
      }
      for (const accountId of committed) expect(opened).toContain(accountId);
    } finally {
      await reopened.ledger.close();
    }
  });

  it('refuses to open a ledger another process holds', async () => {
    const holder = await openAt(dataDir);
    try {
      await expect(openAt(dataDir)).rejects.toMatchObject({ name: 'LedgerInUse', dataDir });
    } finally {
      await holder.ledger.close();
    }
  });

  describe('a block changed on disk', () => {
    let topUpBlock: number;
    beforeEach(async () => {
      const parties = await openAt(dataDir);
      await aFundedDriver(parties, 'drv-1', 10_000);
      topUpBlock = parties.ledger.height() - 1;
      await parties.wallets.submit('Wallet:setSessionLimit', { eventId: parties.eventId(), accountId: 'drv-1', sessionLimit: 100 });
      await parties.ledger.close();
    });

    it('is found by its data hash, and the ledger refuses to open on it', async () => {
      await editBlock(dataDir, topUpBlock, inflateTopUp);
      await expect(openAt(dataDir)).rejects.toMatchObject({ name: 'LedgerCorrupted', blockNumber: topUpBlock, reason: expect.stringMatching(/data hash/) });
    });

    it('is found by the next block when a transaction is removed and the hashes recomputed', async () => {
      await editBlock(dataDir, topUpBlock, (block, previous) => {
        const header = { ...block.header, dataHash: dataHash([]) };
        return { header, data: [], metadata: { validationCodes: [], commitHash: commitHash(previous.metadata.commitHash, header, []) } };
      });
      const refused = await openAt(dataDir).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LedgerCorrupted);
      expect(refused).toMatchObject({ blockNumber: topUpBlock + 1, reason: expect.stringMatching(/previous hash/) });
    });

    it('is found by the creator signature when it is the last block, hashes recomputed', async () => {
      const parties = await openAt(dataDir);
      await parties.wallets.submit('Wallet:topUp', { eventId: parties.eventId(), accountId: 'drv-1', amount: 1, reference: 'last' });
      const last = parties.ledger.height() - 1;
      await parties.ledger.close();
      await editBlock(dataDir, last, rehashed);
      await expect(openAt(dataDir)).rejects.toMatchObject({ name: 'LedgerCorrupted', blockNumber: last, reason: expect.stringMatching(/BAD_CREATOR_SIGNATURE/) });
    });

    it('is found by the commit hash when a validation code is changed', async () => {
      await editBlock(dataDir, topUpBlock, (block) => ({ ...block, metadata: { ...block.metadata, validationCodes: block.metadata.validationCodes.map(() => 'MVCC_READ_CONFLICT' as const) } }));
      await expect(openAt(dataDir)).rejects.toMatchObject({ name: 'LedgerCorrupted', blockNumber: topUpBlock, reason: expect.stringMatching(/commit hash/) });
    });
  });
});
