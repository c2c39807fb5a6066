import { randomBytes } from 'node:crypto';
import type { MspId } from '@chargeledger/chaincode/api';
import type { Dispatcher } from './chaincode';
import { endorsedBytes, envelopeBytes, transactionId, type ChaincodeEventRecord, type CollectionConfig, type ProposalRecord, type ReadWriteSetRecord, type ResponseRecord, type TransactionEnvelope } from './blocks';
import { canonicalJson } from './json';
import { signBytes, type OrganizationMsp, type SigningIdentity } from './msp';
import { sha256, type LedgerStore, type StateView } from './store';
import { EmbeddedStub, type Simulation } from './stub';

export interface Proposal {
  readonly record: ProposalRecord;
  /** Given to the endorsing peers' chaincode only; never written to a block. */
  readonly transient: ReadonlyMap<string, Uint8Array>;
  readonly creator: SigningIdentity;
}

/** A proposal failed before ordering: the chaincode refused, the peers disagreed, or no peer serves an organization. */
export class ProposalFailure extends Error {
  override readonly name = 'ProposalFailure';
  constructor(
    readonly kind: 'refused' | 'mismatch' | 'no-peer',
    readonly transactionId: string,
    readonly peer: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Endorsed by every named peer, signed by the creator, not yet ordered. The simulation keeps the private values. */
export interface EndorsedTransaction {
  readonly envelope: TransactionEnvelope;
  readonly simulation: Simulation;
  readonly payload: string;
}

export interface EndorserOptions {
  readonly dispatcher: Dispatcher;
  readonly organizations: readonly OrganizationMsp[];
  readonly collections: readonly CollectionConfig[];
  readonly channel: string;
  readonly chaincode: string;
}

const byKeyBytes = (a: readonly [string, ...unknown[]], b: readonly [string, ...unknown[]]): number => Buffer.compare(Buffer.from(a[0], 'utf8'), Buffer.from(b[0], 'utf8'));
const base64 = (value: Buffer | null): string | null => (value === null ? null : value.toString('base64'));
const hashHex = (value: Buffer | string): string => sha256(value).toString('hex');

/** The block's record of a simulation: public reads and writes as they are, private keys and values as hashes. */
export function readWriteSetRecord(simulation: Simulation): ReadWriteSetRecord {
  const privateReads = [...simulation.privateReads].flatMap(([collection, reads]) => [...reads].map(([key, version]) => [collection, hashHex(key), version] as const));
  const privateWrites = [...simulation.privateWrites].flatMap(([collection, writes]) =>
    [...writes].map(([key, value]) => [collection, hashHex(key), value === null ? null : hashHex(value)] as const),
  );
  return {
    reads: [...simulation.reads].sort(byKeyBytes),
    ranges: simulation.ranges,
    writes: [...simulation.writes].map(([key, value]) => [key, base64(value)] as const).sort(byKeyBytes),
    policies: [...simulation.policies].map(([key, value]) => [key, value.toString('base64')] as const).sort(byKeyBytes),
    privateReads: privateReads.sort(byKeyBytes),
    privateWrites: privateWrites.sort(byKeyBytes),
  };
}

/**
 * The organizations' peers. A proposal runs the real contract dispatcher once per endorsing organization,
 * each run on that organization's peer (getMspID answers its MSP) over one snapshot of committed state;
 * results that differ are refused as the gateway refuses them, and each agreeing peer signs the response.
 */
export class Endorser {
  readonly #options: EndorserOptions;

  constructor(options: Readonly<EndorserOptions>) {
    this.#options = options;
  }

  newProposal(creator: SigningIdentity, transaction: string, argument: string, transient: Readonly<Record<string, string>>, timestampMs: number): Proposal {
    const nonce = randomBytes(24).toString('base64');
    const record: ProposalRecord = {
      txId: transactionId(nonce, creator.certificate),
      nonce,
      channel: this.#options.channel,
      chaincode: this.#options.chaincode,
      timestampMs,
      creator: { mspId: creator.mspId, certificate: creator.certificate },
      transaction,
      argument,
    };
    const transientMap = new Map(Object.entries(transient).map(([key, value]) => [key, Buffer.from(value, 'utf8')]));
    return { record, transient: transientMap, creator };
  }

  async endorse(store: LedgerStore, proposal: Proposal, endorsers: readonly string[]): Promise<EndorsedTransaction> {
    const peers = this.#peers(proposal, endorsers);
    const state = store.snapshot();
    try {
      const runs = [];
      for (const peer of peers) runs.push(await this.#execute(state, proposal, peer.mspId));
      const [first, ...others] = runs;
      if (first === undefined) throw new ProposalFailure('no-peer', proposal.record.txId, undefined, 'no endorsing organizations');
      const fingerprint = canonicalJson(first.response);
      if (others.some((other) => canonicalJson(other.response) !== fingerprint)) {
        throw new ProposalFailure('mismatch', proposal.record.txId, undefined, `${proposal.record.transaction}: endorsing peers returned different results`);
      }
      const signed = endorsedBytes(proposal.record, first.response);
      const endorsements = peers.map((peer) => ({ mspId: peer.mspId, certificate: peer.peer.certificate, signature: signBytes(peer.peer, signed) }));
      const unsigned = { proposal: proposal.record, response: first.response, endorsements };
      const envelope: TransactionEnvelope = { type: 'transaction', ...unsigned, signature: signBytes(proposal.creator, envelopeBytes(unsigned)) };
      return { envelope, simulation: first.simulation, payload: first.response.payload };
    } finally {
      await state.close();
    }
  }

  /**
   * Endorsed as Fabric's gateway plans it: the proposal runs first on `firstPeer` (the gateway's own), whose
   * simulation `plan` turns into the organizations needed; those endorse it.
   */
  async endorsePlanned(store: LedgerStore, proposal: Proposal, firstPeer: string, plan: (simulation: Simulation, state: StateView) => Promise<readonly string[]>): Promise<EndorsedTransaction> {
    const [peer] = this.#peers(proposal, [firstPeer]);
    const state = store.snapshot();
    let endorsers: readonly string[];
    try {
      endorsers = await plan((await this.#execute(state, proposal, (peer as OrganizationMsp).mspId)).simulation, state);
    } finally {
      await state.close();
    }
    return this.endorse(store, proposal, endorsers);
  }

  /** Runs the proposal on one organization's peer and answers; nothing is signed, ordered or kept. */
  async evaluate(store: LedgerStore, proposal: Proposal, peerMspId: string): Promise<string> {
    const [peer] = this.#peers(proposal, [peerMspId]);
    const state = store.snapshot();
    try {
      return (await this.#execute(state, proposal, (peer as OrganizationMsp).mspId)).response.payload;
    } finally {
      await state.close();
    }
  }

  #peers(proposal: Proposal, names: readonly string[]): OrganizationMsp[] {
    return [...new Set(names)].map((name) => {
      const organization = this.#options.organizations.find((candidate) => candidate.mspId === name);
      if (organization === undefined) throw new ProposalFailure('no-peer', proposal.record.txId, name, `no endorsing peers found for organization ${name}`);
      return organization;
    });
  }

  async #execute(state: StateView, proposal: Proposal, peerMspId: MspId): Promise<{ response: ResponseRecord; simulation: Simulation }> {
    const { record } = proposal;
    const stub = new EmbeddedStub({
      state,
      collections: this.#options.collections,
      chaincode: record.chaincode,
      channel: record.channel,
      txId: record.txId,
      timestampMs: record.timestampMs,
      creator: { mspid: record.creator.mspId, idBytes: Buffer.from(record.creator.certificate, 'utf8') },
      peerMspId,
      args: [Buffer.from(record.transaction, 'utf8'), Buffer.from(record.argument, 'utf8')],
      transient: proposal.transient,
    });
    const answer = await this.#options.dispatcher.Invoke(stub);
    if (answer.status !== 200) throw new ProposalFailure('refused', record.txId, peerMspId, answer.message ?? 'chaincode error');
    const event: ChaincodeEventRecord | null = stub.event === undefined ? null : { name: stub.event.name, payloadBase64: stub.event.payload.toString('base64') };
    const response = { payload: Buffer.from(answer.payload ?? new Uint8Array()).toString('utf8'), readWriteSet: readWriteSetRecord(stub.simulation), event };
    return { response, simulation: stub.simulation };
  }
}
