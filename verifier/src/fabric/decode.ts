import { createHash } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import type { Membership } from '../certificates';
import { parseCertificate } from '../certificates';
import type { CommittedTransaction, KeyVersion, LedgerIdentity } from '../ledger-view';
import { type BlockValidationPolicy, decodeBlockValidationPolicy } from './block-validation';
import { blockHeaderBytes } from './der';
import { type Consenter, decodeConsenterMapping, decodeIdentifierHeader, decodeMetadataEntry } from './wire';

/** A Fabric block, decoded as far as the checks need, keeping the exact bytes every signature covers. */
export interface FabricBlock {
  readonly number: number;
  readonly previousHash: Buffer;
  readonly dataHash: Buffer;
  /** SHA-256 of the header's DER: what the next block names as its previous hash. */
  readonly hash: Buffer;
  readonly headerBytes: Buffer;
  readonly data: readonly Buffer[];
  /** One validation code per transaction (the TRANSACTIONS_FILTER metadata). */
  readonly validationCodes: readonly number[];
  readonly signatures: readonly BlockSignature[];
  /** The SIGNATURES metadata value every orderer signature covers. */
  readonly signedMetadata: Buffer;
  readonly lastConfig: number;
}

/**
 * One orderer's signature on a block. Raft and Solo orderers name themselves in a signature header; SmartBFT
 * consenters name only their consenter id, in an identifier header, and the channel configuration says who that is.
 */
export interface BlockSignature {
  /** The creator of the signature header; undefined under BFT. */
  readonly signer: LedgerIdentity | undefined;
  readonly signatureHeader: Buffer;
  /** The consenter id of the identifier header (BFT); undefined when the signature has none. */
  readonly consenterId: number | undefined;
  /** The header the signature covers: the signature header, or else the identifier header. */
  readonly signedHeader: Buffer;
  readonly signature: Buffer;
}

const METADATA_SIGNATURES = common.BlockMetadataIndex.SIGNATURES;
const METADATA_TRANSACTIONS_FILTER = common.BlockMetadataIndex.TRANSACTIONS_FILTER;

export function decodeBlock(bytes: Uint8Array): FabricBlock {
  const block = common.Block.deserializeBinary(bytes);
  const header = block.getHeader();
  if (header === undefined) throw new Error('the block has no header');
  const number = BigInt(header.getNumber());
  const previousHash = Buffer.from(header.getPreviousHash_asU8());
  const dataHash = Buffer.from(header.getDataHash_asU8());
  const headerBytes = blockHeaderBytes(number, previousHash, dataHash);
  const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
  // Decoded by hand: the protos in use drop a BFT signature's identifier header (common.MetadataSignature field 3).
  const signed = decodeMetadataEntry(metadata[METADATA_SIGNATURES] ?? new Uint8Array());
  const signedMetadata = signed.value;
  const lastConfig = signedMetadata.length === 0 ? 0 : (common.OrdererBlockMetadata.deserializeBinary(signedMetadata).getLastConfig()?.getIndex() ?? 0);
  return {
    number: Number(number),
    previousHash,
    dataHash,
    hash: createHash('sha256').update(headerBytes).digest(),
    headerBytes,
    data: (block.getData()?.getDataList_asU8() ?? []).map((entry) => Buffer.from(entry)),
    validationCodes: [...(metadata[METADATA_TRANSACTIONS_FILTER] ?? new Uint8Array())],
    signatures: signed.signatures.map(({ signatureHeader, identifierHeader, signature }) => {
      const byHeader = signatureHeader.length > 0;
      return {
        signer: byHeader ? identityOf(common.SignatureHeader.deserializeBinary(signatureHeader).getCreator_asU8()) : undefined,
        signatureHeader,
        consenterId: !byHeader && identifierHeader.length > 0 ? decodeIdentifierHeader(identifierHeader).identifier : undefined,
        signedHeader: byHeader ? signatureHeader : identifierHeader,
        signature,
      };
    }),
    signedMetadata,
    lastConfig: Number(lastConfig),
  };
}

/** SHA-256 over the concatenated data entries (protoutil.ComputeBlockDataHash). */
export function computeDataHash(data: readonly Buffer[]): Buffer {
  return createHash('sha256').update(Buffer.concat(data)).digest();
}

export function identityOf(serialized: Uint8Array): LedgerIdentity {
  const identity = msp.SerializedIdentity.deserializeBinary(serialized);
  return { mspId: identity.getMspid(), certificate: Buffer.from(identity.getIdBytes_asU8()).toString('utf8') };
}

/** The channel's organizations, and who orders its blocks, as the configuration block defines them. */
export interface ChannelConfig {
  readonly application: readonly Membership[];
  readonly orderer: readonly Membership[];
  /** The Orderer group's consenter mapping (V3 channels; every BFT channel); empty when the configuration has none. */
  readonly consenters: readonly Consenter[];
  /** What a block's signatures must satisfy: the Orderer group's BlockValidation policy. */
  readonly blockValidation: BlockValidationPolicy;
}

export function decodeConfig(block: FabricBlock): ChannelConfig {
  const envelope = common.Envelope.deserializeBinary(block.data[0] ?? new Uint8Array());
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig();
  const channel = config?.getChannelGroup();
  if (channel === undefined) throw new Error(`block ${block.number} holds no channel configuration`);
  const organizations = (group: string): Membership[] => {
    const orgs = channel.getGroupsMap().get(group)?.getGroupsMap();
    if (orgs === undefined) return [];
    const members: Membership[] = [];
    orgs.forEach((org: common.ConfigGroup) => {
      const value = org.getValuesMap().get('MSP')?.getValue_asU8();
      if (value === undefined) return;
      const mspConfig = msp.MSPConfig.deserializeBinary(value);
      const fabric = msp.FabricMSPConfig.deserializeBinary(mspConfig.getConfig_asU8());
      const certificates = (list: Uint8Array[]) => list.flatMap((pem) => parseCertificate(Buffer.from(pem)) ?? []);
      const ous = fabric.getFabricNodeOus();
      members.push({
        mspId: fabric.getName(),
        roots: certificates(fabric.getRootCertsList_asU8()),
        intermediates: certificates(fabric.getIntermediateCertsList_asU8()),
        ...(ous?.getEnable() === true && ous.getPeerOuIdentifier() !== undefined ? { peerOu: ous.getPeerOuIdentifier()?.getOrganizationalUnitIdentifier() ?? 'peer' } : {}),
      });
    });
    return members;
  };
  const ordererGroup = channel.getGroupsMap().get('Orderer');
  const mapping = ordererGroup?.getValuesMap().get('Orderers')?.getValue_asU8();
  const blockValidation = ordererGroup?.getPoliciesMap().get('BlockValidation')?.getPolicy();
  if (blockValidation === undefined) throw new Error(`block ${block.number}'s configuration has no BlockValidation policy in its Orderer group`);
  return {
    application: organizations('Application'),
    orderer: organizations('Orderer'),
    consenters: mapping === undefined ? [] : decodeConsenterMapping(mapping),
    blockValidation: decodeBlockValidationPolicy(blockValidation),
  };
}

/** One endorser transaction of a block, with the bytes its signatures cover. */
export interface FabricTransaction {
  readonly view: CommittedTransaction;
  readonly channel: string;
  readonly chaincode: string;
  /** The envelope's payload and the submitter's signature over it. */
  readonly payload: Buffer;
  readonly signature: Buffer;
  readonly nonce: Buffer;
  /** Each endorsement: the endorser's serialized identity, signed together with the proposal response payload. */
  readonly endorsements: readonly { readonly identity: LedgerIdentity; readonly signedBytes: Buffer; readonly signature: Buffer }[];
  readonly creatorBytes: Buffer;
}

const VALIDATION_NAMES = new Map(Object.entries(peer.TxValidationCode).map(([name, code]) => [code as number, name]));

export function validationName(code: number | undefined): string {
  return code === undefined ? 'MISSING' : (VALIDATION_NAMES.get(code) ?? `CODE_${code}`);
}

/** Decodes the block's transaction with this id, or undefined when the block holds none. */
export function findTransaction(block: FabricBlock, transactionId: string, namespace: string): FabricTransaction | undefined {
  for (const [index, entry] of block.data.entries()) {
    const decoded = decodeTransaction(block, index, entry, namespace);
    if (decoded?.view.transactionId === transactionId) return decoded;
  }
  return undefined;
}

/** The transaction at `index` in the block; undefined for configuration and other non-endorser entries. */
export function decodeTransaction(block: FabricBlock, index: number, entry: Buffer, namespace: string): FabricTransaction | undefined {
  const envelope = common.Envelope.deserializeBinary(entry);
  const payloadBytes = Buffer.from(envelope.getPayload_asU8());
  const payload = common.Payload.deserializeBinary(payloadBytes);
  const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
  if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return undefined;
  const signatureHeader = common.SignatureHeader.deserializeBinary(payload.getHeader()?.getSignatureHeader_asU8() ?? new Uint8Array());
  const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = transaction.getActionsList()[0];
  if (action === undefined) return undefined;
  const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const proposalPayload = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8());
  const invocation = peer.ChaincodeInvocationSpec.deserializeBinary(proposalPayload.getInput_asU8());
  const args = invocation.getChaincodeSpec()?.getInput()?.getArgsList_asU8() ?? [];
  const endorsed = actionPayload.getAction();
  const responsePayload = Buffer.from(endorsed?.getProposalResponsePayload_asU8() ?? new Uint8Array());
  const chaincodeAction = peer.ChaincodeAction.deserializeBinary(peer.ProposalResponsePayload.deserializeBinary(responsePayload).getExtension_asU8());
  const reads = new Map<string, KeyVersion | null>();
  const writes = new Map<string, Buffer | null>();
  const readWriteSet = ledger.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
  for (const space of readWriteSet.getNsRwsetList()) {
    if (space.getNamespace() !== namespace) continue;
    const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(space.getRwset_asU8());
    for (const read of kv.getReadsList()) {
      const version = read.getVersion();
      reads.set(read.getKey(), version === undefined ? null : { block: version.getBlockNum(), tx: version.getTxNum() });
    }
    for (const write of kv.getWritesList()) writes.set(write.getKey(), write.getIsDelete() ? null : Buffer.from(write.getValue_asU8()));
  }
  const timestamp = channelHeader.getTimestamp();
  const creatorBytes = Buffer.from(signatureHeader.getCreator_asU8());
  const endorsements = (endorsed?.getEndorsementsList() ?? []).map((endorsement) => {
    const endorser = Buffer.from(endorsement.getEndorser_asU8());
    return { identity: identityOf(endorser), signedBytes: Buffer.concat([responsePayload, endorser]), signature: Buffer.from(endorsement.getSignature_asU8()) };
  });
  return {
    view: {
      transactionId: channelHeader.getTxId(),
      blockNumber: block.number,
      index,
      validation: validationName(block.validationCodes[index]),
      timestampMs: timestamp === undefined ? 0 : timestamp.getSeconds() * 1000 + Math.floor(timestamp.getNanos() / 1_000_000),
      function: args[0] === undefined ? '' : Buffer.from(args[0]).toString('utf8'),
      creator: identityOf(creatorBytes),
      endorsers: endorsements.map((endorsement) => endorsement.identity),
      reads,
      writes,
    },
    channel: channelHeader.getChannelId(),
    chaincode: chaincodeAction.getChaincodeId()?.getName() ?? '',
    payload: payloadBytes,
    signature: Buffer.from(envelope.getSignature_asU8()),
    nonce: Buffer.from(signatureHeader.getNonce_asU8()),
    endorsements,
    creatorBytes,
  };
}

/** Fabric's transaction id: hex SHA-256 of the nonce followed by the creator's serialized identity. */
export function expectedTransactionId(transaction: FabricTransaction): string {
  return createHash('sha256').update(Buffer.concat([transaction.nonce, transaction.creatorBytes])).digest('hex');
}
