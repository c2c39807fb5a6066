import { commitHash, dataHash, endorsedBytes, envelopeBytes, headerHash, transactionId, type Block, type ConfigEnvelope, type TransactionEnvelope } from '@chargeledger/embedded-ledger';
import { type Membership, membershipFailure, parseCertificate, signatureHolds } from '../certificates';
import type { CommittedTransaction, KeyVersion } from '../ledger-view';
import type { ReceiptProof } from '../proof';
import { checkReceipt, verdictOf } from '../receipt';
import { CheckList, type Verdict } from '../verdict';

/**
 * Checks a proof gathered from the embedded ledger: its blocks chain by hash from block 0 (the channel as
 * created, naming each organization's CA and peer), and every transaction is signed by a member of its
 * organization and endorsed by the peers block 0 names. One process keeps this ledger: there is no second
 * organization's copy to compare, and no ordering service signs its blocks; the verdict says so.
 */
export function verifyEmbeddedProof(proof: ReceiptProof): Verdict {
  const checks = new CheckList();
  const blocks = new Map<number, Block>();
  for (const served of proof.blocks) {
    try {
      const block = JSON.parse(Buffer.from(served.bytes, 'base64').toString('utf8')) as Block;
      if (block.header?.number !== served.number) checks.fail('proof-format', `the block listed as ${served.number} is block ${String(block.header?.number)}`);
      blocks.set(served.number, block);
    } catch (error) {
      checks.fail('proof-format', `block ${served.number} is not JSON: ${(error as Error).message}`);
    }
  }
  checks.pass('proof-format', `${blocks.size} blocks and ${proof.chain?.length ?? 0} headers`);
  checkChain(proof, blocks, checks);

  const config = (() => {
    try {
      const entry = JSON.parse(blocks.get(0)?.data[0] ?? 'null') as ConfigEnvelope | null;
      return entry?.type === 'config' ? entry : undefined;
    } catch {
      return undefined;
    }
  })();
  if (config === undefined) {
    checks.fail('proof-format', 'the proof lacks block 0, the channel configuration');
    return { verified: false, ledger: 'embedded', sessionId: proof.sessionId, checks: checks.results() };
  }
  const memberships: Membership[] = config.organizations.map((org) => ({ mspId: org.mspId, roots: [parseCertificate(org.caCertificate)].flatMap((c) => c ?? []), intermediates: [] }));

  const transactionAt = (number: number, index: number): CommittedTransaction | undefined => {
    const block = blocks.get(number);
    const entry = block?.data[index];
    if (block === undefined || entry === undefined) return undefined;
    const envelope = JSON.parse(entry) as TransactionEnvelope;
    if (envelope.type !== 'transaction') return undefined;
    checkSignatures(envelope, number, config, memberships, checks);
    return viewOf(envelope, number, index, block.metadata.validationCodes[index] ?? 'MISSING');
  };
  let settlement: CommittedTransaction | undefined;
  for (const [number, block] of blocks) {
    const index = block.data.findIndex((entry) => entry.includes(proof.transactionId) && (JSON.parse(entry) as TransactionEnvelope).proposal?.txId === proof.transactionId);
    if (index >= 0) settlement = transactionAt(number, index);
  }
  if (settlement === undefined) {
    checks.fail('transaction-valid', `no block in the proof holds transaction ${proof.transactionId}`);
    return { verified: false, ledger: 'embedded', sessionId: proof.sessionId, checks: checks.results() };
  }
  if (settlement.blockNumber > 0 && !blocks.has(settlement.blockNumber - 1)) checks.fail('transaction-valid', `the proof lacks block ${settlement.blockNumber - 1}, whose commit hash the settlement's validation code chains to`);
  if (settlement.validation === 'VALID') checks.pass('transaction-valid', `transaction ${settlement.transactionId} is valid in block ${settlement.blockNumber}`);
  else checks.fail('transaction-valid', `the ledger recorded transaction ${settlement.transactionId} as ${settlement.validation}`);
  checks.notApplicable('block-signatures', 'the embedded ledger has no ordering service; its blocks are bound by the hash chain from block 0');
  checks.notApplicable('peers-agree', 'one process keeps the embedded ledger; run the Fabric network for copies kept by each organization');
  checks.pass('msp-membership', `CAs of block 0: ${config.organizations.map((org) => org.mspId).join(', ')}`);

  const outcome = checkReceipt(
    {
      sessionId: proof.sessionId,
      settlement,
      writerAt: (version: KeyVersion) => transactionAt(version.block, version.tx),
      applicationOrganizations: config.organizations.map((org) => org.mspId),
      ocmfRecords: proof.ocmfRecords,
    },
    checks,
  );
  return verdictOf('embedded', proof.sessionId, checks, settlement, outcome, memberships);
}

/** The headers chain from block 0; every block the proof carries whole matches its header and its data. */
function checkChain(proof: ReceiptProof, blocks: ReadonlyMap<number, Block>, checks: CheckList): void {
  const chain = proof.chain ?? [];
  for (const [index, header] of chain.entries()) {
    const expected = index === 0 ? '' : headerHash(chain[index - 1] as Block['header']);
    if (header.number !== index || header.previousHash !== expected) {
      checks.fail('block-hashes', `header ${index} does not chain to the header before it`);
      return;
    }
  }
  for (const [number, block] of blocks) {
    const header = chain[number];
    if (header === undefined || headerHash(header) !== headerHash(block.header)) checks.fail('block-hashes', `block ${number} is not the block the chain of headers names`);
    else if (dataHash(block.data) !== block.header.dataHash) checks.fail('block-hashes', `block ${number}: its data does not match its header's data hash`);
  }
  // The validation codes are not in the header: the commit hash chains them, block to block. Every block the
  // proof carries with the block before it (the settlement's always) must chain; block 0 chains from ''.
  for (const [number, block] of blocks) {
    const previous = number === 0 ? '' : blocks.get(number - 1)?.metadata.commitHash;
    if (previous === undefined) continue;
    if (commitHash(previous, block.header, block.metadata.validationCodes) !== block.metadata.commitHash) {
      checks.fail('block-hashes', `block ${number}: its commit hash does not chain its validation codes to block ${number - 1}'s`);
    }
  }
  checks.pass('block-hashes', `${chain.length} headers chain from block 0; ${blocks.size} blocks match their headers`);
}

function checkSignatures(envelope: TransactionEnvelope, blockNumber: number, config: ConfigEnvelope, memberships: readonly Membership[], checks: CheckList): void {
  const { proposal } = envelope;
  const label = `transaction ${proposal.txId.slice(0, 16)}… (block ${blockNumber})`;
  if (transactionId(proposal.nonce, proposal.creator.certificate) !== proposal.txId) checks.fail('submitter-signature', `${label}: its id does not derive from its nonce and creator`);
  const failure = membershipFailure(proposal.creator.certificate, memberships.find((m) => m.mspId === proposal.creator.mspId), proposal.timestampMs);
  if (failure !== undefined) checks.fail('msp-membership', `${label}: the submitter claiming ${proposal.creator.mspId}: ${failure}`);
  if (!signatureHolds(proposal.creator.certificate, envelopeBytes(envelope), Buffer.from(envelope.signature, 'base64'))) checks.fail('submitter-signature', `${label}: the submitter's signature does not verify`);
  else checks.pass('submitter-signature', `signed by a member of ${proposal.creator.mspId}`);
  const signed = endorsedBytes(proposal, envelope.response);
  for (const endorsement of envelope.endorsements) {
    const peer = config.organizations.find((org) => org.mspId === endorsement.mspId)?.peerCertificate;
    if (peer !== endorsement.certificate) checks.fail('msp-membership', `${label}: the endorser claiming ${endorsement.mspId} is not the peer block 0 names`);
    // Named in block 0 is not enough: the peer's certificate must also be issued by its organization's CA there.
    const endorser = membershipFailure(endorsement.certificate, memberships.find((m) => m.mspId === endorsement.mspId), proposal.timestampMs);
    if (endorser !== undefined) checks.fail('msp-membership', `${label}: the endorser claiming ${endorsement.mspId}: ${endorser}`);
    if (!signatureHolds(endorsement.certificate, signed, Buffer.from(endorsement.signature, 'base64'))) checks.fail('endorsement-signatures', `${label}: the endorsement of ${endorsement.mspId} does not verify`);
  }
  if (envelope.endorsements.length === 0) checks.fail('endorsement-signatures', `${label} carries no endorsement`);
  checks.pass('endorsement-signatures', `${envelope.endorsements.length} endorsement signatures verify`);
}

function viewOf(envelope: TransactionEnvelope, blockNumber: number, index: number, validation: string): CommittedTransaction {
  const { proposal, response } = envelope;
  const reads = new Map<string, KeyVersion | null>();
  for (const [key, version] of response.readWriteSet.reads) {
    const [block, tx] = (version ?? '').split(':').map(Number);
    reads.set(key, version === null ? null : { block: block ?? -1, tx: tx ?? -1 });
  }
  return {
    transactionId: proposal.txId,
    blockNumber,
    index,
    validation,
    timestampMs: proposal.timestampMs,
    function: proposal.transaction,
    creator: proposal.creator,
    endorsers: envelope.endorsements.map((endorsement) => ({ mspId: endorsement.mspId, certificate: endorsement.certificate })),
    reads,
    writes: new Map(response.readWriteSet.writes.map(([key, value]) => [key, value === null ? null : Buffer.from(value, 'base64')])),
  };
}
