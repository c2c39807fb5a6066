import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A secret file exists but holds no hex key of the expected length; the CSMS does not start on it. */
export class SecretFileError extends Error {
  override readonly name = 'SecretFileError';
  constructor(
    readonly file: string,
    readonly expectedBytes: number,
  ) {
    super(`${file}: expected ${expectedBytes} bytes as ${expectedBytes * 2} hex digits`);
  }
}

/**
 * A key kept in the data folder's secrets (mode 600 in a folder of mode 700), like the admin API key: made once
 * with `bytes` random bytes and read on every start after. Nodes that must agree on it share the file. Two
 * processes starting at once end with the same key: only one can create the file.
 */
export function readOrCreateSecret(file: string, bytes: number): Buffer {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(bytes).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(text)) throw new SecretFileError(file, bytes);
  return Buffer.from(text, 'hex');
}
