import { verifyEmbeddedProof } from './embedded/verify';
import { verifyFabricProof } from './fabric/verify';
import type { ReceiptProof } from './proof';
import type { Verdict } from './verdict';

export interface VerifyOptions {
  /**
   * The CA fingerprints (SHA-256 of the DER) you trust, by MSP id, as each organization publishes them (the
   * verdict's `trustAnchors` has this shape). Without them the channel configuration in the proof is the
   * trust anchor, and the verdict prints its fingerprints for comparison.
   */
  readonly anchors?: Readonly<Record<string, readonly string[]>>;
}

/** Checks a proof against the ledger it came from; never throws on a hostile proof, it reports which check failed. */
export function verifyProof(proof: ReceiptProof, options: VerifyOptions = {}): Verdict {
  let verdict: Verdict;
  try {
    verdict = proof.ledger === 'fabric' ? verifyFabricProof(proof) : verifyEmbeddedProof(proof);
  } catch (error) {
    return { verified: false, ledger: proof.ledger, sessionId: proof.sessionId, checks: [{ id: 'proof-format', ok: false, detail: `the proof cannot be read: ${(error as Error).message}` }] };
  }
  return options.anchors === undefined ? verdict : pinned(verdict, options.anchors);
}

/** Every CA of the proof's channel configuration must be one the verifier pinned. */
function pinned(verdict: Verdict, anchors: Readonly<Record<string, readonly string[]>>): Verdict {
  const found = verdict.receipt?.trustAnchors;
  if (found === undefined) return verdict;
  const strangers = Object.entries(found).flatMap(([mspId, fingerprints]) => fingerprints.filter((fingerprint) => !(anchors[mspId] ?? []).includes(fingerprint)).map((fingerprint) => `${mspId} ${fingerprint}`));
  const checks = verdict.checks.map((check) => {
    if (check.id !== 'msp-membership') return check;
    if (strangers.length > 0) return { id: check.id, ok: false, detail: `the channel configuration names CAs you did not pin: ${strangers.join(', ')}` };
    return check.ok ? { ...check, detail: `${check.detail}; every CA is one you pinned` } : check;
  });
  return { ...verdict, verified: verdict.verified && strangers.length === 0, checks };
}
