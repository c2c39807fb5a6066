import type { MspId } from '@chargeledger/chaincode/api';
import { octets, sequence, unsignedInteger } from './der';
import { canonicalJson } from './json';
import type { CHAINCODE_POLICY } from './policies';
import { sha256 } from './store';

/** Fabric's transaction validation codes (peer.TxValidationCode) for the outcomes this ledger can reach. */
export const VALIDATION_CODE = {
  VALID: 0,
  BAD_CREATOR_SIGNATURE: 4,
  BAD_PROPOSAL_TXID: 8,
  DUPLICATE_TXID: 9,
  ENDORSEMENT_POLICY_FAILURE: 10,
  MVCC_READ_CONFLICT: 11,
  PHANTOM_READ_CONFLICT: 12,
} as const;

export type ValidationCodeName = keyof typeof VALIDATION_CODE;

export interface BlockHeader {
  readonly number: number;
  /** Hex SHA-256 of the previous block's header; empty for block 0. */
  readonly previousHash: string;
  /** Hex SHA-256 over the block's data entries, concatenated. */
  readonly dataHash: string;
}

export interface BlockMetadata {
  /** One per data entry, as the committing peer judged it. Invalid transactions stay in the block. */
  readonly validationCodes: readonly ValidationCodeName[];
  /** Hex SHA-256 over the previous commit hash, this header's hash and the validation codes. */
  readonly commitHash: string;
}

export interface Block {
  readonly header: BlockHeader;
  /** Canonical JSON of a ConfigEnvelope (block 0) or TransactionEnvelopes. */
  readonly data: readonly string[];
  readonly metadata: BlockMetadata;
}

export interface OrganizationConfig {
  readonly mspId: MspId;
  readonly caCertificate: string;
  readonly peerCertificate: string;
}

export interface CollectionConfig {
  readonly name: string;
  readonly policy: string;
  readonly requiredPeerCount: number;
  readonly maxPeerCount: number;
  readonly blockToLive: number;
  readonly memberOnlyRead: boolean;
  readonly memberOnlyWrite: boolean;
  readonly endorsementPolicy?: { readonly signaturePolicy: string };
}

/** Block 0: the channel as created, the trust anchors every later signature is checked against. */
export interface ConfigEnvelope {
  readonly type: 'config';
  readonly channel: string;
  readonly chaincode: string;
  readonly createdAtMs: number;
  readonly organizations: readonly OrganizationConfig[];
  readonly collections: readonly CollectionConfig[];
  /** The chaincode's policy: MAJORITY on channels created before ADR 0039, the fixed set of ADR 0039 since. */
  readonly endorsementPolicy: 'MAJORITY' | typeof CHAINCODE_POLICY;
}

/** A read of a public key and the version it had; null when the key did not exist. */
export type ReadRecord = readonly [key: string, version: string | null];
export type WriteRecord = readonly [key: string, valueBase64: string | null];

/** What a transaction read and wrote, as recorded in the block. Private data appears as hashes only. */
export interface ReadWriteSetRecord {
  readonly reads: readonly ReadRecord[];
  readonly ranges: readonly { readonly start: string; readonly end: string | null; readonly results: readonly (readonly [string, string])[] }[];
  readonly writes: readonly WriteRecord[];
  readonly policies: readonly (readonly [key: string, policyBase64: string])[];
  readonly privateReads: readonly (readonly [collection: string, keyHash: string, version: string | null])[];
  readonly privateWrites: readonly (readonly [collection: string, keyHash: string, valueHash: string | null])[];
}

export interface ChaincodeEventRecord {
  readonly name: string;
  readonly payloadBase64: string;
}

export interface ProposalRecord {
  readonly txId: string;
  /** Base64 random bytes; the transaction id is SHA-256(nonce ‖ creator certificate), as Fabric derives it. */
  readonly nonce: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly timestampMs: number;
  readonly creator: { readonly mspId: MspId; readonly certificate: string };
  readonly transaction: string;
  /** The request, JSON. Transient data is never part of a proposal record. */
  readonly argument: string;
}

export interface ResponseRecord {
  readonly payload: string;
  readonly readWriteSet: ReadWriteSetRecord;
  readonly event: ChaincodeEventRecord | null;
}

export interface EndorsementRecord {
  readonly mspId: MspId;
  readonly certificate: string;
  /** Base64 DER ECDSA by the endorsing peer over SHA-256(canonical { proposalHash, response }). */
  readonly signature: string;
}

export interface TransactionEnvelope {
  readonly type: 'transaction';
  readonly proposal: ProposalRecord;
  readonly response: ResponseRecord;
  readonly endorsements: readonly EndorsementRecord[];
  /** Base64 DER ECDSA by the creator over SHA-256(canonical { proposal, response, endorsements }). */
  readonly signature: string;
}

export type Envelope = ConfigEnvelope | TransactionEnvelope;

export function transactionId(nonce: string, certificate: string): string {
  return sha256(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(certificate, 'utf8')])).toString('hex');
}

export function proposalHash(proposal: ProposalRecord): string {
  return sha256(canonicalJson(proposal)).toString('hex');
}

export function endorsedBytes(proposal: ProposalRecord, response: ResponseRecord): Buffer {
  return sha256(canonicalJson({ proposalHash: proposalHash(proposal), response }));
}

export function envelopeBytes(envelope: Omit<TransactionEnvelope, 'signature' | 'type'>): Buffer {
  return sha256(canonicalJson({ proposal: envelope.proposal, response: envelope.response, endorsements: envelope.endorsements }));
}

/** SHA-256 over the DER of (number, previousHash, dataHash): how Fabric hashes a block header. */
export function headerHash(header: BlockHeader): string {
  const der = sequence(unsignedInteger(header.number), octets(Buffer.from(header.previousHash, 'hex')), octets(Buffer.from(header.dataHash, 'hex')));
  return sha256(der).toString('hex');
}

export function dataHash(data: readonly string[]): string {
  return sha256(Buffer.concat(data.map((entry) => Buffer.from(entry, 'utf8')))).toString('hex');
}

export function commitHash(previousCommitHash: string, header: BlockHeader, codes: readonly ValidationCodeName[]): string {
  return sha256(canonicalJson({ previousCommitHash, headerHash: headerHash(header), validationCodes: codes })).toString('hex');
}

/** Chains a block onto `previous` (undefined for block 0). */
export function newBlock(previous: Block | undefined, data: readonly string[], codes: readonly ValidationCodeName[]): Block {
  const header: BlockHeader = {
    number: previous === undefined ? 0 : previous.header.number + 1,
    previousHash: previous === undefined ? '' : headerHash(previous.header),
    dataHash: dataHash(data),
  };
  return { header, data, metadata: { validationCodes: codes, commitHash: commitHash(previous?.metadata.commitHash ?? '', header, codes) } };
}

export function parseEnvelope(entry: string): Envelope {
  return JSON.parse(entry) as Envelope;
}
