import { createHash } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import type { Membership } from '../certificates';
import { parseCertificate } from '../certificates';
import type { CommittedTransaction, KeyVersion, LedgerIdentity } from '../ledger-view';
import { blockHeaderBytes } from './der';

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

export interface BlockSignature {
  /** The signer a signature header names; undefined when it names its signer by consenter id instead. */
  readonly signer: LedgerIdentity | undefined;
  /**
   * SmartBFT (Fabric 3): the signer's id in the channel's consenter mapping, from the signature's identifier
   * header, which the orderers send instead of a signature header.
   */
  readonly consenterId?: number;
  /** The header the signature covers: the signature header, or the identifier header in its place. */
  readonly signatureHeader: Buffer;
  readonly signature: Buffer;
}

/**
 * A protobuf message's fields by number (varints as numbers, length-delimited fields as bytes), for the
 * messages Fabric 3 added or extended for BFT ordering that the generated classes of
 * @hyperledger/fabric-protos 0.2 do not know (MetadataSignature's identifier header, IdentifierHeader,
 * the Orderers consenter mapping): they drop unknown fields when they decode.
 */
function protoFields(bytes: Uint8Array): Map<number, (number | Buffer)[]> {
  const fields = new Map<number, (number | Buffer)[]>();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let factor = 1;
    for (;;) {
      if (at >= bytes.length) throw new Error('a protobuf varint runs past the end of the message');
      const byte = bytes[at++] as number;
      value += (byte & 0x7f) * factor;
      if (byte < 0x80) return value;
      factor *= 128;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = varint();
      if (at + length > bytes.length) throw new Error('a protobuf field runs past the end of the message');
      value = Buffer.from(bytes.subarray(at, at + length));
      at += length;
    } else if (wire === 1) {
      at += 8;
      continue;
    } else if (wire === 5) {
      at += 4;
      continue;
    } else throw new Error(`protobuf wire type ${wire} is not supported`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const bytesField = (fields: Map<number, (number | Buffer)[]>, field: number): Buffer => {
  const value = fields.get(field)?.[0];
  return Buffer.isBuffer(value) ? value : Buffer.alloc(0);
};
const numberField = (fields: Map<number, (number | Buffer)[]>, field: number): number => {
  const value = fields.get(field)?.[0];
  return typeof value === 'number' ? value : 0;
};

/** A block signature (common.MetadataSignature: signature header 1, signature 2, identifier header 3). */
function blockSignatureOf(bytes: Buffer): BlockSignature {
  const fields = protoFields(bytes);
  const signatureHeader = bytesField(fields, 1);
  const signature = bytesField(fields, 2);
  const identifierHeader = bytesField(fields, 3);
  if (signatureHeader.length === 0 && identifierHeader.length > 0) {
    // common.IdentifierHeader: identifier 1 (the consenter's id), nonce 2.
    return { signer: undefined, consenterId: numberField(protoFields(identifierHeader), 1), signatureHeader: identifierHeader, signature };
  }
  return { signer: signatureHeader.length === 0 ? undefined : identityOf(common.SignatureHeader.deserializeBinary(signatureHeader).getCreator_asU8()), signatureHeader, signature };
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
  // common.Metadata: value 1, signatures 2.
  const signed = protoFields(metadata[METADATA_SIGNATURES] ?? new Uint8Array());
  const signedMetadata = bytesField(signed, 1);
  const lastConfig = signedMetadata.length === 0 ? 0 : (common.OrdererBlockMetadata.deserializeBinary(signedMetadata).getLastConfig()?.getIndex() ?? 0);
  return {
    number: Number(number),
    previousHash,
    dataHash,
    hash: createHash('sha256').update(headerBytes).digest(),
    headerBytes,
    data: (block.getData()?.getDataList_asU8() ?? []).map((entry) => Buffer.from(entry)),
    validationCodes: [...(metadata[METADATA_TRANSACTIONS_FILTER] ?? new Uint8Array())],
    signatures: (signed.get(2) ?? []).flatMap((signature) => (Buffer.isBuffer(signature) ? [blockSignatureOf(signature)] : [])),
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

/** The channel's organizations as the configuration block defines them. */
export interface ChannelConfig {
  readonly application: readonly Membership[];
  readonly orderer: readonly Membership[];
  /** BFT ordering: each consenter's id and identity (the Orderer group's `Orderers` value); empty for Raft. */
  readonly consenters: readonly Consenter[];
}

export interface Consenter {
  readonly id: number;
  readonly identity: LedgerIdentity;
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
  // common.Orderers: consenter_mapping 1; common.Consenter: id 1, host 2, port 3, msp_id 4, identity 5 (PEM).
  const orderers = channel.getGroupsMap().get('Orderer')?.getValuesMap().get('Orderers')?.getValue_asU8();
  const consenters = (orderers === undefined ? [] : (protoFields(orderers).get(1) ?? [])).flatMap((entry) => {
    if (!Buffer.isBuffer(entry)) return [];
    const fields = protoFields(entry);
    return [{ id: numberField(fields, 1), identity: { mspId: bytesField(fields, 4).toString('utf8'), certificate: bytesField(fields, 5).toString('utf8') } }];
  });
  return { application: organizations('Application'), orderer: organizations('Orderer'), consenters };
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
