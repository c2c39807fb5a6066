import { common, peer } from '@hyperledger/fabric-protos';

/** Where a block's bytes go, summed over the blocks given: what a receipt needs, and what it does not. */
export interface BlockAnatomy {
  readonly blocks: number;
  readonly transactions: number;
  /** Every byte of the blocks. */
  readonly total: number;
  /** The submitter's certificate and signature, the endorsers' certificates and signatures, the orderer's block signatures. */
  readonly identitiesAndSignatures: number;
  /** The chaincode's arguments as submitted (the requests: sessions, readings, evidence). */
  readonly arguments: number;
  /** The state read and written (read-write sets). */
  readonly readWriteSets: number;
  /** The chaincode's answer, which every endorser signed (the results the bridge reads). */
  readonly responses: number;
  /** The chaincode events (SessionsOpened, SessionsSettled...). */
  readonly events: number;
  /** Headers, hashes and framing: the rest. */
  readonly other: number;
}

export const EMPTY_ANATOMY: BlockAnatomy = { blocks: 0, transactions: 0, total: 0, identitiesAndSignatures: 0, arguments: 0, readWriteSets: 0, responses: 0, events: 0, other: 0 };

/** The anatomy of one block's bytes (a normal block of endorser transactions; a configuration block counts as other). */
export function blockAnatomy(bytes: Uint8Array): BlockAnatomy {
  const block = common.Block.deserializeBinary(bytes);
  let identitiesAndSignatures = 0;
  let args = 0;
  let readWriteSets = 0;
  let responses = 0;
  let events = 0;
  const entries = block.getData()?.getDataList_asU8() ?? [];
  // The orderer's signatures over the block.
  const signed = common.Metadata.deserializeBinary(block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES] ?? new Uint8Array());
  for (const signature of signed.getSignaturesList()) identitiesAndSignatures += signature.getSignatureHeader_asU8().length + signature.getSignature_asU8().length;
  for (const entry of entries) {
    const envelope = common.Envelope.deserializeBinary(entry);
    identitiesAndSignatures += envelope.getSignature_asU8().length;
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const header = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
    if (header.getType() !== common.HeaderType.ENDORSER_TRANSACTION) continue;
    identitiesAndSignatures += common.SignatureHeader.deserializeBinary(payload.getHeader()?.getSignatureHeader_asU8() ?? new Uint8Array()).getCreator_asU8().length;
    const transaction = peer.Transaction.deserializeBinary(payload.getData_asU8());
    for (const action of transaction.getActionsList()) {
      const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
      args += peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8()).getInput_asU8().length;
      const endorsed = actionPayload.getAction();
      for (const endorsement of endorsed?.getEndorsementsList() ?? []) identitiesAndSignatures += endorsement.getEndorser_asU8().length + endorsement.getSignature_asU8().length;
      const chaincodeAction = peer.ChaincodeAction.deserializeBinary(peer.ProposalResponsePayload.deserializeBinary(endorsed?.getProposalResponsePayload_asU8() ?? new Uint8Array()).getExtension_asU8());
      readWriteSets += chaincodeAction.getResults_asU8().length;
      events += chaincodeAction.getEvents_asU8().length;
      responses += chaincodeAction.getResponse()?.getPayload_asU8().length ?? 0;
    }
  }
  const counted = identitiesAndSignatures + args + readWriteSets + responses + events;
  return { blocks: 1, transactions: entries.length, total: bytes.length, identitiesAndSignatures, arguments: args, readWriteSets, responses, events, other: bytes.length - counted };
}

/** The sum of two anatomies. */
export function addAnatomy(a: BlockAnatomy, b: BlockAnatomy): BlockAnatomy {
  return {
    blocks: a.blocks + b.blocks,
    transactions: a.transactions + b.transactions,
    total: a.total + b.total,
    identitiesAndSignatures: a.identitiesAndSignatures + b.identitiesAndSignatures,
    arguments: a.arguments + b.arguments,
    readWriteSets: a.readWriteSets + b.readWriteSets,
    responses: a.responses + b.responses,
    events: a.events + b.events,
    other: a.other + b.other,
  };
}
