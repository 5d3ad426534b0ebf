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

/** Takes `--out`/`--from` out of argv; the rest are relay options. */
function splitArgs(command: BackupCommand, argv: readonly string[]): { path: string | undefined; rest: string[] } {
  const flag = `--${PATH_FLAG[command]}`;
  const rest: string[] = [];
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === flag) path = argv[++i];
    else if (arg.startsWith(`${flag}=`)) path = arg.slice(flag.length + 1);
    else rest.push(arg);
  }
  return { path, rest };
}

/** Runs the command; resolves with the process exit code (0 done, 1 failed, 2 usage). */
export async function runBackupCommand(
  command: BackupCommand,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const { path, rest } = splitArgs(command, argv);
  let dataDir: string;
  try {
    const parsed = parseConfig(rest, env);
    if (parsed.kind === 'help') {
      out(USAGE[command]);
      return 0;
    }
    dataDir = parsed.config.dataDir;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`sotto-relay ${command}: ${error.message}\n${USAGE[command]}`);
    return 2;
  }
  if (path === undefined || path === '') {
    err(`sotto-relay ${command}: --${PATH_FLAG[command]} is required\n${USAGE[command]}`);
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
