import type { Network } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';

/**
 * The organizations whose peers endorsed a committed transaction, read from its block as the channel holds it
 * (the peer's qscc GetBlockByTxID): one MSP id per endorsement, in the order the block lists them.
 */
export async function endorsersOf(network: Network, channel: string, transactionId: string): Promise<string[]> {
  const block = common.Block.deserializeBinary(await network.getContract('qscc').evaluateTransaction('GetBlockByTxID', channel, transactionId));
  for (const entry of block.getData()?.getDataList_asU8() ?? []) {
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(entry).getPayload_asU8());
    const header = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
    if (header.getType() !== common.HeaderType.ENDORSER_TRANSACTION || header.getTxId() !== transactionId) continue;
    const action = peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()[0];
    if (action === undefined) return [];
    const endorsements = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction()?.getEndorsementsList() ?? [];
    return endorsements.map((endorsement) => msp.SerializedIdentity.deserializeBinary(endorsement.getEndorser_asU8()).getMspid());
  }
  throw new Error(`transaction ${transactionId} is not in the block the peer gave for it`);
}
