import type { AccountKind } from '../api';
import { idempotent, member, request } from '../core/request-shape';
import type { RequestShapes } from '../core/request-shapes';

const KINDS: readonly AccountKind[] = ['driver', 'operator', 'prosumer'];
const MAX_AMOUNT = 1_000_000_000_00;
const amount = member.int(1, MAX_AMOUNT);
const { id, sha256Hex, optional } = member;

/** What each Wallet transaction accepts: read by the contract, published by GetMetadata. */
export const WALLET_REQUESTS = {
  'Wallet:openAccount': idempotent({ accountId: id(), kind: member.oneOf(KINDS), ownerId: optional(id()), currency: member.currency(), sessionLimit: optional(amount) }),
  'Wallet:topUp': idempotent({ accountId: id(), amount, reference: id() }),
  'Wallet:requestPayout': idempotent({ accountId: id(), payoutId: id(), amount, destination: id(), requestRef: optional(sha256Hex()) }),
  'Wallet:confirmPayoutDestination': idempotent({ accountId: id(), destinationId: id(), fingerprint: sha256Hex(), confirmation: sha256Hex() }),
  'Wallet:payout': idempotent({ accountId: id(), payoutId: id(), reference: id() }),
  'Wallet:returnPayout': idempotent({ accountId: id(), payoutId: id(), reference: id() }),
  'Wallet:setSessionLimit': idempotent({ accountId: id(), sessionLimit: amount }),
  'Wallet:setTokenPepper': idempotent({}),
  'Wallet:setDriverProfile': idempotent({ accountId: id() }),
  'Wallet:linkIdToken': idempotent({ accountId: id(), tokenRef: id(), proofHash: sha256Hex() }),
  'Wallet:indexIdToken': idempotent({ accountId: id(), tokenRef: id() }),
  'Wallet:unlinkIdToken': idempotent({ accountId: id(), tokenRef: id() }),
  'Wallet:forgetIdToken': idempotent({}),
  'Wallet:resolveIdToken': request({}),
  'Wallet:getAccount': request({ accountId: id() }),
  'Wallet:getPayout': request({ accountId: id(), payoutId: id() }),
  'Wallet:getPayment': request({ reference: id() }),
  'Wallet:getHistory': request({ accountId: id() }),
} as const satisfies Partial<RequestShapes>;
