import type { Block } from '@chargeledger/embedded-ledger';
import { compositeKey, sessionMeterSerial } from '../ledger-view';
import { PROOF_FORMAT, type ReceiptProof } from '../proof';

/** Where the embedded ledger's blocks come from: its gateway (EmbeddedGatewayClient.block) or the ledger itself (getBlock). */
export type EmbeddedBlockReader = (number: number) => Promise<Block | undefined>;

export interface EmbeddedGatherOptions {
  readonly sessionId: string;
  readonly transactionId: string;
  readonly readBlock: EmbeddedBlockReader;
  readonly ocmfRecords: readonly string[];
}

/**
 * Gathers a receipt's proof from the embedded ledger: block 0 (the trust anchors), the settlement's block,
 * the blocks that wrote the session and meter records it read, and the header of every block from 0 to the
 * one after the settlement, so the chain can be followed without the rest of the data.
 */
export async function gatherEmbeddedProof(options: EmbeddedGatherOptions): Promise<ReceiptProof> {
  const headers: Block['header'][] = [];
  const blocks = new Map<number, Block>();
  let settlementBlock: Block | undefined;
  for (let number = 0; ; number += 1) {
    const block = await options.readBlock(number);
    if (block === undefined) break;
    headers.push(block.header);
    if (number === 0) blocks.set(0, block);
    if (settlementBlock !== undefined) {
      blocks.set(number, block);
      break;
    }
    if (block.data.some((entry) => entry.includes(options.transactionId))) {
      settlementBlock = block;
      blocks.set(number, block);
      if (number > 0 && !blocks.has(number - 1)) blocks.set(number - 1, (await options.readBlock(number - 1)) as Block);
    }
  }
  if (settlementBlock === undefined) throw new Error(`the embedded ledger holds no transaction ${options.transactionId}`);
  const entry = settlementBlock.data.find((candidate) => candidate.includes(options.transactionId)) as string;
  const reads = new Map<string, string | null>((JSON.parse(entry) as { response: { readWriteSet: { reads: [string, string | null][] } } }).response.readWriteSet.reads);
  const meterSerial = sessionMeterSerial(reads);
  for (const key of [compositeKey('cl.session', options.sessionId), ...(meterSerial === undefined ? [] : [compositeKey('cl.meter', meterSerial)])]) {
    const version = reads.get(key);
    const number = version === undefined || version === null ? undefined : Number(version.split(':')[0]);
    if (number !== undefined && !blocks.has(number)) blocks.set(number, (await options.readBlock(number)) as Block);
  }
  const config = JSON.parse(blocks.get(0)?.data[0] ?? '{}') as { channel?: string; chaincode?: string };
  return {
    format: PROOF_FORMAT,
    ledger: 'embedded',
    channel: config.channel ?? '',
    chaincode: config.chaincode ?? '',
    sessionId: options.sessionId,
    transactionId: options.transactionId,
    configBlock: 0,
    blocks: [...blocks.entries()].sort(([a], [b]) => a - b).map(([number, block]) => ({ number, servedBy: 'embedded', bytes: Buffer.from(JSON.stringify(block)).toString('base64') })),
    chain: headers,
    ocmfRecords: options.ocmfRecords,
    gatheredAt: new Date().toISOString(),
  };
}
