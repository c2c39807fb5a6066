import type { LedgerEntry, Receipt } from '@chargeledger/chaincode/api';
import { priceSession } from '@chargeledger/chaincode/pricing';
import { type ChargingLedger, LedgerRefusal } from '@chargeledger/ledger-client';
import type { DeadLetter } from '@chargeledger/ledger-bridge';
import type { EndedOnCharger } from './charging';

/**
 * What the ledger itself says about the sessions that ended on the chargers, read through the chaincode's
 * queries as the Operators (receipts, sessions) and the Wallets (accounts, their histories) may read them.
 * Nothing here trusts the bridge's or the CSMS's own records.
 */
export interface LedgerAudit {
  readonly endedOnChargers: number;
  /** A receipt on the ledger, and exactly one debit of the driver and one credit of the station for it. */
  readonly settled: number;
  /** The ledger refused to open the session (the driver's funds did not cover the minimum hold). */
  readonly refused: number;
  /** Ended on a charger, and neither settled nor refused on the ledger. */
  readonly lost: readonly string[];
  /** Debited or credited more than once. */
  readonly doubled: readonly string[];
  /** Settled, but not at min(tariff price of the signed energy, hold), or not from verified evidence. */
  readonly mispriced: readonly string[];
  readonly debits: number;
  readonly credits: number;
  /** Accounts whose balance went below zero at some entry of their history, or whose available is negative. */
  readonly belowZero: readonly string[];
  readonly deadLetters: number;
  /** Dead letters that are not a chaincode refusal with a reason, or that belong to a session that settled. */
  readonly strayDeadLetters: readonly string[];
}

interface Readers {
  readonly operator: ChargingLedger;
  readonly wallets: ChargingLedger;
}

export async function auditLedger(readers: Readers, sessions: readonly EndedOnCharger[], deadLetters: readonly DeadLetter[]): Promise<LedgerAudit> {
  const lost: string[] = [];
  const doubled: string[] = [];
  const mispriced: string[] = [];
  const receipts = new Map<string, Receipt>();
  let refused = 0;

  for (const session of sessions) {
    const receipt = await readReceipt(readers.operator, session.sessionId);
    if (receipt !== undefined) {
      receipts.set(session.sessionId, receipt);
      const price = priceSession(session.tariff, {
        startMs: session.startedAtMs,
        endMs: session.endedAtMs,
        samples: [
          { timestampMs: session.startedAtMs, registerWh: 0 },
          { timestampMs: session.endedAtMs, registerWh: session.energyWh },
        ],
      });
      const expected = Math.min(price.total, receipt.holdAmount);
      if (receipt.verification !== 'verified' || receipt.energyWh !== session.energyWh || receipt.charged !== expected || receipt.priced !== price.total) {
        mispriced.push(`${session.sessionId}: charged ${receipt.charged} (priced ${receipt.priced}, ${receipt.verification}, ${receipt.energyWh} Wh), expected ${expected} (priced ${price.total}, ${session.energyWh} Wh, hold ${receipt.holdAmount})`);
      }
      continue;
    }
    const view = await readers.operator.evaluate('Session:getSession', { sessionId: session.sessionId }).catch(() => undefined);
    if (view?.status === 'refused') refused++;
    else lost.push(`${session.sessionId} (${view === undefined ? 'not on the ledger' : `status ${view.status}`})`);
  }

  // Every account the sessions touched, with its full history.
  const accounts = new Set(sessions.flatMap((s) => [s.driver.accountId, s.payeeAccountId]));
  const histories = new Map<string, readonly LedgerEntry[]>();
  const belowZero: string[] = [];
  for (const accountId of accounts) {
    const history = await readers.wallets.evaluate('Wallet:getHistory', { accountId });
    histories.set(accountId, history.entries);
    let running = 0;
    for (const entry of [...history.entries].sort((a, b) => a.timestampMs - b.timestampMs)) {
      running += entry.amount;
      if (running < 0) {
        belowZero.push(`${accountId}: ${running} after ${entry.reason} ${entry.ref}`);
        break;
      }
    }
    const account = await readers.wallets.evaluate('Wallet:getAccount', { accountId });
    if (account.balance < 0 || account.available < 0) belowZero.push(`${accountId}: balance ${account.balance}, available ${account.available}`);
  }

  const ours = new Set(sessions.map((s) => s.sessionId));
  let debits = 0;
  let credits = 0;
  const debitsOf = new Map<string, number[]>();
  const creditsOf = new Map<string, number[]>();
  for (const entries of histories.values()) {
    for (const entry of entries) {
      if (!ours.has(entry.ref)) continue;
      if (entry.reason === 'session-debit') {
        debits -= entry.amount;
        debitsOf.set(entry.ref, [...(debitsOf.get(entry.ref) ?? []), -entry.amount]);
      } else if (entry.reason === 'session-credit') {
        credits += entry.amount;
        creditsOf.set(entry.ref, [...(creditsOf.get(entry.ref) ?? []), entry.amount]);
      }
    }
  }
  let settled = 0;
  for (const [sessionId, receipt] of receipts) {
    const debited = debitsOf.get(sessionId) ?? [];
    const credited = creditsOf.get(sessionId) ?? [];
    const once = receipt.charged === 0 ? debited.length === 0 && credited.length === 0 : debited.length === 1 && credited.length === 1 && debited[0] === receipt.charged && credited[0] === receipt.charged;
    if (debited.length > 1 || credited.length > 1) doubled.push(`${sessionId}: debited ${debited.join('+')}, credited ${credited.join('+')}`);
    else if (once) settled++;
    else mispriced.push(`${sessionId}: receipt charged ${receipt.charged}, debited [${debited.join(', ')}], credited [${credited.join(', ')}]`);
  }

  const strayDeadLetters = deadLetters
    .filter((letter) => letter.code === 'UNKNOWN' || letter.reason.trim() === '' || (letter.event.kind === 'SessionEnded' && receipts.has(letter.event.sessionId)))
    .map((letter) => `${letter.event.kind} ${letter.event.sessionId}: [${letter.code}] ${letter.reason}`);

  return { endedOnChargers: sessions.length, settled, refused, lost, doubled, mispriced, debits, credits, belowZero, deadLetters: deadLetters.length, strayDeadLetters };
}

async function readReceipt(operator: ChargingLedger, sessionId: string): Promise<Receipt | undefined> {
  try {
    return await operator.evaluate('Session:getReceipt', { sessionId });
  } catch (error) {
    if (error instanceof LedgerRefusal && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
