// The data directory: what lives in it and who may open it. The relay key, the database and a
// backup all share this layout, so a backup directory is itself a data directory. Only the relay's
// own user may enter it (0700) or read its files (0600): the key is the relay's identity, and the
// database, though it holds no plaintext, says who talks to whom and when.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const DATABASE_FILE = 'relay.sqlite';
export const RELAY_KEY_FILE = 'relay-key';
/** Files SQLite keeps next to the database in WAL mode; they hold committed data too. */
const DATABASE_COMPANIONS = ['-wal', '-shm'];

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Creates the directory if needed and tightens what an older install or a restore left too open. */
export function ensureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  chmodSync(dataDir, DIR_MODE);
  for (const name of [DATABASE_FILE, ...DATABASE_COMPANIONS.map((suffix) => DATABASE_FILE + suffix)]) {
    try {
      chmodSync(join(dataDir, name), FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
