import './quiet-fabric-logs';
import { randomBytes } from 'node:crypto';
import { JSONSerializer } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract';
import { setLevel } from 'fabric-shim/lib/logger';
import type { ChaincodeErrorCode, MspId, RequestOf, ResultOf, TransactionName } from '../api';
import { parseChaincodeErrorCode } from '../core/errors';
import { InMemoryStub, type ReadWriteSet } from './stub';
import { issueCertificate, newIssuer, type Issuer } from './x509';
import { policyOrgs, WorldState, type CollectionConfig } from './world-state';

/** Two operator organizations, as a consortium of competing operators has (ADR 0038). */
export const CHANNEL_ORGS: readonly MspId[] = ['OperatorsMSP', 'Operators2MSP', 'ProsumersMSP', 'WalletsMSP', 'AuthorityMSP'];

/** The chaincode's endorsement policy (ADR 0039): AND('WalletsMSP.peer', 'AuthorityMSP.peer'), whatever the number of operators. */
export const CHAINCODE_POLICY_ORGS: readonly MspId[] = ['WalletsMSP', 'AuthorityMSP'];

export interface Identity {
  readonly mspId: MspId;
  readonly certificate: string;
}

export interface CommittedEvent {
  readonly txId: string;
  readonly name: string;
  readonly payload: unknown;
}

export interface TxOptions {
  readonly transient?: Readonly<Record<string, string | Uint8Array>>;
  readonly timestampMs?: number;
  /** Peers asked to endorse; every channel org by default. */
  readonly endorsers?: readonly MspId[];
}

/** The proposal failed on a peer: the chaincode refused or threw. Nothing was ordered. */
export class EndorseError extends Error {
  override readonly name = 'EndorseError';
  constructor(
    readonly peer: MspId,
    readonly code: ChaincodeErrorCode | undefined,
    message: string,
  ) {
    super(message);
  }
}

export type ValidationCode = 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT' | 'ENDORSEMENT_POLICY_FAILURE' | 'ENDORSEMENT_MISMATCH';

/** The transaction was ordered but invalidated at commit; its writes and event were discarded. */
export class CommitError extends Error {
  override readonly name = 'CommitError';
  constructor(
    readonly txId: string,
    readonly code: ValidationCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Endorsed {
  readonly txId: string;
  readonly payload: string;
  readonly rwset: ReadWriteSet;
  readonly event: InMemoryStub['event'];
  readonly endorsers: readonly MspId[];
}

export interface TestNetworkOptions {
  readonly contracts: readonly unknown[];
  readonly collections: readonly CollectionConfig[];
  readonly startMs: number;
  /** Operators the Authority admits before the channel's first transaction (Registry:admitOperator). */
  readonly operators?: readonly { readonly operatorId: string; readonly mspId: MspId }[];
}

/**
 * One channel with the four organizations' peers, running the real fabric-contract-api dispatcher over the
 * in-memory stub. A submit executes the proposal on every endorsing peer, refuses differing results,
 * orders it, then validates it as a committing peer does (endorsement policies, MVCC and phantom reads)
 * before any write or event becomes visible. The channel's chaincode endorsement policy is that of ADR 0039.
 * The operators of `operators` are admitted before anything else runs, as a deployment admits them first.
 */
export class TestNetwork {
  readonly world = new WorldState();
  readonly events: CommittedEvent[] = [];
  /** Which peer received which transient keys, for every execution: transient data is not in blocks, but endorsers see it. */
  readonly transientDeliveries: { readonly transaction: string; readonly peer: MspId; readonly keys: readonly string[] }[] = [];
  readonly #dispatcher: ChaincodeFromContract;
  readonly #collections: readonly CollectionConfig[];
  readonly #issuers = new Map<MspId, Issuer>();
  #nowMs: number;
  #serial = 1;
  #admitted: Promise<void> | undefined;
  readonly #operators: TestNetworkOptions['operators'];

  constructor(options: Readonly<TestNetworkOptions>) {
    setLevel('CRITICAL');
    const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
    this.#dispatcher = new ChaincodeFromContract([...options.contracts], serializers, {}, 'chargeledger', '0.1.0');
    this.#collections = options.collections;
    this.#nowMs = options.startMs;
    this.#operators = options.operators;
  }

  /** The admissions of `operators`, once, before the first transaction of the channel. */
  async #admissions(): Promise<void> {
    const operators = this.#operators ?? [];
    if (operators.length === 0) return;
    this.#admitted ??= (async () => {
      const authority = this.identity('AuthorityMSP');
      for (const { operatorId, mspId } of operators) {
        const endorsed = await this.#endorseNow(authority, 'Registry:admitOperator', { eventId: `admit-${operatorId}`, operatorId, mspId }, {});
        const [failure] = this.commit([endorsed]);
        if (failure !== undefined) throw failure;
      }
    })();
    await this.#admitted;
  }

  get nowMs(): number {
    return this.#nowMs;
  }

  /** Moves the clients' clock; transaction timestamps come from it. */
  advance(ms: number): void {
    this.#nowMs += ms;
  }

  /** `Contract:function` of every transaction the dispatcher exposes, as GetMetadata lists them. */
  transactionNames(): string[] {
    return Object.entries(this.#dispatcher.metadata.contracts)
      .filter(([contract]) => contract !== 'org.hyperledger.fabric')
      .flatMap(([contract, { transactions }]) => transactions.map((tx) => `${contract}:${tx.name}`));
  }

  identity(mspId: MspId, attributes: Readonly<Record<string, string>> = {}): Identity {
    const issuer = this.#issuers.get(mspId) ?? newIssuer(mspId);
    this.#issuers.set(mspId, issuer);
    const serial = this.#serial++;
    const subject = { commonName: `user${serial}`, organization: mspId, organizationalUnit: 'client' };
    return { mspId, certificate: issueCertificate(issuer, subject, attributes, serial) };
  }

  async submit<T extends TransactionName>(who: Identity, name: T, request: RequestOf<T>, options: TxOptions = {}): Promise<ResultOf<T>> {
    const endorsed = await this.endorse(who, name, request, options);
    const [failure] = this.commit([endorsed]);
    if (failure !== undefined) throw failure;
    return JSON.parse(endorsed.payload) as ResultOf<T>;
  }

  async evaluate<T extends TransactionName>(
    who: Identity,
    name: T,
    request: RequestOf<T>,
    options: TxOptions & { readonly peer?: MspId } = {},
  ): Promise<ResultOf<T>> {
    await this.#admissions();
    const peer = options.peer ?? who.mspId;
    const { payload } = await this.#execute(who, name, request, options, peer, this.#txId());
    return JSON.parse(payload) as ResultOf<T>;
  }

  /** Executes the proposal on each endorsing peer; nothing is committed. */
  async endorse<T extends TransactionName>(who: Identity, name: T, request: RequestOf<T>, options: TxOptions = {}): Promise<Endorsed> {
    await this.#admissions();
    return this.#endorseNow(who, name, request, options);
  }

  async #endorseNow<T extends TransactionName>(who: Identity, name: T, request: RequestOf<T>, options: TxOptions): Promise<Endorsed> {
    const txId = this.#txId();
    const timestampMs = options.timestampMs ?? this.#tick();
    const endorsers = options.endorsers ?? CHANNEL_ORGS;
    const results = [];
    for (const peer of endorsers) results.push(await this.#execute(who, name, request, { ...options, timestampMs }, peer, txId));
    const [first, ...others] = results;
    if (first === undefined) throw new Error('no endorsers');
    for (const other of others) {
      if (fingerprint(other) !== fingerprint(first)) {
        throw new CommitError(txId, 'ENDORSEMENT_MISMATCH', `${name}: endorsing peers returned different results`);
      }
    }
    return { txId, payload: first.payload, rwset: first.stub.rwset, event: first.stub.event, endorsers };
  }

  /** Validates and commits a block of endorsed transactions in order; returns each one's fate. */
  commit(block: readonly Endorsed[]): (CommitError | undefined)[] {
    return block.map((tx) => {
      const failure = this.#validate(tx);
      if (failure !== undefined) return failure;
      const { writes, validation, privateWrites } = tx.rwset;
      this.world.apply({ public: writes, validation, private: privateWrites });
      if (tx.event !== undefined) {
        this.events.push({ txId: tx.txId, name: tx.event.name, payload: JSON.parse(tx.event.payload.toString('utf8')) });
      }
      return undefined;
    });
  }

  async #execute(who: Identity, name: string, request: unknown, options: TxOptions, peer: MspId, txId: string): Promise<{ payload: string; stub: InMemoryStub }> {
    const transient = new Map<string, Uint8Array>();
    for (const [key, value] of Object.entries(options.transient ?? {})) transient.set(key, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
    if (transient.size > 0) this.transientDeliveries.push({ transaction: name, peer, keys: [...transient.keys()] });
    const stub = new InMemoryStub({
      world: this.world,
      collections: this.#collections,
      chaincodeName: 'chargeledger',
      channelId: 'chargeledger',
      txId,
      timestampMs: options.timestampMs ?? this.#nowMs,
      creator: { mspid: who.mspId, idBytes: Buffer.from(who.certificate, 'utf8') },
      peerMspId: peer,
      args: [Buffer.from(name, 'utf8'), Buffer.from(JSON.stringify(request), 'utf8')],
      transient,
    });
    const response = await this.#dispatcher.Invoke(stub);
    if (response.status !== 200) {
      const message = response.message ?? 'chaincode error';
      throw new EndorseError(peer, parseChaincodeErrorCode(message), message);
    }
    return { payload: Buffer.from(response.payload ?? new Uint8Array()).toString('utf8'), stub };
  }

  #validate(tx: Endorsed): CommitError | undefined {
    const { rwset } = tx;
    for (const [key, version] of rwset.reads) {
      if ((this.world.get(key)?.version ?? null) !== version) return this.#fail(tx, 'MVCC_READ_CONFLICT', key);
    }
    for (const range of rwset.ranges) {
      const now = this.world.range(range.start, range.end).map((key) => [key, this.world.get(key)?.version ?? 0]);
      if (JSON.stringify(now) !== JSON.stringify(range.keys)) return this.#fail(tx, 'PHANTOM_READ_CONFLICT', range.start);
    }
    for (const [id, version] of rwset.privateReads) {
      const [collection = '', ...rest] = id.split('/');
      if ((this.world.getPrivate(collection, rest.join('/'))?.version ?? null) !== version) return this.#fail(tx, 'MVCC_READ_CONFLICT', id);
    }
    let needsChaincodePolicy = rwset.writes.size === 0 && rwset.validation.size === 0 && rwset.privateWrites.size === 0;
    for (const collection of rwset.privateWrites.keys()) {
      const policy = this.#collections.find((config) => config.name === collection)?.endorsementPolicy;
      if (policy === undefined) needsChaincodePolicy = true;
      else if (!policyOrgs(policy.signaturePolicy).some((org) => (tx.endorsers as readonly string[]).includes(org))) {
        return this.#fail(tx, 'ENDORSEMENT_POLICY_FAILURE', `collection ${collection} needs ${policy.signaturePolicy}`);
      }
    }
    for (const key of new Set([...rwset.writes.keys(), ...rwset.validation.keys()])) {
      const parameter = this.world.validationParameter(key);
      if (parameter === undefined) {
        needsChaincodePolicy = true;
        continue;
      }
      const required = new KeyEndorsementPolicy(parameter).listOrgs();
      if (!required.every((org) => (tx.endorsers as readonly string[]).includes(org))) {
        return this.#fail(tx, 'ENDORSEMENT_POLICY_FAILURE', `${key} needs ${required.join(', ')}`);
      }
    }
    if (needsChaincodePolicy && !CHAINCODE_POLICY_ORGS.every((org) => tx.endorsers.includes(org))) {
      return this.#fail(tx, 'ENDORSEMENT_POLICY_FAILURE', `the chaincode policy needs ${CHAINCODE_POLICY_ORGS.join(' and ')}`);
    }
    return undefined;
  }

  #fail(tx: Endorsed, code: ValidationCode, detail: string): CommitError {
    return new CommitError(tx.txId, code, `${code}: ${JSON.stringify(detail)}`);
  }

  #tick(): number {
    this.#nowMs += 1000;
    return this.#nowMs;
  }

  #txId(): string {
    return randomBytes(32).toString('hex');
  }
}

function fingerprint(result: { payload: string; stub: InMemoryStub }): string {
  const { rwset, event } = result.stub;
  const serialize = (map: Map<string, unknown>): unknown[] => [...map.entries()].map(([key, value]) => [key, value instanceof Buffer ? value.toString('base64') : value]);
  return JSON.stringify({
    payload: result.payload,
    reads: [...rwset.reads.entries()],
    ranges: rwset.ranges,
    privateReads: [...rwset.privateReads.entries()],
    writes: serialize(rwset.writes),
    validation: serialize(rwset.validation),
    privateWrites: [...rwset.privateWrites.entries()].map(([name, writes]) => [name, serialize(writes)]),
    event: event === undefined ? null : [event.name, event.payload.toString('base64')],
  });
}
