import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The data folder holds private keys (the embedded ledger's, the meters', the API keys), password hashes,
 * drivers' names and e-mails and raw card ids (in the ledger, Redis' append-only file and the logs): nobody but
 * its owner may read any of it. Everything in it is created 700 (folders) and 600 (files), whichever process
 * writes it, and what an older version left readable is made private again at start.
 */

/** The permission bits no file or folder under the data folder may have: anything for group or others. */
export const SHARED_BITS = 0o077;

/**
 * Makes this process create files 600 and folders 700 (umask 077), creates `dataDir` 700, and takes the group's
 * and others' bits off everything already under it. Returns the paths it repaired, for the caller's log; a
 * path it may not change (another owner's) fails the start with the path in the message.
 */
export function protectDataDir(dataDir: string): string[] {
  process.umask(SHARED_BITS);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const repaired: string[] = [];
  const visit = (target: string): void => {
    let stat;
    try {
      stat = lstatSync(target);
    } catch (error) {
      // Removed by another process between the listing and now (a LevelDB log rotated, a temporary file renamed).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & SHARED_BITS) !== 0) {
      try {
        chmodSync(target, stat.mode & 0o7700);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw new Error(`${target} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}) and cannot be made private: ${(error as Error).message}`, { cause: error });
      }
      repaired.push(target);
    }
    if (!stat.isDirectory()) return;
    let entries: string[];
    try {
      entries = readdirSync(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) visit(path.join(target, entry));
  };
  visit(dataDir);
  return repaired;
}
