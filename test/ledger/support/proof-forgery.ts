import { createHash } from 'node:crypto';
import { type Block, commitHash, dataHash, headerHash } from '@chargeledger/embedded-ledger';
import type { ReceiptProof, ServedBlock } from '@chargeledger/verifier';
import { common, ledger as rwset, msp, peer } from '@hyperledger/fabric-protos';
import { Reader, Writer } from 'protobufjs';

/**
 * Edits of a copy of a receipt's proof, as someone forging one would make them: the verifier must refuse
 * each. They rewrite the bytes the peers served (Fabric's protobuf, the embedded ledger's JSON) without
 * re-signing anything, since a forger holds no organization's key.
 */

/** A write of the settlement: return the new value, or undefined to keep it. */
export type WriteEdit = (key: string, value: Buffer | null) => Buffer | undefined;

export interface SettlementEdit {
  readonly writes?: WriteEdit;
  /** A creator certificate (PEM) to claim instead of the real submitter's. */
  readonly creatorCertificate?: string;
}

/** Applies the edit to the settlement's transaction in every copy of its block, or only in copies served by `servedBy`. */
export function forgeSettlement(proof: ReceiptProof, edit: SettlementEdit, servedBy?: string): ReceiptProof {
  const blocks = proof.blocks.map((served): ServedBlock => {
    if (servedBy !== undefined && served.servedBy !== servedBy) return served;
    const bytes = Buffer.from(served.bytes, 'base64');
    const forged = proof.ledger === 'fabric' ? forgeFabricBlock(bytes, proof.transactionId, edit) : forgeEmbeddedBlock(bytes, proof.transactionId, edit);
    return forged === undefined ? served : { ...served, bytes: forged.toString('base64') };
  });
  return { ...proof, blocks };
}

function forgeFabricBlock(bytes: Buffer, transactionId: string, edit: SettlementEdit): Buffer | undefined {
  const block = common.Block.deserializeBinary(bytes);
  const data = block.getData() as common.BlockData;
  let changed = false;
  const entries = data.getDataList_asU8().map((entry) => {
    const envelope = common.Envelope.deserializeBinary(entry);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const header = payload.getHeader() as common.Header;
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    if (channelHeader.getTxId() !== transactionId) return entry;
    changed = true;
    if (edit.creatorCertificate !== undefined) {
      const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
      const creator = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8());
      creator.setIdBytes(Buffer.from(edit.creatorCertificate));
      signatureHeader.setCreator(creator.serializeBinary());
      header.setSignatureHeader(signatureHeader.serializeBinary());
    }
    if (edit.writes !== undefined) {
      const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
      const action = transaction.getActionsList()[0] as peer.TransactionAction;
      const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
      const endorsed = actionPayload.getAction() as peer.ChaincodeEndorsedAction;
      const responsePayload = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
      const chaincodeAction = peer.ChaincodeAction.deserializeBinary(responsePayload.getExtension_asU8());
      const readWriteSet = rwset.rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
      for (const space of readWriteSet.getNsRwsetList()) {
        const kv = rwset.rwset.kvrwset.KVRWSet.deserializeBinary(space.getRwset_asU8());
        for (const write of kv.getWritesList()) {
          const value = edit.writes(write.getKey(), write.getIsDelete() ? null : Buffer.from(write.getValue_asU8()));
          if (value !== undefined) write.setValue(value);
        }
        space.setRwset(kv.serializeBinary());
      }
      chaincodeAction.setResults(readWriteSet.serializeBinary());
      responsePayload.setExtension$(chaincodeAction.serializeBinary());
      endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
      actionPayload.setAction(endorsed);
      action.setPayload(actionPayload.serializeBinary());
      payload.setData(transaction.serializeBinary());
    }
    payload.setHeader(header);
    envelope.setPayload(payload.serializeBinary());
    return envelope.serializeBinary();
  });
  if (!changed) return undefined;
  data.setDataList(entries);
  return Buffer.from(block.serializeBinary());
}

function forgeEmbeddedBlock(bytes: Buffer, transactionId: string, edit: SettlementEdit): Buffer | undefined {
  const block = JSON.parse(bytes.toString('utf8')) as Block;
  let changed = false;
  const data = block.data.map((entry) => {
    const envelope = JSON.parse(entry) as { proposal?: { txId: string; creator: { certificate: string } }; response: { readWriteSet: { writes: [string, string | null][] } } };
    if (envelope.proposal?.txId !== transactionId) return entry;
    changed = true;
    if (edit.creatorCertificate !== undefined) envelope.proposal.creator.certificate = edit.creatorCertificate;
    if (edit.writes !== undefined) {
      envelope.response.readWriteSet.writes = envelope.response.readWriteSet.writes.map(([key, value]) => {
        const edited = edit.writes?.(key, value === null ? null : Buffer.from(value, 'base64'));
        return [key, edited === undefined ? value : edited.toString('base64')];
      });
    }
    return JSON.stringify(envelope);
  });
  return changed ? Buffer.from(JSON.stringify({ ...block, data })) : undefined;
}

/** A JSON record's edit, for WriteEdit: parse, change, serialize. */
export function editJson(value: Buffer | null, change: (record: Record<string, unknown>) => Record<string, unknown>): Buffer | undefined {
  if (value === null) return undefined;
  return Buffer.from(JSON.stringify(change(JSON.parse(value.toString('utf8')) as Record<string, unknown>)));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Rewrites blocks of an embedded ledger's proof and chains everything again as a forger holding the whole chain
 * would: each edited block's data hash, every header's link to the one before, and the commit hashes of the blocks
 * the proof carries. What is left to catch the forgery is what no hash can fix: signatures and certificates.
 */
export function forgeEmbeddedChain(proof: ReceiptProof, edit: (block: Block) => Block | undefined): ReceiptProof {
  const blocks = new Map(proof.blocks.map((served) => [served.number, JSON.parse(Buffer.from(served.bytes, 'base64').toString('utf8')) as Block]));
  for (const [number, block] of blocks) {
    const edited = edit(block);
    if (edited !== undefined) blocks.set(number, { ...edited, header: { ...edited.header, dataHash: dataHash(edited.data) } });
  }
  const chain = [...(proof.chain ?? [])];
  for (const [index, header] of chain.entries()) {
    const carried = blocks.get(index);
    const own = carried === undefined ? header : { ...header, dataHash: carried.header.dataHash };
    chain[index] = { ...own, previousHash: index === 0 ? '' : headerHash(chain[index - 1] as Block['header']) };
  }
  let previousCommit: { number: number; hash: string } | undefined;
  for (const number of [...blocks.keys()].sort((a, b) => a - b)) {
    const block = blocks.get(number) as Block;
    const header = chain[number] as Block['header'];
    const previous = number === 0 ? '' : previousCommit?.number === number - 1 ? previousCommit.hash : block.metadata.commitHash;
    const metadata = number === 0 || previousCommit?.number === number - 1 ? { ...block.metadata, commitHash: commitHash(previous, header, block.metadata.validationCodes) } : block.metadata;
    blocks.set(number, { ...block, header, metadata });
    previousCommit = { number, hash: metadata.commitHash };
  }
  return { ...proof, chain, blocks: proof.blocks.map((served) => ({ ...served, bytes: Buffer.from(JSON.stringify(blocks.get(served.number))).toString('base64') })) };
}

/** Edits one block of an embedded ledger's proof without chaining anything again. */
export function editEmbeddedBlock(proof: ReceiptProof, number: number, edit: (block: Block) => Block): ReceiptProof {
  return {
    ...proof,
    blocks: proof.blocks.map((served) => (served.number === number ? { ...served, bytes: Buffer.from(JSON.stringify(edit(JSON.parse(Buffer.from(served.bytes, 'base64').toString('utf8')) as Block))).toString('base64') } : served)),
  };
}

/**
 * The proof with the first orderer signature of every copy of every signed Fabric block removed: under Raft
 * the block's only signature, under BFT one of the quorum of consenters'. The SIGNATURES metadata is rewritten
 * from its wire form, so that what the protos in use do not know (a BFT signature's identifier header) stays.
 */
export function dropFirstOrdererSignature(proof: ReceiptProof): ReceiptProof {
  return {
    ...proof,
    blocks: proof.blocks.map((served): ServedBlock => {
      if (served.number === 0) return served;
      const block = common.Block.deserializeBinary(Buffer.from(served.bytes, 'base64'));
      const metadata = block.getMetadata() as common.BlockMetadata;
      const list = metadata.getMetadataList_asU8();
      const reader = Reader.create(list[common.BlockMetadataIndex.SIGNATURES] ?? new Uint8Array());
      const writer = Writer.create();
      let signatures = 0;
      while (reader.pos < reader.len) {
        const tag = reader.uint32();
        const bytes = reader.bytes();
        // Metadata: value = 1, signatures = 2 (length-delimited both).
        if (tag >>> 3 === 2 && signatures++ === 0) continue;
        writer.uint32(tag).bytes(bytes);
      }
      list[common.BlockMetadataIndex.SIGNATURES] = writer.finish();
      metadata.setMetadataList(list);
      return { ...served, bytes: Buffer.from(block.serializeBinary()).toString('base64') };
    }),
  };
}
