export { PROOF_FORMAT, parseProof, ProofFormatError, type ChainHeader, type LedgerKind, type ReceiptProof, type ServedBlock } from './proof';
export { CHECKS, type CheckId, type CheckResult, type ReceiptFacts, type Verdict } from './verdict';
export { fabricBlockSource, gatherFabricProof, type FabricBlockSource, type FabricGatherOptions } from './fabric/gather';
export { verifyFabricProof } from './fabric/verify';
