import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Passwords are stored as `scrypt$N$r$p$salt$hash` (hex salt and hash), so the cost can be raised later
 * without invalidating what is stored: a record is checked with the parameters written in it.
 */

const KEY_BYTES = 32;
const COST = { N: 16_384, r: 8, p: 1 } as const;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: 64 * 1024 * 1024 }, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('hex'), key.toString('hex')].join('$');
}

/** False for a wrong password and for a record this code cannot read; never throws on either. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'hex');
  if (expected.length !== KEY_BYTES) return false;
  const key = await derive(password, Buffer.from(salt, 'hex'), { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(key, expected);
}

/**
 * Why a new password is refused, or undefined when it may be used. The schema asks for 10 to 200 characters;
 * beyond that a password may not be a few characters repeated (fewer than 4 different ones) nor contain the
 * user name, the first things a guesser tries.
 */
export function weakPasswordReason(password: string, username: string): string | undefined {
  const characters = [...password.normalize('NFC')];
  if (characters.length < 10) return 'a password has at least 10 characters';
  if (new Set(characters.map((character) => character.toLowerCase())).size < 4) return 'a password has at least 4 different characters';
  if (password.toLowerCase().includes(username.toLowerCase())) return 'a password may not contain the user name';
  return undefined;
}
