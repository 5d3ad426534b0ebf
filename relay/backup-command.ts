// `sotto-relay backup --out DIR` and `sotto-relay restore --from DIR`: the data directory comes from
// the same options as the relay's (--data-dir, DATA_DIR, --config), so a backup job can reuse the
// service's configuration.
import { toBase64Url } from '../protocol/bytes.js';
import { backupDataDir, restoreDataDir, type BackupSummary } from './backup.js';
import { ConfigError, parseConfig } from './config.js';

export type BackupCommand = 'backup' | 'restore';

export const BACKUP_COMMANDS: readonly BackupCommand[] = ['backup', 'restore'];

const PATH_FLAG: Readonly<Record<BackupCommand, string>> = { backup: 'out', restore: 'from' };

const USAGE: Readonly<Record<BackupCommand, string>> = {
  backup: 'usage: sotto-relay backup [--data-dir <dir> | --config <file>] --out <new or empty dir>',
  restore: 'usage: sotto-relay restore --from <backup dir> [--data-dir <new or empty dir> | --config <file>]',
};

/** Runs the command; resolves with the process exit code (0 done, 1 failed, 2 usage). */
export async function runBackupCommand(
  command: BackupCommand,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const pathFlag = PATH_FLAG[command];
  let dataDir: string;
  let path: string | boolean | undefined;
  try {
    const parsed = parseConfig(argv, env, undefined, { [pathFlag]: { type: 'string' } });
    if (parsed.kind === 'help') {
      out(USAGE[command]);
      return 0;
    }
    dataDir = parsed.config.dataDir;
    path = parsed.extra[pathFlag];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`sotto-relay ${command}: ${error.message}\n${USAGE[command]}`);
    return 2;
  }
  if (typeof path !== 'string' || path === '') {
    err(`sotto-relay ${command}: --${pathFlag} is required\n${USAGE[command]}`);
    return 2;
  }
  let summary: BackupSummary;
  try {
    summary = command === 'backup' ? await backupDataDir(dataDir, path) : restoreDataDir(path, dataDir);
  } catch (error) {
    // Paths and SQLite's own messages only: nothing here is a secret.
    err(`sotto-relay ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const done = command === 'backup' ? `backed up ${dataDir} to ${path}` : `restored ${path} into ${dataDir}`;
  out(`${done} (relay public key ${toBase64Url(summary.relayPublicKey)})`);
  return 0;
}
