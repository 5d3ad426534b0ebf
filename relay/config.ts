// The relay's one options schema: every limit is an option with a safe default, settable by flag
// (`--max-frame-bytes 1048576` or `--max-frame-bytes=1048576`, read by the project's one strict
// parser), by environment variable (MAX_FRAME_BYTES) or in a JSON config file
// ({"max-frame-bytes": 1048576}); flag over environment over file over default. parseConfig does no
// I/O beyond the injectable file read, so it can be tested.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, UsageError, type OptionsConfig } from '../protocol/platform/command-line.js';
import { LIMIT } from '../protocol/wire/types.js';
import { largestFrame } from './outbox.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type SqliteSynchronous = 'NORMAL' | 'FULL' | 'EXTRA';

export interface RelayConfig {
  readonly port: number;
  readonly host: string;
  /** Port of the separate /metrics listener; absent: no metrics endpoint at all. */
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  readonly dataDir: string;
  readonly staticDir: string;
  /** When set, browser WebSocket upgrades from any other Origin are refused; unset, the Origin must name the Host the request was sent to. */
  readonly publicOrigin: string | undefined;
  /** The one proxy address whose X-Forwarded-For is believed. */
  readonly trustProxy: string | undefined;
  readonly logLevel: LogLevel;
  readonly maxFrameBytes: number;
  readonly maxMessageBytes: number;
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  readonly maxConnectionsPerIp: number;
  /** With Redis: how long a connection's lease lasts unless renewed, so a killed process's connections free up after it. */
  readonly connectionLeaseMs: number;
  readonly maxRoomsPerSession: number;
  /** Device-link mailboxes (§8.7.1): how long one lives, what it holds, how many a session hears, how many exist. */
  readonly linkBoxTtlMs: number;
  readonly linkBoxMaxBytes: number;
  readonly linkBoxMaxPosts: number;
  readonly maxLinkBoxesPerSession: number;
  readonly maxLinkBoxes: number;
  readonly maxHistoryPerRoom: number;
  readonly maxSyncBytes: number;
  /** Sync answer bytes one connection is sent per second once its burst is spent; answers beyond wait. */
  readonly syncBytesPerSecond: number;
  readonly syncBurstBytes: number;
  /** Rooms one client address may create per hour. */
  readonly roomsPerAddressPerHour: number;
  /** Rooms are created only with a token the operator issued (sotto-relay room-token). */
  readonly requireRoomToken: boolean;
  /** Message bytes a room may hold; a send past it is ROOM_FULL. */
  readonly maxRoomBytes: number;
  /** Largest message record the relay stores. */
  readonly maxMessageRecordBytes: number;
  readonly inviteMaxFailures: number;
  readonly inviteLockoutSeconds: number;
  readonly maxInviteLifetimeDays: number;
  readonly heartbeatMs: number;
  readonly handshakeTimeoutMs: number;
  /** Time a client has to send a request's headers (the WebSocket upgrade included), and may sit idle before one. */
  readonly headersTimeoutMs: number;
  /** Time a client has to send a whole HTTP request. */
  readonly requestTimeoutMs: number;
  /** Pieces one WebSocket message may arrive in; each piece is a buffer held until the message is whole. */
  readonly maxMessageFragments: number;
  readonly maxBufferedBytes: number;
  readonly sqliteSynchronous: SqliteSynchronous;
  /** PostgreSQL URL for the store; absent: SQLite in the data dir. */
  readonly storeUrl: string | undefined;
  /** Connections to PostgreSQL this process keeps at most. */
  readonly storePoolSize: number;
  /** Redis URL for the bus between relay processes; absent: this process alone. */
  readonly busUrl: string | undefined;
  /** Worker processes sharing the port and one SQLite store process (relay/workers/, ADR 0011); 1: one process. */
  readonly workers: number;
  /** Client addresses appear in connection logs only when this is set. */
  readonly logIps: boolean;
  /** Messages older than this are pruned (0: kept until max-history-per-room pushes them out). */
  readonly maxHistoryAgeDays: number;
  /** A join request nobody answered is dropped after this long. */
  readonly joinRequestTtlDays: number;
  readonly sweepIntervalSeconds: number;
  /** Largest attachment (plaintext bytes) a member may upload (docs/protocol.md §9.2). */
  readonly maxAttachmentBytes: number;
  /** Attachment ciphertext one room may hold in all. */
  readonly maxRoomAttachmentBytes: number;
  /** Time an upload may take; unfinished attachments older than this are swept (V-171). */
  readonly attachmentUploadMinutes: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface OptionSpec<T> {
  readonly flag: string;
  readonly describe: string;
  readonly default: T;
  /** Turns the flag or environment text into a value, throwing ConfigError on bad input. */
  readonly parse: (text: string, name: string) => T;
  /** An on/off switch: `--log-ips` / `--no-log-ips` on the command line, true/false elsewhere. */
  readonly switch?: true;
}

type Schema = { readonly [K in keyof RelayConfig]: OptionSpec<RelayConfig[K]> };

const MiB = 1024 * 1024;

/** A message record at the wire's largest ciphertext, with room for its signed header. */
const MAX_MESSAGE_RECORD = LIMIT.messageCiphertext + 1024;

function integer(min: number, max: number): (text: string, name: string) => number {
  return (text, name) => {
    if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${name} must be a whole number, got "${text}"`);
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be between ${min} and ${max}, got ${text}`);
    }
    return value;
  };
}

function oneOf<T extends string>(...values: T[]): (text: string, name: string) => T {
  return (text, name) => {
    const found = values.find((v) => v.toLowerCase() === text.trim().toLowerCase());
    if (found === undefined) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${text}"`);
    return found;
  };
}

function boolean(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  throw new ConfigError(`${name} must be true or false, got "${text}"`);
}

function nonEmpty(text: string, name: string): string {
  if (text.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return text.trim();
}

function ipAddress(text: string, name: string): string {
  if (isIP(text.trim()) === 0) throw new ConfigError(`${name} must be an IP address, got "${text}"`);
  return text.trim();
}

function origin(text: string, name: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(`${name} must be an origin like https://chat.example, got "${text}"`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== text.trim().replace(/\/$/, '')) {
    throw new ConfigError(`${name} must be an origin like https://chat.example (scheme, host, optional port), got "${text}"`);
  }
  return url.origin;
}

/** A URL with one of `schemes`; errors never repeat the text, which may hold a password. */
function serviceUrl(...schemes: string[]): (text: string, name: string) => string {
  return (text, name) => {
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch {
      throw new ConfigError(`${name} must be a URL (${schemes.join(' or ')}//…)`);
    }
    if (!schemes.includes(url.protocol)) throw new ConfigError(`${name} must start with ${schemes.join(' or ')}//`);
    return text.trim();
  };
}

// The web client as built by web/build.ts (npm run build); static/ is its unbuilt template.
const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../www/', import.meta.url));

const SCHEMA: Schema = {
  port: { flag: 'port', describe: 'TCP port for HTTP and /ws (0 picks a free one)', default: 8080, parse: integer(0, 65535) },
  host: { flag: 'host', describe: 'address to listen on (0.0.0.0 or :: for every interface, e.g. behind nginx on another machine)', default: '127.0.0.1', parse: nonEmpty },
  metricsPort: {
    flag: 'metrics-port', describe: 'TCP port of a separate listener for /metrics (Prometheus); unset: no metrics endpoint',
    default: undefined, parse: integer(0, 65535),
  },
  metricsHost: { flag: 'metrics-host', describe: 'address the /metrics listener binds to; keep it off public interfaces', default: '127.0.0.1', parse: ipAddress },
  dataDir: { flag: 'data-dir', describe: 'directory for the database and the relay key', default: './data', parse: nonEmpty },
  staticDir: { flag: 'static-dir', describe: 'directory of the built web client (npm run build writes dist/www)', default: DEFAULT_STATIC_DIR, parse: nonEmpty },
  publicOrigin: {
    flag: 'public-origin', describe: 'the web origin clients load the page from; other browser origins are refused (unset: the Origin must match the Host header)',
    default: undefined, parse: origin,
  },
  trustProxy: {
    flag: 'trust-proxy', describe: 'IP address of the reverse proxy allowed to set X-Forwarded-For',
    default: undefined, parse: ipAddress,
  },
  logLevel: { flag: 'log-level', describe: 'debug, info, warn, error or silent', default: 'info', parse: oneOf('debug', 'info', 'warn', 'error', 'silent') },
  maxFrameBytes: { flag: 'max-frame-bytes', describe: 'largest frame inside the transport', default: MiB, parse: integer(1024, 64 * MiB) },
  maxMessageBytes: { flag: 'max-message-bytes', describe: 'largest WebSocket message', default: 2 * MiB, parse: integer(1024, 64 * MiB) },
  rateLimitPerSecond: { flag: 'rate-limit-per-second', describe: 'requests per second a session may sustain', default: 50, parse: integer(1, 1_000_000) },
  rateLimitBurst: { flag: 'rate-limit-burst', describe: 'requests a session may send at once', default: 200, parse: integer(1, 1_000_000) },
  maxConnectionsPerIp: { flag: 'max-connections-per-ip', describe: 'concurrent WebSockets per client address', default: 64, parse: integer(1, 1_000_000) },
  connectionLeaseMs: {
    flag: 'connection-lease-ms', describe: 'with --bus-url: how long a connection counts for its address after its relay process died (leases are renewed every third of it)',
    default: 30_000, parse: integer(1000, 600_000),
  },
  maxRoomsPerSession: { flag: 'max-rooms-per-session', describe: 'rooms one WebSocket may bind to', default: 256, parse: integer(1, 100_000) },
  linkBoxTtlMs: { flag: 'link-box-ttl-ms', describe: 'how long a device-link mailbox lives from its first use', default: 600_000, parse: integer(10_000, 3_600_000) },
  linkBoxMaxBytes: { flag: 'link-box-max-bytes', describe: 'bytes one device-link mailbox holds (history moves through it)', default: 64 * MiB, parse: integer(MiB, 1024 * MiB) },
  linkBoxMaxPosts: { flag: 'link-box-max-posts', describe: 'posts one device-link mailbox holds', default: 10_000, parse: integer(10, 1_000_000) },
  maxLinkBoxesPerSession: { flag: 'max-link-boxes-per-session', describe: 'device-link mailboxes one WebSocket may listen on', default: 4, parse: integer(1, 1000) },
  maxLinkBoxes: { flag: 'max-link-boxes', describe: 'device-link mailboxes held at once in this process', default: 10_000, parse: integer(1, 10_000_000) },
  maxHistoryPerRoom: { flag: 'max-history-per-room', describe: 'messages kept per room; the oldest are pruned', default: 100_000, parse: integer(1, 1_000_000_000) },
  maxSyncBytes: { flag: 'max-sync-bytes', describe: 'message bytes one sync page may return before it says "more"', default: MiB, parse: integer(64 * 1024, 1024 * MiB) },
  syncBytesPerSecond: {
    flag: 'sync-bytes-per-second', describe: 'sync answer bytes a connection is sent per second once its burst is spent (answers beyond wait their turn)',
    default: 4 * MiB, parse: integer(16 * 1024, 1024 * MiB),
  },
  syncBurstBytes: { flag: 'sync-burst-bytes', describe: 'sync answer bytes a connection may be sent at once', default: 8 * MiB, parse: integer(64 * 1024, 1024 * MiB) },
  roomsPerAddressPerHour: { flag: 'rooms-per-address-per-hour', describe: 'rooms one client address may create per hour', default: 20, parse: integer(1, 1_000_000) },
  requireRoomToken: {
    flag: 'require-room-token', describe: 'create rooms only with a token issued by `sotto-relay room-token` (for a relay open to the internet)',
    default: false, parse: boolean, switch: true,
  },
  maxRoomBytes: { flag: 'max-room-bytes', describe: 'message bytes one room may hold; sends beyond are refused (ROOM_FULL)', default: 256 * MiB, parse: integer(64 * 1024, 1024 * 1024 * MiB) },
  maxMessageRecordBytes: {
    flag: 'max-message-record-bytes', describe: 'largest message the relay stores, in bytes (the default fits the largest a Sotto client makes)',
    default: MAX_MESSAGE_RECORD, parse: integer(1024, MAX_MESSAGE_RECORD),
  },
  inviteMaxFailures: { flag: 'invite-max-failures', describe: 'bad invite proofs (per invite and per address) before a lockout', default: 5, parse: integer(1, 1000) },
  inviteLockoutSeconds: { flag: 'invite-lockout-seconds', describe: 'how long a lockout lasts', default: 300, parse: integer(1, 7 * 24 * 3600) },
  maxInviteLifetimeDays: { flag: 'max-invite-lifetime-days', describe: 'latest expiry an invite may ask for', default: 30, parse: integer(1, 365) },
  heartbeatMs: { flag: 'heartbeat-ms', describe: 'WebSocket ping interval; a socket that misses a pong is dropped', default: 30_000, parse: integer(1000, 3_600_000) },
  handshakeTimeoutMs: { flag: 'handshake-timeout-ms', describe: 'time a new socket has to send Noise message 1', default: 10_000, parse: integer(100, 600_000) },
  headersTimeoutMs: { flag: 'headers-timeout-ms', describe: 'time a connection has to send its HTTP request headers, and may stay idle before a request', default: 10_000, parse: integer(100, 600_000) },
  requestTimeoutMs: { flag: 'request-timeout-ms', describe: 'time a connection has to send a whole HTTP request', default: 30_000, parse: integer(100, 3_600_000) },
  maxMessageFragments: { flag: 'max-message-fragments', describe: 'WebSocket frames one message may be split into', default: 1024, parse: integer(1, 1_000_000) },
  maxBufferedBytes: { flag: 'max-buffered-bytes', describe: 'unsent bytes per socket before a slow consumer is closed', default: 8 * MiB, parse: integer(64 * 1024, 1024 * MiB) },
  sqliteSynchronous: { flag: 'sqlite-synchronous', describe: 'SQLite synchronous pragma: NORMAL, FULL or EXTRA', default: 'FULL', parse: oneOf('NORMAL', 'FULL', 'EXTRA') },
  storeUrl: {
    flag: 'store-url', describe: 'postgres://user@host/db to keep everything in PostgreSQL (several relay processes can share it); otherwise SQLite in the data dir',
    default: undefined, parse: serviceUrl('postgres:', 'postgresql:'),
  },
  storePoolSize: { flag: 'store-pool-size', describe: 'PostgreSQL connections per relay process', default: 10, parse: integer(1, 1000) },
  busUrl: {
    flag: 'bus-url', describe: 'redis://host:port to fan out between relay processes (needed with more than one); otherwise in-process',
    default: undefined, parse: serviceUrl('redis:', 'rediss:'),
  },
  workers: {
    flag: 'workers', describe: 'worker processes sharing the port and the SQLite store, each under its own open-file limit (1: one process)',
    default: 1, parse: integer(1, 64),
  },
  logIps: { flag: 'log-ips', describe: 'put client addresses in connection logs (personal data: off unless you need it)', default: false, parse: boolean, switch: true },
  maxHistoryAgeDays: { flag: 'max-history-age-days', describe: 'prune messages older than this many days; 0 keeps them', default: 0, parse: integer(0, 36_500) },
  joinRequestTtlDays: { flag: 'join-request-ttl-days', describe: 'drop join requests left unanswered this many days', default: 7, parse: integer(1, 365) },
  sweepIntervalSeconds: { flag: 'sweep-interval-seconds', describe: 'how often expired invites, stale join requests and old messages are swept', default: 3600, parse: integer(1, 7 * 24 * 3600) },
  maxAttachmentBytes: { flag: 'max-attachment-bytes', describe: 'largest file or image a member may attach', default: 25 * MiB, parse: integer(1, 2048 * MiB) },
  maxRoomAttachmentBytes: { flag: 'max-room-attachment-bytes', describe: 'attachment bytes one room may hold in all', default: 1024 * MiB, parse: integer(1, 1024 * 1024 * MiB) },
  attachmentUploadMinutes: { flag: 'attachment-upload-minutes', describe: 'time an upload may take; unfinished ones are swept after it', default: 60, parse: integer(1, 7 * 24 * 60) },
};

const KEYS = Object.keys(SCHEMA) as (keyof RelayConfig)[];

function envName(flag: string): string {
  return flag.toUpperCase().replace(/-/g, '_');
}

function defaults(): RelayConfig {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) out[key] = SCHEMA[key].default;
  return out as unknown as RelayConfig;
}

/** Checks that hold between options. */
function checkRelations(config: RelayConfig): RelayConfig {
  if (config.maxFrameBytes > largestFrame(config.maxMessageBytes)) {
    throw new ConfigError(
      `max-frame-bytes (${config.maxFrameBytes}) must fit one max-message-bytes message (${config.maxMessageBytes}) with its framing: at most ${largestFrame(config.maxMessageBytes)}`,
    );
  }
  // A session's requests wait while half its buffer is in use; one sync page (plus one frame over
  // the budget) must then still fit, or a client's own sync would close it as a slow consumer.
  if (config.maxSyncBytes + config.maxFrameBytes > config.maxBufferedBytes / 2) {
    throw new ConfigError(
      `max-sync-bytes (${config.maxSyncBytes}) plus max-frame-bytes (${config.maxFrameBytes}) must be at most half of max-buffered-bytes (${config.maxBufferedBytes})`,
    );
  }
  // One page must fit the burst, or every page would wait.
  if (config.syncBurstBytes < config.maxSyncBytes) {
    throw new ConfigError(`sync-burst-bytes (${config.syncBurstBytes}) must be at least max-sync-bytes (${config.maxSyncBytes})`);
  }
  if (config.requestTimeoutMs < config.headersTimeoutMs) {
    throw new ConfigError(`request-timeout-ms (${config.requestTimeoutMs}) must be at least headers-timeout-ms (${config.headersTimeoutMs})`);
  }
  // Workers share the primary's SQLite store and bus; on PostgreSQL + Redis, run relay processes instead (ADR 0011).
  if (config.workers > 1 && (config.storeUrl !== undefined || config.busUrl !== undefined)) {
    throw new ConfigError('workers share the embedded SQLite store: with store-url or bus-url, run several relay processes instead');
  }
  // One /metrics listener per process would have the workers fight over the port.
  if (config.workers > 1 && config.metricsPort !== undefined) {
    throw new ConfigError('metrics-port is not available with workers (each worker would count only its own connections)');
  }
  if (config.rateLimitBurst < config.rateLimitPerSecond) {
    throw new ConfigError(`rate-limit-burst (${config.rateLimitBurst}) must be at least rate-limit-per-second (${config.rateLimitPerSecond})`);
  }
  return config;
}

/** Defaults overlaid with `overrides`, validated; for embedding the relay (tests, other tools). */
export function resolveConfig(overrides: Partial<RelayConfig> = {}): RelayConfig {
  const out: Record<string, unknown> = { ...defaults() };
  for (const key of KEYS) {
    const value = overrides[key];
    if (value !== undefined) out[key] = SCHEMA[key].parse(String(value), key);
  }
  return checkRelations(out as unknown as RelayConfig);
}

/** `--config FILE` / CONFIG_FILE: a JSON object keyed by flag name, e.g. {"port": 8080, "log-ips": false}. */
const CONFIG_FLAG = 'config';
const CONFIG_ENV = 'CONFIG_FILE';

function helpText(): string {
  const lines = [
    'Usage: sotto-relay [options]',
    '       sotto-relay backup --data-dir <dir> --out <new dir>',
    '       sotto-relay restore --from <backup dir> --data-dir <new dir>',
    '       sotto-relay room-token --data-dir <dir> [--days <n>]   (a room-creation token, for --require-room-token)',
    '',
    'Every option can also be set by the environment variable shown, or in a JSON config file keyed by',
    'option name. A flag wins over the environment, the environment over the file, the file over the default.',
    '',
    `  --${CONFIG_FLAG} <file>  (${CONFIG_ENV})`,
    '      JSON config file, e.g. {"port": 8080, "data-dir": "/var/lib/sotto-relay"}. Default: none.',
  ];
  for (const key of KEYS) {
    const spec = SCHEMA[key];
    const shown = spec.default === undefined ? 'none' : String(spec.default);
    const flag = spec.switch === undefined ? `--${spec.flag} <value>` : `--${spec.flag} | --no-${spec.flag}`;
    lines.push(`  ${flag}  (${envName(spec.flag)})`, `      ${spec.describe}. Default: ${shown}.`);
  }
  lines.push('  --help, -h', '      print this text.');
  return lines.join('\n');
}

type RawOptions = Map<keyof RelayConfig, { text: string; name: string }>;

function fileOptions(path: string, readFile: (path: string) => string, byFlag: ReadonlyMap<string, keyof RelayConfig>): RawOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path));
  } catch (error) {
    throw new ConfigError(`config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object keyed by option name`);
  }
  const raw: RawOptions = new Map();
  for (const [flag, value] of Object.entries(parsed)) {
    const key = byFlag.get(flag);
    const name = `${path}: "${flag}"`;
    if (key === undefined) throw new ConfigError(`${name} is not an option (try --help)`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(`${name} must be a string, number or boolean`);
    }
    raw.set(key, { text: String(value), name });
  }
  return raw;
}

export type ParsedArgs =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'config'; readonly config: RelayConfig; readonly extra: Readonly<Record<string, string | boolean | undefined>> };

/**
 * `readFile` reads the config file; replaceable so tests need no files. `extra` declares options a
 * subcommand adds to the relay's (backup's --out); their values come back in `extra`.
 */
export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  extra: OptionsConfig = {},
): ParsedArgs {
  const options: OptionsConfig = { ...extra, [CONFIG_FLAG]: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
  for (const key of KEYS) options[SCHEMA[key].flag] = { type: SCHEMA[key].switch === undefined ? 'string' : 'boolean' };
  let values: Readonly<Record<string, unknown>>;
  try {
    const parsed = parseCommandLine(argv, options);
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}" (try --help)`);
    values = parsed.values;
  } catch (error) {
    throw error instanceof UsageError ? new ConfigError(error.message) : error;
  }
  if (values.help === true) return { kind: 'help', text: helpText() };
  const flags: RawOptions = new Map();
  for (const key of KEYS) {
    const flag = SCHEMA[key].flag;
    const value = values[flag];
    if (typeof value === 'string' || typeof value === 'boolean') flags.set(key, { text: String(value), name: value === false ? `--no-${flag}` : `--${flag}` });
  }
  const named = values[CONFIG_FLAG];
  const configFile = typeof named === 'string' ? named : env[CONFIG_ENV] === '' ? undefined : env[CONFIG_ENV];
  const raw: RawOptions = configFile === undefined ? new Map() : fileOptions(configFile, readFile, new Map(KEYS.map((key) => [SCHEMA[key].flag, key])));
  for (const key of KEYS) {
    const name = envName(SCHEMA[key].flag);
    const text = env[name];
    if (text !== undefined && text !== '') raw.set(key, { text, name });
  }
  for (const [key, value] of flags) raw.set(key, value);
  const out: Record<string, unknown> = { ...defaults() };
  for (const [key, { text, name }] of raw) out[key] = SCHEMA[key].parse(text, name);
  const extraValues: Record<string, string | boolean | undefined> = {};
  for (const name of Object.keys(extra)) {
    const value = values[name];
    if (typeof value === 'string' || typeof value === 'boolean') extraValues[name] = value;
  }
  return { kind: 'config', config: checkRelations(out as unknown as RelayConfig), extra: extraValues };
}
