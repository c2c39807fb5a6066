import { createHash, randomBytes } from 'node:crypto';
import { type ResultOf, TRANSIENT_KEYS } from '@chargeledger/chaincode/api';
import { LedgerRefusal } from './errors';
import type { ChargingLedger } from './charging-ledger';

/** Private-collection transactions are endorsed by the Wallets peer alone, so their transient data stays there. */
const WALLETS_ONLY = { endorsingOrganizations: ['WalletsMSP'] } as const;

/**
 * Sets the pepper keying the Wallets organization's private token index. It is set once per ledger; a ledger
 * that has one already says so, and that is fine. `wallets` acts with a Wallets identity.
 */
export async function ensureTokenPepper(wallets: ChargingLedger, eventId: string): Promise<void> {
  try {
    await wallets.submit('Wallet:setTokenPepper', { eventId }, { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.tokenPepper]: randomBytes(32).toString('hex') } });
  } catch (error) {
    if (!(error instanceof LedgerRefusal && error.code === 'ALREADY_EXISTS')) throw error;
  }
}

export interface CardLink {
  readonly accountId: string;
  /** The card's RFID UID as chargers report it; it goes to the Wallets peer in the transient map only. */
  readonly idToken: string;
  readonly tokenRef: string;
  /** Event ids of the two transactions, for the chaincode's idempotency. */
  readonly eventIds: readonly [link: string, index: string];
}

/**
 * Links a card to a driver's account as decision 0003 has Wallets do it: the hash of a salted proof in public
 * (Wallet:linkIdToken), the token and its salt in the private index (Wallet:indexIdToken, on the Wallets peer
 * only). Returns what linkIdToken returned. The pepper must be set (ensureTokenPepper).
 */
export async function linkCard(wallets: ChargingLedger, card: Readonly<CardLink>): Promise<ResultOf<'Wallet:linkIdToken'>> {
  const salt = randomBytes(16).toString('hex');
  const tokenProof = createHash('sha256').update(`${salt}:${card.idToken}`).digest('hex');
  const proofHash = createHash('sha256').update(tokenProof).digest('hex');
  const link = await wallets.submit('Wallet:linkIdToken', { eventId: card.eventIds[0], accountId: card.accountId, tokenRef: card.tokenRef, proofHash });
  await wallets.submit(
    'Wallet:indexIdToken',
    { eventId: card.eventIds[1], accountId: card.accountId, tokenRef: card.tokenRef },
    { ...WALLETS_ONLY, transient: { [TRANSIENT_KEYS.idToken]: card.idToken, [TRANSIENT_KEYS.idTokenSalt]: salt } },
  );
  return link;
}
