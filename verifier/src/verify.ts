import { verifyEmbeddedProof } from './embedded/verify';
import { verifyFabricProof } from './fabric/verify';
import type { ReceiptProof } from './proof';
import type { Verdict } from './verdict';

/** Checks a proof against the ledger it came from; never throws on a hostile proof, it reports which check failed. */
export function verifyProof(proof: ReceiptProof): Verdict {
  try {
    return proof.ledger === 'fabric' ? verifyFabricProof(proof) : verifyEmbeddedProof(proof);
  } catch (error) {
    return { verified: false, ledger: proof.ledger, sessionId: proof.sessionId, checks: [{ id: 'proof-format', ok: false, detail: `the proof cannot be read: ${(error as Error).message}` }] };
  }
}
