// Structured JSON lines. Fields are numbers, booleans and short fixed strings chosen by the caller:
// never message content, secret keys, tokens, room ids or display names, and client addresses only when
// the operator opted in (--log-ips), so a log leak reveals only that the relay was busy. (The start
// line names the relay's public key, which /config.json publishes anyway, for operators to pin.)
import type { LogLevel } from './config.js';

export type LogFields = Readonly<Record<string, string | number | boolean>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = RANK[level];
  const emit = (at: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void => {
    if (RANK[at] < threshold) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...fields })}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** `{address}` when the operator opted in to logging addresses, else nothing; `address` is only read then. */
export function addressFields(logIps: boolean, address: () => string): LogFields {
  return logIps ? { address: address() } : {};
}
