import type { RecordProgressRequest, RecordProgressResult } from '../api';
import { refuse } from '../core/errors';
import { KEY, padSeq } from '../core/keys';
import type { Tx } from '../core/transaction-view';
import { priced } from './close';
import { openSessionOf, sessionKey, startOf, type SessionRecord } from './records';

/**
 * An unsigned progress report. It moves no money; it prices the energy so far under the frozen tariff and
 * tells the CSMS (event HoldExhausted) when the hold no longer covers it, so charging can be stopped.
 * Writes only the session's own keys.
 */
export async function recordProgress(tx: Tx, operatorId: string, req: RecordProgressRequest): Promise<RecordProgressResult> {
  const session = await openSessionOf(tx, req.sessionId, operatorId);
  if (tx.nowMs <= session.openedAtMs) refuse('BAD_REQUEST', 'progress must come after the session opened');
  if (req.energyWh < session.lastProgressWh) refuse('BAD_REQUEST', 'energy must not decrease between reports');
  // From the session's start, or from the open if the charger's clock ran ahead of it: only the open is known to precede now.
  const estimate = priced(session, { startMs: Math.min(startOf(session), session.openedAtMs), endMs: tx.nowMs, energyWh: req.energyWh, verification: 'unverified', evidenceHashes: [] });
  const seq = session.progressSeq + 1;
  const holdExhausted = estimate.total >= session.holdAmount;
  const result: RecordProgressResult = { sessionId: req.sessionId, seq, energyWh: req.energyWh, estimatedCost: estimate.total, holdAmount: session.holdAmount, holdExhausted };
  await tx.put(tx.key(KEY.progress, req.sessionId, padSeq(seq)), { ...result, timestampMs: tx.nowMs, txId: tx.txId });
  const updated: SessionRecord = { ...session, progressSeq: seq, lastProgressWh: req.energyWh };
  await tx.put(sessionKey(tx, req.sessionId), updated);
  if (holdExhausted) {
    tx.emit('HoldExhausted', { sessionId: req.sessionId, energyWh: req.energyWh, estimatedCost: estimate.total, holdAmount: session.holdAmount });
  } else {
    tx.emit('SessionProgress', { sessionId: req.sessionId, energyWh: req.energyWh, estimatedCost: estimate.total });
  }
  return result;
}
