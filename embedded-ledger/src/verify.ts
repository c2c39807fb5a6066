import type { MspId } from '@chargeledger/chaincode/api';
import { commitHash, dataHash, endorsedBytes, envelopeBytes, headerHash, parseEnvelope, transactionId, type Block, type ConfigEnvelope, type TransactionEnvelope, type ValidationCodeName } from './blocks';
import type { KeyObject } from 'node:crypto';
import { issuedBy, publicKeyOf, verifySignature } from './msp';

export type ChainVerification =
  | { readonly valid: true; readonly height: number }
  | { readonly valid: false; readonly height: number; readonly blockNumber: number; readonly reason: string };

/**
 * The channel's trust anchors from block 0, remembering which certificates they were found to have issued:
 * a chain signed by a few identities costs one certificate check per identity, not per transaction.
 */
export class TrustAnchors {
  readonly #config: ConfigEnvelope;
  readonly #keys = new Map<string, KeyObject | undefined>();

  constructor(config: ConfigEnvelope) {
    this.#config = config;
  }

  /**
   * The signatures of one transaction: the id derives from the nonce and the creator, the creator's
   * certificate comes from its organization's CA and signed the envelope, and each endorsement is signed by
   * the peer certificate block 0 names. Returns the endorsing organizations whose signatures hold, or the
   * code of the first failure.
   */
  check(envelope: TransactionEnvelope): { readonly failure: ValidationCodeName } | { readonly endorsers: readonly MspId[] } {
    const { proposal } = envelope;
    if (transactionId(proposal.nonce, proposal.creator.certificate) !== proposal.txId) return { failure: 'BAD_PROPOSAL_TXID' };
    const creatorKey = this.#creatorKey(proposal.creator.mspId, proposal.creator.certificate);
    if (creatorKey === undefined || !verifySignature(creatorKey, envelopeBytes(envelope), envelope.signature)) return { failure: 'BAD_CREATOR_SIGNATURE' };
    const signed = endorsedBytes(proposal, envelope.response);
    const endorsers = new Set<MspId>();
    for (const endorsement of envelope.endorsements) {
      const org = this.#config.organizations.find((candidate) => candidate.mspId === endorsement.mspId);
      const key = org?.peerCertificate === endorsement.certificate ? this.#key(endorsement.certificate, () => true) : undefined;
      if (key === undefined || !verifySignature(key, signed, endorsement.signature)) return { failure: 'ENDORSEMENT_POLICY_FAILURE' };
      endorsers.add(endorsement.mspId);
    }
    return { endorsers: [...endorsers] };
  }

  #creatorKey(mspId: MspId, certificate: string): KeyObject | undefined {
    const org = this.#config.organizations.find((candidate) => candidate.mspId === mspId);
    if (org === undefined) return undefined;
    return this.#key(`${mspId}\n${certificate}`, () => issuedBy(certificate, org.caCertificate), certificate);
  }

  #key(cacheKey: string, trusted: () => boolean, certificate = cacheKey): KeyObject | undefined {
    if (!this.#keys.has(cacheKey)) this.#keys.set(cacheKey, trusted() ? publicKeyOf(certificate) : undefined);
    return this.#keys.get(cacheKey);
  }
}

/**
 * Walks the chain from block 0: every header names its number and the hash of the previous header, every
 * data hash matches the data, the commit hashes chain, block 0 is the configuration, and every transaction's
 * signatures hold against it. A transaction recorded as valid must also have been validly signed.
 */
export async function verifyChain(readBlock: (number: number) => Promise<Block | undefined>, height: number): Promise<ChainVerification> {
  let previous: Block | undefined;
  let anchors: TrustAnchors | undefined;
  const broken = (blockNumber: number, reason: string): ChainVerification => ({ valid: false, height, blockNumber, reason });
  for (let number = 0; number < height; number++) {
    const block = await readBlock(number);
    if (block === undefined) return broken(number, 'block missing');
    const { header, data, metadata } = block;
    if (header.number !== number) return broken(number, `header names block ${header.number}`);
    if (header.previousHash !== (previous === undefined ? '' : headerHash(previous.header))) return broken(number, 'previous hash does not match the previous header');
    if (header.dataHash !== dataHash(data)) return broken(number, 'data hash does not match the data');
    if (metadata.validationCodes.length !== data.length) return broken(number, 'one validation code per transaction expected');
    if (metadata.commitHash !== commitHash(previous?.metadata.commitHash ?? '', header, metadata.validationCodes)) return broken(number, 'commit hash does not chain');
    for (const [index, entry] of data.entries()) {
      let envelope;
      try {
        envelope = parseEnvelope(entry);
      } catch {
        return broken(number, `entry ${index} is not JSON`);
      }
      if (number === 0) {
        if (envelope.type !== 'config' || data.length !== 1) return broken(number, 'block 0 must hold the channel configuration alone');
        anchors = new TrustAnchors(envelope);
        continue;
      }
      if (envelope.type !== 'transaction' || anchors === undefined) return broken(number, `entry ${index} is not a transaction`);
      const checked = anchors.check(envelope);
      if ('failure' in checked && metadata.validationCodes[index] === 'VALID') return broken(number, `transaction ${envelope.proposal.txId}: ${checked.failure}`);
    }
    previous = block;
  }
  return { valid: true, height };
}
