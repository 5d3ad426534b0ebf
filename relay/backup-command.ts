// `sotto-relay backup --out DIR`, `sotto-relay restore --from DIR`, and `sotto-relay mark-restored`
// after PostgreSQL was restored from a dump: the data directory (and store) come from the same
// options as the relay's (--data-dir, DATA_DIR, --store-url, --config), so a backup job can reuse the
// service's configuration.
import { toBase64Url } from '../protocol/bytes.js';
import { backupDataDir, restoreDataDir, type BackupSummary } from './backup.js';
import { ConfigError, parseConfig, type RelayConfig } from './config.js';
import { postgresRoomPositions, writeRestorePoint } from './restore-point.js';

export type BackupCommand = 'backup' | 'restore' | 'mark-restored';

export const BACKUP_COMMANDS: readonly BackupCommand[] = ['backup', 'restore', 'mark-restored'];

const PATH_FLAG: Readonly<Partial<Record<BackupCommand, string>>> = { backup: 'out', restore: 'from' };

const USAGE: Readonly<Record<BackupCommand, string>> = {
  backup: 'usage: sotto-relay backup [--data-dir <dir> | --config <file>] --out <new or empty dir>',
  restore: 'usage: sotto-relay restore --from <backup dir> [--data-dir <new or empty dir> | --config <file>]',
  'mark-restored': 'usage: sotto-relay mark-restored [--data-dir <dir> --store-url <postgres url> | --config <file>] (after restoring PostgreSQL, before the relay starts)',
};

/**
 * PostgreSQL restored in place from a dump: every room's position is recorded in this relay's data
 * directory as its restore point, replacing an earlier one (docs/operations.md, "Restore").
 */
async function markRestored(config: RelayConfig): Promise<number> {
  if (config.storeUrl === undefined) {
    throw new Error('only a PostgreSQL store (--store-url) is restored in place; sotto-relay restore marks a SQLite one itself');
  }
  const rooms = await postgresRoomPositions(config.storeUrl);
  writeRestorePoint(config.dataDir, rooms, Date.now(), true);
  return rooms.length;
}

/** Runs the command; resolves with the process exit code (0 done, 1 failed, 2 usage). */
export async function runBackupCommand(
  command: BackupCommand,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const pathFlag = PATH_FLAG[command];
  let config: RelayConfig;
  let path: string | boolean | undefined;
  try {
    const parsed = parseConfig(argv, env, undefined, pathFlag === undefined ? {} : { [pathFlag]: { type: 'string' } });
    if (parsed.kind === 'help') {
      out(USAGE[command]);
      return 0;
    }
    config = parsed.config;
    path = pathFlag === undefined ? '' : parsed.extra[pathFlag];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`sotto-relay ${command}: ${error.message}\n${USAGE[command]}`);
    return 2;
  }
  if (pathFlag !== undefined && (typeof path !== 'string' || path === '')) {
    err(`sotto-relay ${command}: --${pathFlag} is required\n${USAGE[command]}`);
    return 2;
  }
  const { dataDir } = config;
  const target = String(path);
  let summary: BackupSummary | undefined;
  let marked = 0;
  try {
    if (command === 'backup') summary = await backupDataDir(dataDir, target);
    else if (command === 'restore') summary = restoreDataDir(target, dataDir);
    else marked = await markRestored(config);
  } catch (error) {
    // Paths and the databases' own messages only (never the store URL): nothing here is a secret.
    err(`sotto-relay ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (summary === undefined) {
    out(`recorded where the restored store's ${marked} rooms stand in ${dataDir}; start the relay`);
    return 0;
  }
  const done = command === 'backup' ? `backed up ${dataDir} to ${target}` : `restored ${target} into ${dataDir}`;
  out(`${done} (relay public key ${toBase64Url(summary.relayPublicKey)})`);
  return 0;
}
