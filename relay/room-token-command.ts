// `sotto-relay room-token [--days N]`: how an operator running with --require-room-token lets a
// person create rooms. It prints one token to hand over out of band; the person pastes it where
// the web app or `sotto create --room-token` asks. The data directory comes from the relay's own
// options (--data-dir, DATA_DIR, --config), so the token matches the secret the relay checks with.
import { ConfigError, parseConfig } from './config.js';
import { issueRoomToken, loadRoomTokenSecret } from './room-token.js';

export const ROOM_TOKEN_COMMAND = 'room-token';

const USAGE = 'usage: sotto-relay room-token [--data-dir <dir> | --config <file>] [--days <1-365, default 30>]';
const DAY_MS = 24 * 3600 * 1000;
const DEFAULT_DAYS = 30;
const MAX_DAYS = 365;

/** Prints a new token; resolves with the process exit code (0 done, 1 failed, 2 usage). */
export function runRoomTokenCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  now: number,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  let dataDir: string;
  let days = DEFAULT_DAYS;
  try {
    const parsed = parseConfig(argv, env, undefined, { days: { type: 'string' } });
    if (parsed.kind === 'help') {
      out(USAGE);
      return 0;
    }
    dataDir = parsed.config.dataDir;
    const text = parsed.extra.days;
    if (typeof text === 'string') {
      days = /^\d+$/.test(text) ? Number(text) : 0;
      if (days < 1 || days > MAX_DAYS) throw new ConfigError(`--days must be a whole number from 1 to ${MAX_DAYS}, got "${text}"`);
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`sotto-relay ${ROOM_TOKEN_COMMAND}: ${error.message}\n${USAGE}`);
    return 2;
  }
  try {
    const expiresAt = now + days * DAY_MS;
    out(issueRoomToken(loadRoomTokenSecret(dataDir, true), expiresAt));
    err(`room-creation token valid until ${new Date(expiresAt).toISOString()}; hand it over privately`);
    return 0;
  } catch (error) {
    err(`sotto-relay ${ROOM_TOKEN_COMMAND}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
