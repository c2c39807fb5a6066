import { newBlock, type Block, type CollectionConfig, type ConfigEnvelope, type ValidationCodeName } from './blocks';
import { canonicalJson } from './json';
import { collectionMembers, keyPolicyOrgs, policyOrgs, satisfiesChaincodePolicy } from './policies';
import { blockKey, encodeVersioned, key, PREFIX, privateKey, sha256, versionTag, type LedgerStore, type Operation, type StateView, type Version } from './store';
import type { EndorsedTransaction } from './endorse';
import { TrustAnchors } from './verify';

/** Where a transaction is in the chain and how it was judged (also the value of t/<txId>). */
export interface CommitOutcome {
  readonly blockNumber: number;
  readonly index: number;
  readonly code: ValidationCodeName;
}

export interface CommitterOptions {
  readonly store: LedgerStore;
  readonly config: ConfigEnvelope;
  /** The last committed block; the next block chains onto it. */
  readonly tip: Block;
  /** Called once a block is durable, in block order. */
  readonly onBlock: (block: Block) => void;
}

/** How many endorsed transactions one block takes at most; those waiting beyond it go into the next. */
const MAX_BLOCK_TRANSACTIONS = 100;

interface Waiting {
  readonly transaction: EndorsedTransaction;
  readonly resolve: (outcome: CommitOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** What earlier valid transactions of the block being built changed, seen by the later ones' validation. */
interface BlockUpdates {
  readonly txIds: Set<string>;
  readonly state: Map<string, string | null>;
  readonly policies: Map<string, Buffer | null>;
  readonly privateData: Map<string, string | null>;
}

/**
 * The one commit queue, in the part of Fabric's orderer and committing peer. Endorsed transactions wait in
 * arrival order; each block takes those waiting, validates them in order as a committing peer does
 * (signatures, duplicate ids, MVCC and phantom reads, then the endorsement policies: key-level policies set
 * by the chaincode, the collection's policy for its writes, MAJORITY of the channel otherwise) and writes
 * the block with every valid transaction's writes in one synced LevelDB batch. A transaction is committed
 * when that batch returns; until then nothing of it is visible.
 */
export class Committer {
  readonly #store: LedgerStore;
  readonly #config: ConfigEnvelope;
  readonly #anchors: TrustAnchors;
  readonly #onBlock: (block: Block) => void;
  readonly #organizations: readonly string[];
  readonly #waiting: Waiting[] = [];
  #tip: Block;
  #running: Promise<void> | undefined;

  constructor(options: Readonly<CommitterOptions>) {
    this.#store = options.store;
    this.#config = options.config;
    this.#anchors = new TrustAnchors(options.config);
    this.#tip = options.tip;
    this.#onBlock = options.onBlock;
    this.#organizations = options.config.organizations.map((org) => org.mspId);
  }

  get height(): number {
    return this.#tip.header.number + 1;
  }

  order(transaction: EndorsedTransaction): Promise<CommitOutcome> {
    return new Promise<CommitOutcome>((resolve, reject) => {
      this.#waiting.push({ transaction, resolve, reject });
      this.#running ??= this.#drain().finally(() => {
        this.#running = undefined;
      });
    });
  }

  /** Resolves once every transaction ordered so far is committed or refused. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, MAX_BLOCK_TRANSACTIONS);
      try {
        const outcomes = await this.#commitBlock(batch.map((waiting) => waiting.transaction));
        batch.forEach((waiting, index) => waiting.resolve(outcomes[index] as CommitOutcome));
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
  }

  async #commitBlock(transactions: readonly EndorsedTransaction[]): Promise<CommitOutcome[]> {
    const blockNumber = this.height;
    const latest = this.#store.latest();
    const updates: BlockUpdates = { txIds: new Set(), state: new Map(), policies: new Map(), privateData: new Map() };
    const operations: Operation[] = [];
    const codes: ValidationCodeName[] = [];
    for (const [index, transaction] of transactions.entries()) {
      const version = { block: blockNumber, tx: index };
      const code = await this.#validate(latest, updates, transaction);
      codes.push(code);
      const { txId } = transaction.envelope.proposal;
      if (code !== 'DUPLICATE_TXID') {
        updates.txIds.add(txId);
        operations.push({ type: 'put', key: key(PREFIX.tx, txId), value: Buffer.from(canonicalJson({ blockNumber, index, code })) });
      }
      if (code === 'VALID') operations.push(...apply(updates, transaction, version));
    }
    const block = newBlock(this.#tip, transactions.map((transaction) => canonicalJson(transaction.envelope)), codes);
    operations.push({ type: 'put', key: blockKey(blockNumber), value: Buffer.from(JSON.stringify(block)) });
    operations.push({ type: 'put', key: key(PREFIX.meta, 'height'), value: Buffer.from(String(blockNumber + 1)) });
    await this.#store.write(operations);
    this.#tip = block;
    this.#onBlock(block);
    return codes.map((code, index) => ({ blockNumber, index, code }));
  }

  async #validate(latest: StateView, updates: BlockUpdates, transaction: EndorsedTransaction): Promise<ValidationCodeName> {
    const { envelope, simulation } = transaction;
    const { txId } = envelope.proposal;
    if (updates.txIds.has(txId) || (await this.#store.get(key(PREFIX.tx, txId))) !== undefined) return 'DUPLICATE_TXID';
    const signatures = this.#anchors.check(envelope);
    if ('failure' in signatures) return signatures.failure;

    for (const [name, read] of simulation.reads) {
      const now = updates.state.has(name) ? updates.state.get(name) : versionTag((await latest.state(name))?.version);
      if (now !== read) return 'MVCC_READ_CONFLICT';
    }
    for (const range of simulation.ranges) {
      const end = range.end ?? undefined;
      const inRange = (name: string): boolean => Buffer.compare(Buffer.from(name), Buffer.from(range.start)) >= 0 && (end === undefined || Buffer.compare(Buffer.from(name), Buffer.from(end)) < 0);
      if ([...updates.state.keys()].some(inRange)) return 'PHANTOM_READ_CONFLICT';
      const now = (await latest.range(range.start, end)).map((entry) => [entry.key, versionTag(entry.version)]);
      if (JSON.stringify(now) !== JSON.stringify(range.results)) return 'PHANTOM_READ_CONFLICT';
    }
    for (const [collection, reads] of simulation.privateReads) {
      for (const [name, read] of reads) {
        const id = `${collection}/${name}`;
        const now = updates.privateData.has(id) ? updates.privateData.get(id) : versionTag((await latest.privateHash(collection, name))?.version);
        if (now !== read) return 'MVCC_READ_CONFLICT';
      }
    }
    return (await this.#satisfiesPolicies(latest, updates, transaction, signatures.endorsers)) ? 'VALID' : 'ENDORSEMENT_POLICY_FAILURE';
  }

  async #satisfiesPolicies(latest: StateView, updates: BlockUpdates, transaction: EndorsedTransaction, endorsers: readonly string[]): Promise<boolean> {
    const { simulation } = transaction;
    let needsChaincodePolicy = simulation.writes.size === 0 && simulation.policies.size === 0 && simulation.privateWrites.size === 0;
    for (const collection of simulation.privateWrites.keys()) {
      const config = this.#collection(collection);
      if (config === undefined) return false;
      if (config.endorsementPolicy === undefined) needsChaincodePolicy = true;
      else if (!policyOrgs(config.endorsementPolicy.signaturePolicy).some((org) => endorsers.includes(org))) return false;
      if (config.memberOnlyWrite && !collectionMembers(config).includes(transaction.envelope.proposal.creator.mspId)) return false;
    }
    for (const name of new Set([...simulation.writes.keys(), ...simulation.policies.keys()])) {
      const parameter = updates.policies.has(name) ? updates.policies.get(name) : await latest.policy(name);
      if (parameter === undefined || parameter === null) {
        needsChaincodePolicy = true;
        continue;
      }
      if (!keyPolicyOrgs(parameter).every((org) => endorsers.includes(org))) return false;
    }
    return !needsChaincodePolicy || satisfiesChaincodePolicy(this.#config.endorsementPolicy, endorsers, this.#organizations);
  }

  #collection(name: string): CollectionConfig | undefined {
    return this.#config.collections.find((config) => config.name === name);
  }
}

/** The writes of a valid transaction, as operations, and as updates the block's later transactions see. */
function apply(updates: BlockUpdates, transaction: EndorsedTransaction, version: Version): Operation[] {
  const { simulation } = transaction;
  const tag = versionTag(version);
  const operations: Operation[] = [];
  for (const [name, value] of simulation.writes) {
    if (value === null) {
      // A deleted key loses its key-level policy with it.
      operations.push({ type: 'del', key: key(PREFIX.state, name) }, { type: 'del', key: key(PREFIX.policy, name) });
      updates.state.set(name, null);
      updates.policies.set(name, null);
    } else {
      operations.push({ type: 'put', key: key(PREFIX.state, name), value: encodeVersioned(version, value) });
      updates.state.set(name, tag);
    }
  }
  for (const [name, policy] of simulation.policies) {
    if (simulation.writes.get(name) === null) continue;
    operations.push({ type: 'put', key: key(PREFIX.policy, name), value: policy });
    updates.policies.set(name, policy);
  }
  for (const [collection, writes] of simulation.privateWrites) {
    for (const [name, value] of writes) {
      const hashKey = privateKey(PREFIX.privateHash, collection, name);
      const valueKey = privateKey(PREFIX.privateValue, collection, name);
      if (value === null) {
        operations.push({ type: 'del', key: hashKey }, { type: 'del', key: valueKey });
        updates.privateData.set(`${collection}/${name}`, null);
      } else {
        operations.push({ type: 'put', key: hashKey, value: encodeVersioned(version, sha256(value)) }, { type: 'put', key: valueKey, value: encodeVersioned(version, value) });
        updates.privateData.set(`${collection}/${name}`, tag);
      }
    }
  }
  return operations;
}
