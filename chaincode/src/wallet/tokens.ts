import { createHash, createHmac } from 'node:crypto';
import { TRANSIENT_KEYS, WALLETS_PRIVATE_COLLECTION, type IdTokenLink } from '../api';
import { refuse } from '../core/errors';
import { KEY, PRIVATE_KEY } from '../core/keys';
import type { Tx } from '../core/transaction-view';

/**
 * The id token ↔ account link (ADR 0003). Public state holds per link only proofHash =
 * sha256(tokenProof), where tokenProof = sha256(salt ‖ ':' ‖ token). Salt, raw token and the lookup index
 * live in the Wallets private collection. The index is keyed by hmac(pepper, token) because private-data
 * key hashes are public and a plain token hash could be brute-forced over the small space of RFID UIDs.
 */
export interface PrivateTokenRecord {
  readonly accountId: string;
  readonly tokenRef: string;
  readonly idToken: string;
  readonly salt: string;
}

const ID_TOKEN = /^[\x21-\x7e]{1,64}$/;
const HEX_SALT = /^[0-9a-f]{32,128}$/;
const HEX_DIGEST = /^[0-9a-f]{64}$/;

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function tokenProofOf(salt: string, idToken: string): string {
  return sha256Hex(`${salt}:${idToken}`);
}

export function proofHashOf(tokenProof: string): string {
  return sha256Hex(tokenProof);
}

export function transientText(tx: Tx, name: string): string {
  const bytes = tx.transient(name);
  if (bytes === undefined) refuse('BAD_REQUEST', `transient ${name} is required`);
  return Buffer.from(bytes).toString('utf8');
}

export function transientIdToken(tx: Tx): string {
  const idToken = transientText(tx, TRANSIENT_KEYS.idToken);
  if (!ID_TOKEN.test(idToken)) refuse('BAD_REQUEST', 'transient idToken must be 1-64 printable ASCII characters');
  return idToken;
}

export function transientSalt(tx: Tx): string {
  const salt = transientText(tx, TRANSIENT_KEYS.idTokenSalt);
  if (!HEX_SALT.test(salt)) refuse('BAD_REQUEST', 'transient idTokenSalt must be 32-128 lowercase hex digits');
  return salt;
}

/** The committed pepper; readable on Wallets peers only (callers run there). */
export async function readPepper(tx: Tx): Promise<Buffer> {
  const pepper = await tx.ctx.stub.getPrivateData(WALLETS_PRIVATE_COLLECTION, tx.key(PRIVATE_KEY.pepper));
  if (pepper.length === 0) refuse('INVALID_STATE', 'the token pepper has not been set');
  return Buffer.from(pepper);
}

export function lookupKey(tx: Tx, pepper: Buffer, idToken: string): string {
  return tx.key(PRIVATE_KEY.idToken, createHmac('sha256', pepper).update(idToken, 'utf8').digest('hex'));
}

export async function loadLink(tx: Tx, accountId: string, tokenRef: string): Promise<IdTokenLink | undefined> {
  return tx.get<IdTokenLink>(tx.key(KEY.tokenLink, accountId, tokenRef));
}

/**
 * Proof that the caller was shown the driver's token: the token proof from Wallet:resolveIdToken arrives in
 * the transient map and must hash to the link's public proofHash. Deterministic on every endorsing peer,
 * and no endorsing peer learns the raw token.
 */
export async function verifyTokenProof(tx: Tx, accountId: string, tokenRef: string, tokenProof: () => string): Promise<void> {
  const link = await loadLink(tx, accountId, tokenRef);
  if (link === undefined || link.status !== 'active') refuse('ID_TOKEN_REJECTED', `no active token ${tokenRef} on account ${accountId}`);
  const proof = tokenProof();
  if (!HEX_DIGEST.test(proof) || proofHashOf(proof) !== link.proofHash) refuse('ID_TOKEN_REJECTED', 'the token proof does not match the link');
}
