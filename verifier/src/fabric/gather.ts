import { common } from '@hyperledger/fabric-protos';
import { connectGateway, type NetworkDescription } from '@chargeledger/ledger-client';
import { compositeKey, sessionMeterSerial } from '../ledger-view';
import { PROOF_FORMAT, type ReceiptProof, type ServedBlock } from '../proof';
import { decodeBlock, findTransaction } from './decode';

/** One peer's query system chaincode (qscc), as a proof gathers blocks from it. */
export interface FabricBlockSource {
  /** The organization running the peer, e.g. `wallets`. */
  readonly organization: string;
  blockByTransactionId(transactionId: string): Promise<Uint8Array>;
  blockByNumber(number: number): Promise<Uint8Array>;
  height(): Promise<number>;
  close(): void;
}

/**
 * The peer of `peerOrganization`, asked with an identity of `identityOrganization` (any member of the
 * channel may read its blocks): a verifier compares two organizations' peers with one identity.
 */
export async function fabricBlockSource(description: NetworkDescription, peerOrganization: string, identityOrganization: string, identity: string): Promise<FabricBlockSource> {
  const peer = description.organizations[peerOrganization];
  const own = description.organizations[identityOrganization];
  const enrolled = own?.identities[identity];
  if (peer === undefined || own === undefined || enrolled === undefined) throw new Error(`the network description has no ${peerOrganization} peer or no ${identityOrganization} identity ${identity}`);
  const connection = await connectGateway({ peerEndpoint: peer.peerEndpoint, hostAlias: peer.hostAlias, tlsCaFile: peer.tlsCaFile, mspId: own.mspId, certFile: enrolled.certFile, keyDir: enrolled.keyDir });
  const qscc = connection.gateway.getNetwork(description.channel).getContract('qscc');
  return {
    organization: peerOrganization,
    blockByTransactionId: (transactionId) => qscc.evaluateTransaction('GetBlockByTxID', description.channel, transactionId),
    blockByNumber: (number) => qscc.evaluateTransaction('GetBlockByNumber', description.channel, String(number)),
    height: async () => Number(common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction('GetChainInfo', description.channel)).getHeight()),
    close: () => connection.close(),
  };
}

export interface FabricGatherOptions {
  readonly channel: string;
  readonly chaincode: string;
  readonly sessionId: string;
  /** The settlement's transaction id, as the receipt names it. */
  readonly transactionId: string;
  /** Two or more organizations' peers: the first serves every block, the others the settlement's block again. */
  readonly sources: readonly FabricBlockSource[];
  readonly ocmfRecords: readonly string[];
}

/**
 * Gathers a receipt's proof from the peers: the settlement's block from every source, the blocks either
 * side of it, the configuration block it names, and the blocks that wrote the session record and the meter
 * record the settlement read (their read versions name them).
 */
export async function gatherFabricProof(options: FabricGatherOptions): Promise<ReceiptProof> {
  const [primary, ...others] = options.sources;
  if (primary === undefined || others.length === 0) throw new Error('a proof needs blocks from at least two organizations\' peers');
  const blocks: ServedBlock[] = [];
  const served = (number: number, servedBy: string, bytes: Uint8Array): void => {
    blocks.push({ number, servedBy, bytes: Buffer.from(bytes).toString('base64') });
  };
  const bytes = await primary.blockByTransactionId(options.transactionId);
  const block = decodeBlock(bytes);
  served(block.number, primary.organization, bytes);
  for (const other of others) served(block.number, other.organization, await other.blockByNumber(block.number));

  const settlement = findTransaction(block, options.transactionId, options.chaincode);
  if (settlement === undefined) throw new Error(`block ${block.number} does not hold transaction ${options.transactionId}`);
  const wanted = new Set<number>([block.lastConfig]);
  if (block.number > 0) wanted.add(block.number - 1);
  if (block.number + 1 < (await primary.height())) wanted.add(block.number + 1);
  const meterSerial = sessionMeterSerial(settlement.view.reads);
  for (const [key, version] of settlement.view.reads) {
    if (version !== null && (key === compositeKey('cl.session', options.sessionId) || (meterSerial !== undefined && key === compositeKey('cl.meter', meterSerial)))) wanted.add(version.block);
  }
  wanted.delete(block.number);
  for (const number of [...wanted].sort((a, b) => a - b)) served(number, primary.organization, await primary.blockByNumber(number));
  return {
    format: PROOF_FORMAT,
    ledger: 'fabric',
    channel: options.channel,
    chaincode: options.chaincode,
    sessionId: options.sessionId,
    transactionId: options.transactionId,
    configBlock: block.lastConfig,
    blocks,
    ocmfRecords: options.ocmfRecords,
    gatheredAt: new Date().toISOString(),
  };
}
