/** Organizations, identity attributes, transient keys and the error format shared by every transaction. */

/**
 * An operator organization: `OperatorsMSP` (the founding one) or another `Operators<name>MSP`, each with its
 * own CA and peer. In a transaction's list of callers, `OperatorsMSP` stands for every operator organization;
 * which operator a caller may act for is the ledger's binding of operator ids to MSP ids (ADR 0038).
 */
export type OperatorMspId = `Operators${string}MSP`;

export type MspId = OperatorMspId | 'ProsumersMSP' | 'WalletsMSP' | 'AuthorityMSP';

const OPERATOR_MSP = /^Operators[A-Za-z0-9]*MSP$/;

/** Whether an MSP id names an operator organization (ADR 0038): `OperatorsMSP`, `Operators2MSP`, `OperatorsIonityMSP`... */
export function isOperatorMsp(mspId: string): mspId is OperatorMspId {
  return OPERATOR_MSP.test(mspId);
}

/** Certificate attributes (Fabric CA `attrs`, ecert=true) that bind a caller to a party inside its org. */
export const IDENTITY_ATTRIBUTES = {
  /**
   * On an operator organization's identities: the operator the caller acts for, which must be the operator
   * the ledger binds to the caller's MSP (ADR 0038). Other attributes may name units inside the operator.
   */
  operatorId: 'chargeledger.operatorId',
  /** On ProsumersMSP identities: the prosumer the caller acts for. */
  prosumerId: 'chargeledger.prosumerId',
} as const;

/** The Wallets organization's private data collection (see chaincode/collections_config.json). */
export const WALLETS_PRIVATE_COLLECTION = 'walletsPrivate';

/**
 * Transient-map keys. Values are UTF-8 bytes. Transient data is never written to a block, but every peer
 * asked to endorse receives it, so personal data and raw tokens are only sent to WalletsMSP peers: the
 * transactions that take them (marked "Wallets peers only") write nothing but private data and are
 * endorsed by WalletsMSP alone (the collection's endorsement policy).
 */
export const TRANSIENT_KEYS = {
  /** Wallet:setDriverProfile (Wallets peers only): JSON DriverProfile. */
  driverProfile: 'driverProfile',
  /** Wallet:indexIdToken, Wallet:forgetIdToken (Wallets peers only), Wallet:resolveIdToken (evaluated on a Wallets peer): the raw id token. */
  idToken: 'idToken',
  /** Wallet:indexIdToken (Wallets peers only): the hex salt Wallets chose for the token. */
  idTokenSalt: 'idTokenSalt',
  /** Wallet:setTokenPepper (Wallets peers only): at least 32 random bytes keying the private token index. */
  tokenPepper: 'tokenPepper',
  /** Session:openSession: the token proof returned by Wallet:resolveIdToken (not the raw token). */
  tokenProof: 'tokenProof',
  /** Session:openSessions: JSON object from each open's event id to its token proof. */
  tokenProofsByEvent: 'tokenProofsByEvent',
  /**
   * Session:closeSession, Trading:settleDelivery: JSON array of OCMF records. They stay out of blocks
   * because a meter may sign the raw token into `ID`; endorsing peers still receive them.
   */
  ocmfRecords: 'ocmfRecords',
  /**
   * Session:closeSessions: JSON object from each settlement's event id to its JSON array of OCMF records
   * (the settlements with signed evidence only), kept out of blocks for the same reason.
   */
  ocmfRecordsByEvent: 'ocmfRecordsByEvent',
} as const;

export type ChaincodeErrorCode =
  | 'ACCESS_DENIED'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'EVENT_ID_REUSED'
  | 'INSUFFICIENT_FUNDS'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_STATE'
  | 'ID_TOKEN_REJECTED'
  | 'EVIDENCE_REJECTED'
  | 'EVIDENCE_REUSED'
  /** Signed records whose pagination or register is not past the last the same meter key settled (ADR 0040). */
  | 'METER_READING_BACKWARDS'
  | 'METER_KEY_REVOKED'
  | 'UNSIGNED_NOT_ALLOWED'
  | 'SESSION_START_REJECTED'
  | 'TARIFF_INVALID'
  | 'OFFER_EXPIRED'
  | 'OFFER_EXHAUSTED'
  | 'NOT_A_COLLECTION_MEMBER'
  /** A part of a batch (Session:closeSessions, Session:openSessions) read or wrote a key an earlier part wrote; submit it again. */
  | 'BATCH_KEY_SHARED';

/** Every state-changing request extends this. */
export interface Idempotent {
  /** Unique per business event (e.g. the queue job id); 1-128 chars of [A-Za-z0-9._:-]. */
  readonly eventId: string;
}
