import { mkdir } from 'node:fs/promises';
import { GET_METADATA, type ContractMetadata, type MspId, type RequestOf, type ResultOf, type TransactionName } from '@chargeledger/chaincode/api';
import { LedgerUnavailable, type CallOptions, type ChargingLedger } from '@chargeledger/ledger-client';
import { newBlock, parseEnvelope, type Block, type ConfigEnvelope, type TransactionEnvelope, type ValidationCodeName } from './blocks';
import { CHAINCODE, CHANNEL, COLLECTIONS, newDispatcher } from './chaincode';
import { Committer, type CommitOutcome } from './commit';
import { Endorser, type Proposal } from './endorse';
import { invalidationError, LedgerCorrupted, LedgerInUse, proposalError, TransactionInvalidated } from './errors';
import { BlockSignal, eventsFrom, type ChaincodeEvent, type CloseableAsyncIterable } from './events';
import { canonicalJson } from './json';
import { CHANNEL_ORGANIZATIONS, clientName, issueClient, loadIdentity, loadOrganization, newOrganization, storeIdentity, storeOrganization, type OrganizationMsp, type SigningIdentity, type StoredIdentity, type StoredOrganization } from './msp';
import { CHAINCODE_POLICY, plannedEndorsers } from './policies';
import { blockKey, key, LedgerStore, PREFIX, type StateView } from './store';
import type { Simulation } from './stub';
import { verifyChain, type ChainVerification } from './verify';

export interface Clock {
  now(): number;
}

/** Who calls: an organization, and the Fabric CA attributes its certificate carries (e.g. chargeledger.operatorId). */
export interface LedgerIdentity {
  readonly mspId: MspId;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface EmbeddedLedgerOptions {
  /** The LevelDB directory; created at first start with the channel's identities and block 0. */
  readonly dataDir: string;
  /** The identity `submit` and `evaluate` act with; asOrganization gives others. */
  readonly client: LedgerIdentity;
  /** The client's clock: each proposal is stamped with it, and the chaincode's "now" is that stamp. */
  readonly clock: Clock;
  /**
   * The operators the Authority admits at start, each to its organization (Registry:admitOperator, ADR 0038),
   * those of the channel's organizations only; an operator admitted before is left as it is.
   * DEFAULT_OPERATORS unless given.
   */
  readonly operators?: readonly OperatorBinding[];
}

export interface OperatorBinding {
  readonly operatorId: string;
  readonly mspId: MspId;
}

/** op-1 in the founding OperatorsMSP, op-2 in Operators2MSP: the two operators of a trial ledger. */
export const DEFAULT_OPERATORS: readonly OperatorBinding[] = [
  { operatorId: 'op-1', mspId: 'OperatorsMSP' },
  { operatorId: 'op-2', mspId: 'Operators2MSP' },
];

/** A transaction as the chain holds it, for receipts. */
export interface TransactionRecord {
  readonly blockNumber: number;
  readonly index: number;
  readonly validationCode: ValidationCodeName;
  readonly envelope: TransactionEnvelope;
}

/** The embedded ledger: a ChargingLedger acting as the client identity, and the chain it keeps. */
export interface EmbeddedLedger extends ChargingLedger {
  readonly description: string;
  readonly dataDir: string;
  /** The same ledger acting with a certificate of another organization, with these attributes. */
  asOrganization(mspId: MspId, attributes?: Readonly<Record<string, string>>): ChargingLedger;
  /**
   * Chaincode events of valid transactions from `fromBlock` on (after `afterTransactionId` in that block),
   * committed ones first, then as they commit.
   */
  events(fromBlock?: number | bigint, afterTransactionId?: string): CloseableAsyncIterable<ChaincodeEvent>;
  /** The number of blocks, block 0 (the channel configuration) included. */
  height(): number;
  getBlock(number: number): Promise<Block | undefined>;
  getTransaction(transactionId: string): Promise<TransactionRecord | undefined>;
  verifyChain(): Promise<ChainVerification>;
  /** What `org.hyperledger.fabric:GetMetadata` answers, evaluated as on Fabric: every transaction and its schemas. */
  metadata(): Promise<ContractMetadata>;
  /** Waits for the transactions in flight, then closes the database. */
  close(): Promise<void>;
}

export const EMBEDDED_LEDGER_DESCRIPTION = 'embedded ledger (one process, for trying the system; run the Fabric network for several organizations)';

/**
 * Opens the ledger in `dataDir`, creating the channel on first start: a CA and a peer identity for each of
 * the four organizations and block 0 naming them. On every later start the whole chain is verified before
 * any transaction is accepted; a broken chain is refused with LedgerCorrupted, a directory another process
 * holds with LedgerInUse.
 */
export async function openEmbeddedLedger(options: Readonly<EmbeddedLedgerOptions>): Promise<EmbeddedLedger> {
  await mkdir(options.dataDir, { recursive: true });
  const store = await LedgerStore.open(options.dataDir);
  if (!(store instanceof LedgerStore)) throw new LedgerInUse(options.dataDir, store.locked);
  try {
    if ((await store.get(key(PREFIX.meta, 'height'))) === undefined) await createChannel(store, options.clock.now());
    const height = Number((await store.get(key(PREFIX.meta, 'height')))?.toString() ?? '0');
    const readBlock = (number: number): Promise<Block | undefined> => readStoredBlock(store, number);
    const verification = await verifyChain(readBlock, height);
    if (!verification.valid) throw new LedgerCorrupted(options.dataDir, verification.blockNumber, verification.reason);
    const genesis = (await readBlock(0)) as Block;
    const tip = (await readBlock(height - 1)) as Block;
    const config = parseEnvelope(genesis.data[0] as string) as ConfigEnvelope;
    const organizations = await loadOrganizations(store, config, options.dataDir);
    const blocks = new BlockSignal();
    const committer = new Committer({ store, config, tip, onBlock: () => blocks.wake() });
    const endorser = new Endorser({ dispatcher: newDispatcher(), organizations, collections: config.collections, channel: config.channel, chaincode: config.chaincode });
    const mspIds = organizations.map((organization) => organization.mspId);
    const plan = (simulation: Simulation, state: StateView): Promise<readonly string[]> => plannedEndorsers(simulation, state, config.collections, config.endorsementPolicy, mspIds);
    const ledger = new LevelDbLedger({ ...options, store, organizations, endorser, committer, blocks, plan });
    await admitOperators(ledger, organizations, options.operators ?? DEFAULT_OPERATORS);
    return ledger;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * The Authority admits each operator, endorsed by the chaincode policy's organizations only (a ledger made
 * before a second operator organization existed has no peer of it). The event id is the operator's, so a
 * restart replays the admission instead of repeating it; a ledger of a single-operator deployment gets its
 * operator's binding on its first start with this chaincode (the migration of ADR 0038).
 */
async function admitOperators(ledger: EmbeddedLedger, organizations: readonly OrganizationMsp[], operators: readonly OperatorBinding[]): Promise<void> {
  const authority = ledger.asOrganization('AuthorityMSP');
  for (const { operatorId, mspId } of operators) {
    if (!organizations.some((organization) => organization.mspId === mspId)) continue;
    const admitted = await authority.evaluate('Registry:getOperator', { operatorId }).catch(() => undefined);
    if (admitted !== undefined) continue;
    await authority.submit('Registry:admitOperator', { eventId: `admit-operator-${operatorId}`, operatorId, mspId }, { endorsingOrganizations: ['WalletsMSP', 'AuthorityMSP'] });
  }
}

async function createChannel(store: LedgerStore, nowMs: number): Promise<void> {
  const notBefore = new Date(nowMs - 24 * 3600_000);
  const organizations = CHANNEL_ORGANIZATIONS.map((mspId) => newOrganization(mspId, notBefore));
  const config: ConfigEnvelope = {
    type: 'config',
    channel: CHANNEL,
    chaincode: CHAINCODE,
    createdAtMs: nowMs,
    organizations: organizations.map((org) => ({ mspId: org.mspId, caCertificate: org.ca.certificate, peerCertificate: org.peer.certificate })),
    collections: COLLECTIONS,
    endorsementPolicy: CHAINCODE_POLICY,
  };
  const genesis = newBlock(undefined, [canonicalJson(config)], ['VALID']);
  await store.write([
    { type: 'put', key: key(PREFIX.meta, 'organizations'), value: Buffer.from(JSON.stringify(organizations.map(storeOrganization))) },
    { type: 'put', key: blockKey(0), value: Buffer.from(JSON.stringify(genesis)) },
    { type: 'put', key: key(PREFIX.meta, 'height'), value: Buffer.from('1') },
  ]);
}

async function readStoredBlock(store: LedgerStore, number: number): Promise<Block | undefined> {
  const bytes = await store.get(blockKey(number));
  return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as Block);
}

/** The organizations' keys, which must be those of the certificates block 0 names. */
async function loadOrganizations(store: LedgerStore, config: ConfigEnvelope, dataDir: string): Promise<OrganizationMsp[]> {
  const stored = JSON.parse((await store.get(key(PREFIX.meta, 'organizations')))?.toString('utf8') ?? '[]') as StoredOrganization[];
  return config.organizations.map((anchor) => {
    const organization = stored.find((candidate) => candidate.mspId === anchor.mspId);
    if (organization === undefined || organization.ca.certificate !== anchor.caCertificate || organization.peer.certificate !== anchor.peerCertificate) {
      throw new LedgerCorrupted(dataDir, 0, `the keys kept for ${anchor.mspId} are not those of block 0`);
    }
    return loadOrganization(organization);
  });
}

interface LedgerParts extends EmbeddedLedgerOptions {
  readonly store: LedgerStore;
  readonly organizations: readonly OrganizationMsp[];
  readonly endorser: Endorser;
  readonly committer: Committer;
  readonly blocks: BlockSignal;
  /** The organizations a simulated transaction needs, when the caller names none (as Fabric's gateway plans). */
  readonly plan: (simulation: Simulation, state: StateView) => Promise<readonly string[]>;
}

class LevelDbLedger implements EmbeddedLedger {
  readonly description = EMBEDDED_LEDGER_DESCRIPTION;
  readonly dataDir: string;
  readonly #store: LedgerStore;
  readonly #clock: Clock;
  readonly #organizations: readonly OrganizationMsp[];
  readonly #endorser: Endorser;
  readonly #committer: Committer;
  readonly #client: ChargingLedger;
  readonly #clientIdentity: LedgerIdentity;
  readonly #blocks: BlockSignal;
  readonly #plan: LedgerParts['plan'];
  readonly #identities = new Map<string, Promise<SigningIdentity>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #lastStampMs = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(parts: Readonly<LedgerParts>) {
    this.dataDir = parts.dataDir;
    this.#store = parts.store;
    this.#clock = parts.clock;
    this.#organizations = parts.organizations;
    this.#endorser = parts.endorser;
    this.#committer = parts.committer;
    this.#blocks = parts.blocks;
    this.#plan = parts.plan;
    this.#client = this.asOrganization(parts.client.mspId, parts.client.attributes ?? {});
    this.#clientIdentity = parts.client;
  }

  submit<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
    return this.#client.submit(name, request, options);
  }

  evaluate<T extends TransactionName>(name: T, request: RequestOf<T>, options?: CallOptions): Promise<ResultOf<T>> {
    return this.#client.evaluate(name, request, options);
  }

  asOrganization(mspId: MspId, attributes: Readonly<Record<string, string>> = {}): ChargingLedger {
    const identity = (): Promise<SigningIdentity> => this.#identity(mspId, attributes);
    return {
      submit: (name, request, options = {}) => this.#track(this.#submit(identity, name, request, options)),
      evaluate: (name, request, options = {}) => this.#track(this.#evaluate(identity, name, request, options)),
    };
  }

  events(fromBlock: number | bigint = 0, afterTransactionId?: string): CloseableAsyncIterable<ChaincodeEvent> {
    return eventsFrom(
      {
        height: () => this.#committer.height,
        block: (number) => this.getBlock(number),
        nextBlock: () => this.#blocks.next(),
        closed: () => this.#closed,
      },
      { fromBlock: Number(fromBlock), ...(afterTransactionId === undefined ? {} : { afterTransactionId }) },
    );
  }

  height(): number {
    return this.#committer.height;
  }

  async getBlock(number: number): Promise<Block | undefined> {
    if (!Number.isSafeInteger(number) || number < 0 || number >= this.#committer.height) return undefined;
    return readStoredBlock(this.#store, number);
  }

  async getTransaction(transactionId: string): Promise<TransactionRecord | undefined> {
    const located = await this.#store.get(key(PREFIX.tx, transactionId));
    if (located === undefined) return undefined;
    const { blockNumber, index, code } = JSON.parse(located.toString('utf8')) as CommitOutcome;
    const block = await this.getBlock(blockNumber);
    const entry = block?.data[index];
    if (entry === undefined) return undefined;
    return { blockNumber, index, validationCode: code, envelope: parseEnvelope(entry) as TransactionEnvelope };
  }

  verifyChain(): Promise<ChainVerification> {
    return verifyChain((number) => this.getBlock(number), this.#committer.height);
  }

  async metadata(): Promise<ContractMetadata> {
    const { mspId, attributes = {} } = this.#clientIdentity;
    return this.#track(
      (async () => {
        const proposal = await this.#propose(() => this.#identity(mspId, attributes), GET_METADATA, {}, {});
        try {
          return JSON.parse(await this.#endorser.evaluate(this.#store, proposal, mspId)) as ContractMetadata;
        } catch (error) {
          throw proposalError(error, 'evaluate');
        }
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#blocks.wake();
    await Promise.allSettled([...this.#inFlight]);
    await this.#committer.idle();
    await this.#store.close();
  }

  /** The peer a client's gateway runs on: its own organization's (an organization the channel lacks has none: the first one's). */
  #gatewayPeerFor(mspId: string): string {
    return (this.#organizations.find((organization) => organization.mspId === mspId) ?? this.#organizations[0])?.mspId ?? mspId;
  }

  async #submit<T extends TransactionName>(identity: () => Promise<SigningIdentity>, name: T, request: RequestOf<T>, options: CallOptions): Promise<ResultOf<T>> {
    const proposal = await this.#propose(identity, name, request, options);
    let endorsed;
    try {
      const { endorsingOrganizations } = options;
      // Without named organizations, the proposal runs first on the caller's own organization's peer (the
      // gateway's), and the organizations its writes need endorse it: three for a settlement, whatever the
      // number of operators (ADR 0039).
      endorsed =
        endorsingOrganizations === undefined
          ? await this.#endorser.endorsePlanned(this.#store, proposal, this.#gatewayPeerFor(proposal.creator.mspId), this.#plan)
          : await this.#endorser.endorse(this.#store, proposal, endorsingOrganizations);
    } catch (error) {
      throw proposalError(error, 'endorse');
    }
    const { txId } = proposal.record;
    let outcome;
    try {
      outcome = await this.#committer.order(endorsed);
    } catch (error) {
      throw new LedgerUnavailable({ stage: 'commit', code: 'STORE', transactionId: txId, cause: error });
    }
    if (outcome.code !== 'VALID') throw invalidationError(new TransactionInvalidated(txId, outcome.blockNumber, outcome.code));
    return JSON.parse(endorsed.payload) as ResultOf<T>;
  }

  /** Runs on one peer: the first named organization's, or else the client's own, where its gateway would be. */
  async #evaluate<T extends TransactionName>(identity: () => Promise<SigningIdentity>, name: T, request: RequestOf<T>, options: CallOptions): Promise<ResultOf<T>> {
    const proposal = await this.#propose(identity, name, request, options);
    try {
      const payload = await this.#endorser.evaluate(this.#store, proposal, options.endorsingOrganizations?.[0] ?? proposal.creator.mspId);
      return JSON.parse(payload) as ResultOf<T>;
    } catch (error) {
      throw proposalError(error, 'evaluate');
    }
  }

  async #propose(identity: () => Promise<SigningIdentity>, name: string, request: unknown, options: CallOptions): Promise<Proposal> {
    if (this.#closed) throw new LedgerUnavailable({ stage: 'endorse', code: 'CLOSED', cause: new Error('the embedded ledger is closed') });
    const creator = await identity();
    return this.#endorser.newProposal(creator, name, JSON.stringify(request), options.transient ?? {}, this.#stamp());
  }

  /** A client certificate per organization and attributes, issued by the organization's CA once and kept. */
  #identity(mspId: MspId, attributes: Readonly<Record<string, string>>): Promise<SigningIdentity> {
    const name = `${mspId}/${clientName(attributes)}`;
    let identity = this.#identities.get(name);
    if (identity === undefined) {
      identity = this.#loadOrIssue(name, mspId, attributes);
      this.#identities.set(name, identity);
      identity.catch(() => this.#identities.delete(name));
    }
    return identity;
  }

  async #loadOrIssue(name: string, mspId: MspId, attributes: Readonly<Record<string, string>>): Promise<SigningIdentity> {
    const stored = await this.#store.get(key(PREFIX.client, name));
    if (stored !== undefined) return loadIdentity(JSON.parse(stored.toString('utf8')) as StoredIdentity);
    const organization = this.#organizations.find((candidate) => candidate.mspId === mspId);
    if (organization === undefined) throw new LedgerUnavailable({ stage: 'endorse', code: 'UNKNOWN_ORGANIZATION', cause: new Error(`${mspId} is not an organization of the channel`) });
    const identity = issueClient(organization, attributes, new Date(this.#clock.now() - 24 * 3600_000));
    await this.#store.write([{ type: 'put', key: key(PREFIX.client, name), value: Buffer.from(JSON.stringify(storeIdentity(identity))) }]);
    return identity;
  }

  /**
   * Each proposal is stamped at least 1 ms after the previous one: a simulated clock may stand still while
   * several are made, and the chaincode reads one instant as "no time has passed".
   */
  #stamp(): number {
    this.#lastStampMs = Math.max(this.#clock.now(), this.#lastStampMs + 1);
    return this.#lastStampMs;
  }

  #track<R>(work: Promise<R>): Promise<R> {
    this.#inFlight.add(work);
    void work.catch(() => undefined).finally(() => this.#inFlight.delete(work));
    return work;
  }
}

