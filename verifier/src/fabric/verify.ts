import { hasOrganizationalUnit, type Membership, membershipFailure, signatureHolds } from '../certificates';
import type { CommittedTransaction, KeyVersion } from '../ledger-view';
import type { ReceiptProof } from '../proof';
import { checkReceipt, verdictOf } from '../receipt';
import { CheckList, type Verdict } from '../verdict';
import { type ChannelConfig, computeDataHash, decodeBlock, decodeConfig, decodeTransaction, expectedTransactionId, type FabricBlock, type FabricTransaction, findTransaction } from './decode';

interface Copy {
  readonly servedBy: string;
  readonly block: FabricBlock;
}

/** Checks a proof gathered from a Fabric network, trusting only the CAs of its channel configuration and the meter key the Authority registered. */
export function verifyFabricProof(proof: ReceiptProof): Verdict {
  const checks = new CheckList();
  const copies = decodeCopies(proof, checks);
  const byNumber = new Map<number, Copy[]>();
  for (const copy of copies) byNumber.set(copy.block.number, [...(byNumber.get(copy.block.number) ?? []), copy]);
  const first = (number: number): FabricBlock | undefined => byNumber.get(number)?.[0]?.block;

  checkHashes(byNumber, checks);

  const configBlock = first(proof.configBlock);
  let config: ChannelConfig | undefined;
  try {
    config = configBlock === undefined ? undefined : decodeConfig(configBlock);
  } catch (error) {
    checks.fail('proof-format', `block ${proof.configBlock} is not a configuration block: ${(error as Error).message}`);
  }
  if (config === undefined) {
    checks.fail('proof-format', `the proof lacks the channel configuration (block ${proof.configBlock})`);
    return { verified: false, ledger: 'fabric', sessionId: proof.sessionId, checks: checks.results() };
  }

  let settlement: FabricTransaction | undefined;
  for (const [number, served] of byNumber) {
    settlement ??= findTransaction(served[0]?.block as FabricBlock, proof.transactionId, proof.chaincode);
    if (settlement !== undefined) {
      checkAgreement(number, served, checks);
      break;
    }
  }
  if (settlement === undefined) {
    checks.fail('transaction-valid', `no block in the proof holds transaction ${proof.transactionId}`);
    return { verified: false, ledger: 'fabric', sessionId: proof.sessionId, checks: checks.results() };
  }
  if (settlement.channel !== proof.channel) checks.fail('transaction-valid', `the transaction is on channel ${settlement.channel}, not ${proof.channel}`);
  if (settlement.view.validation === 'VALID') checks.pass('transaction-valid', `transaction ${settlement.view.transactionId} is valid in block ${settlement.view.blockNumber}`);
  else checks.fail('transaction-valid', `the peers recorded transaction ${settlement.view.transactionId} as ${settlement.view.validation}`);

  const atMs = settlement.view.timestampMs;
  checkOrdererSignatures([...byNumber.values()].map((served) => (served[0] as Copy).block), config, atMs, checks);
  checkTransactionSignatures(settlement, config, checks);
  checks.pass('msp-membership', `CAs of the configuration in block ${proof.configBlock}: ${config.application.map((m) => m.mspId).join(', ')}; ordering: ${config.orderer.map((m) => m.mspId).join(', ')}`);

  const writers = new Map<string, CommittedTransaction>();
  const writerAt = (version: KeyVersion): CommittedTransaction | undefined => {
    const cacheKey = `${version.block}:${version.tx}`;
    if (!writers.has(cacheKey)) {
      const block = first(version.block);
      const entry = block?.data[version.tx];
      const transaction = block === undefined || entry === undefined ? undefined : decodeTransaction(block, version.tx, entry, proof.chaincode);
      if (transaction === undefined) return undefined;
      checkTransactionSignatures(transaction, config, checks);
      writers.set(cacheKey, transaction.view);
    }
    return writers.get(cacheKey);
  };
  const outcome = checkReceipt(
    { sessionId: proof.sessionId, settlement: settlement.view, writerAt, applicationOrganizations: config.application.map((m) => m.mspId), ocmfRecords: proof.ocmfRecords },
    checks,
  );
  return verdictOf('fabric', proof.sessionId, checks, settlement.view, outcome, [...config.application, ...config.orderer]);
}

function decodeCopies(proof: ReceiptProof, checks: CheckList): Copy[] {
  const copies: Copy[] = [];
  for (const served of proof.blocks) {
    try {
      const block = decodeBlock(Buffer.from(served.bytes, 'base64'));
      if (block.number !== served.number) checks.fail('proof-format', `the block listed as ${served.number} is block ${block.number}`);
      copies.push({ servedBy: served.servedBy, block });
    } catch (error) {
      checks.fail('proof-format', `block ${served.number} from ${served.servedBy} does not decode: ${(error as Error).message}`);
    }
  }
  checks.pass('proof-format', `${copies.length} block copies`);
  return copies;
}

/** Each copy's data hashes to its header; each block's previous hash is the hash of the block before it, where the proof holds both. */
function checkHashes(byNumber: ReadonlyMap<number, readonly Copy[]>, checks: CheckList): void {
  for (const served of byNumber.values()) {
    for (const { servedBy, block } of served) {
      if (!computeDataHash(block.data).equals(block.dataHash)) checks.fail('block-hashes', `block ${block.number} from ${servedBy}: its data does not match its header's data hash`);
    }
  }
  const numbers = [...byNumber.keys()].sort((a, b) => a - b);
  let links = 0;
  for (const number of numbers) {
    const previous = byNumber.get(number - 1)?.[0]?.block;
    const current = byNumber.get(number)?.[0]?.block;
    if (previous === undefined || current === undefined) continue;
    links += 1;
    if (!current.previousHash.equals(previous.hash)) checks.fail('block-hashes', `block ${number} does not chain to block ${number - 1}: its previous hash is ${current.previousHash.toString('hex')}, block ${number - 1} hashes to ${previous.hash.toString('hex')}`);
  }
  checks.pass('block-hashes', `${numbers.length} blocks match their data hashes; ${links} links of the chain hold`);
}

/** Every copy of the settlement's block is the same block: the same header, data and validation codes, from at least two organizations. */
function checkAgreement(number: number, served: readonly Copy[], checks: CheckList): void {
  const organizations = [...new Set(served.map((copy) => copy.servedBy))];
  if (organizations.length < 2) {
    checks.fail('peers-agree', `block ${number} was served by ${organizations.join(', ')} only; two organizations' peers must agree`);
    return;
  }
  const [reference, ...others] = served as [Copy, ...Copy[]];
  for (const other of others) {
    const same =
      other.block.hash.equals(reference.block.hash) &&
      other.block.data.length === reference.block.data.length &&
      other.block.data.every((entry, index) => entry.equals(reference.block.data[index] as Buffer)) &&
      other.block.validationCodes.join() === reference.block.validationCodes.join();
    if (!same) {
      checks.fail('peers-agree', `the peers disagree on block ${number}: ${reference.servedBy}'s copy hashes to ${reference.block.hash.toString('hex').slice(0, 16)}…, ${other.servedBy}'s to ${other.block.hash.toString('hex').slice(0, 16)}…${other.block.hash.equals(reference.block.hash) ? ' (same header, different contents)' : ''}`);
      return;
    }
  }
  checks.pass('peers-agree', `${organizations.join(' and ')} served the same block ${number} (hash ${reference.block.hash.toString('hex').slice(0, 16)}…)`);
}

/**
 * At least one signature on each block by a member of an ordering organization, over the metadata value, its
 * signature header and the block header. A SmartBFT orderer names itself by its id in the configuration's
 * consenter mapping (an identifier header in place of the signature header, Fabric's BlockSignatureVerifier):
 * its identity is the one the mapping holds for that id.
 */
function checkOrdererSignatures(blocks: readonly FabricBlock[], config: ChannelConfig, atMs: number, checks: CheckList): void {
  const orderers: readonly Membership[] = config.orderer;
  const signed = blocks.filter((block) => block.number > 0);
  for (const block of signed) {
    const valid = block.signatures.some((signature) => {
      const signer = signature.signer ?? config.consenters.find((consenter) => signature.consenterId !== undefined && consenter.id === signature.consenterId)?.identity;
      if (signer === undefined) return false;
      const membership = orderers.find((org) => org.mspId === signer.mspId);
      if (membershipFailure(signer.certificate, membership, atMs) !== undefined) return false;
      return signatureHolds(signer.certificate, Buffer.concat([block.signedMetadata, signature.signatureHeader, block.headerBytes]), signature.signature);
    });
    if (!valid) checks.fail('block-signatures', `block ${block.number} carries no valid signature of the ordering service (${orderers.map((org) => org.mspId).join(', ')})`);
  }
  // Block 0 is the genesis block the channel was created from: the trust anchor itself, signed by no one.
  checks.pass('block-signatures', `${signed.length} blocks signed by the ordering service (${orderers.map((org) => org.mspId).join(', ')}); block 0 is the genesis, the trust anchor`);
}

/** The transaction id derives from nonce and creator, the creator is a member and signed the envelope, each endorser is a member's peer and signed the response. */
function checkTransactionSignatures(transaction: FabricTransaction, config: ChannelConfig, checks: CheckList): void {
  const { view } = transaction;
  const label = `transaction ${view.transactionId.slice(0, 16)}… (block ${view.blockNumber})`;
  const memberOf = (mspId: string): Membership | undefined => config.application.find((org) => org.mspId === mspId);
  if (expectedTransactionId(transaction) !== view.transactionId) checks.fail('submitter-signature', `${label}: its id does not derive from its nonce and creator`);
  const creatorFailure = membershipFailure(view.creator.certificate, memberOf(view.creator.mspId), view.timestampMs);
  if (creatorFailure !== undefined) checks.fail('msp-membership', `${label}: the submitter claiming ${view.creator.mspId}: ${creatorFailure}`);
  if (!signatureHolds(view.creator.certificate, transaction.payload, transaction.signature)) checks.fail('submitter-signature', `${label}: the submitter's signature does not verify`);
  else checks.pass('submitter-signature', `signed by a member of ${view.creator.mspId}`);
  if (transaction.endorsements.length === 0) checks.fail('endorsement-signatures', `${label} carries no endorsement`);
  for (const endorsement of transaction.endorsements) {
    const membership = memberOf(endorsement.identity.mspId);
    const failure = membershipFailure(endorsement.identity.certificate, membership, view.timestampMs);
    if (failure !== undefined) checks.fail('msp-membership', `${label}: the endorser claiming ${endorsement.identity.mspId}: ${failure}`);
    else if (membership?.peerOu !== undefined && !hasOrganizationalUnit(endorsement.identity.certificate, membership.peerOu)) checks.fail('msp-membership', `${label}: the endorser of ${endorsement.identity.mspId} is not a peer`);
    if (!signatureHolds(endorsement.identity.certificate, endorsement.signedBytes, endorsement.signature)) checks.fail('endorsement-signatures', `${label}: the endorsement of ${endorsement.identity.mspId} does not verify`);
  }
  checks.pass('endorsement-signatures', `${transaction.endorsements.length} endorsement signatures verify`);
}
