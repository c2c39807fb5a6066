/**
 * A receipt's proof: what the verifier gathered from the ledger's peers and the meter's records, in one file
 * that anyone can check again later, offline. Nothing in it is trusted as given: every check reads the raw
 * blocks the peers served, and the records are tied to the ledger by their hashes in the receipt.
 */
export const PROOF_FORMAT = 'chargeledger.receipt-proof/1';

export type LedgerKind = 'fabric' | 'embedded';

/** One block as one organization's peer served it: Fabric's protobuf, or the embedded ledger's JSON. */
export interface ServedBlock {
  readonly number: number;
  /** The organization whose peer served this copy, e.g. `operators`. */
  readonly servedBy: string;
  /** Base64 of the block's bytes exactly as served. */
  readonly bytes: string;
}

/** A block header of the embedded ledger's chain (hex hashes), for the blocks the proof does not carry whole. */
export interface ChainHeader {
  readonly number: number;
  readonly previousHash: string;
  readonly dataHash: string;
}

export interface ReceiptProof {
  readonly format: typeof PROOF_FORMAT;
  readonly ledger: LedgerKind;
  readonly channel: string;
  readonly chaincode: string;
  readonly sessionId: string;
  /** The transaction that settled the session. */
  readonly transactionId: string;
  /** The channel configuration in force: the trust anchors (each organization's CA certificates). */
  readonly configBlock: number;
  /** The settlement's block from two organizations' peers, its neighbours, the configuration block, and the blocks that wrote the session and the meter key the settlement read. */
  readonly blocks: readonly ServedBlock[];
  /** Embedded ledger only: every header from block 0 to the last block in `blocks`. */
  readonly chain?: readonly ChainHeader[];
  /** The meter's signed records (OCMF) of the session, as the charger sent them. */
  readonly ocmfRecords: readonly string[];
  readonly gatheredAt: string;
}

export class ProofFormatError extends Error {
  override readonly name = 'ProofFormatError';
}

/** Parses a proof file, refusing anything that is not one, with the reason. */
export function parseProof(text: string): ReceiptProof {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProofFormatError(`the proof is not JSON: ${(error as Error).message}`);
  }
  const proof = value as Partial<ReceiptProof> | null;
  if (typeof proof !== 'object' || proof === null) throw new ProofFormatError('the proof must be a JSON object');
  if (proof.format !== PROOF_FORMAT) throw new ProofFormatError(`format must be ${PROOF_FORMAT}, not ${String(proof.format)}`);
  if (proof.ledger !== 'fabric' && proof.ledger !== 'embedded') throw new ProofFormatError('ledger must be fabric or embedded');
  for (const field of ['channel', 'chaincode', 'sessionId', 'transactionId', 'gatheredAt'] as const) {
    if (typeof proof[field] !== 'string' || proof[field] === '') throw new ProofFormatError(`${field} must be a non-empty string`);
  }
  if (!Number.isSafeInteger(proof.configBlock) || (proof.configBlock as number) < 0) throw new ProofFormatError('configBlock must be a block number');
  if (!Array.isArray(proof.blocks) || proof.blocks.length === 0) throw new ProofFormatError('blocks must be a non-empty array');
  proof.blocks.forEach((block: Partial<ServedBlock>, index) => {
    if (!Number.isSafeInteger(block.number) || typeof block.servedBy !== 'string' || typeof block.bytes !== 'string') {
      throw new ProofFormatError(`blocks[${index}] must have a number, servedBy and base64 bytes`);
    }
  });
  if (!Array.isArray(proof.ocmfRecords) || !proof.ocmfRecords.every((record) => typeof record === 'string')) throw new ProofFormatError('ocmfRecords must be an array of strings');
  if (proof.chain !== undefined) {
    if (!Array.isArray(proof.chain)) throw new ProofFormatError('chain must be an array of headers');
    proof.chain.forEach((header: Partial<ChainHeader>, index) => {
      if (!Number.isSafeInteger(header.number) || typeof header.previousHash !== 'string' || typeof header.dataHash !== 'string') throw new ProofFormatError(`chain[${index}] must be a header`);
    });
  }
  return proof as ReceiptProof;
}
