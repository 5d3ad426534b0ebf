#!/usr/bin/env node
// A small command line over the headless client; USAGE below is its manual.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SottoClient } from '../protocol/client/client.js';
import type { ClientEvent } from '../protocol/client/client-events.js';
import { passphraseStrength } from '../protocol/crypto/passphrase-strength.js';
import { isSottoError } from '../protocol/errors.js';
import { expectPositionals, parseCommandLine, UsageError } from '../protocol/platform/command-line.js';
import { checkHistory, DEFAULT_SETTINGS, type HistorySetting } from '../protocol/wire/membership.js';
import { SNAPSHOT_FILE } from './file-persistence.js';
import { openHeadlessClient } from './headless.js';

const USAGE = `Usage:
  sotto create-room --name NAME [--display-name NAME] [--history join|last:N|all] [--room-token TOKEN]
  sotto invite ROOM [--ttl-hours N]
  sotto join LINK --name NAME
  sotto send ROOM TEXT
  sotto listen

Common options: --relay URL (default http://localhost:8080), --relay-key KEY (pin the relay's key
instead of fetching /config.json), --data-dir DIR (default ~/.sotto), --passphrase-env VAR (the
environment variable holding the keystore passphrase, default SOTTO_PASSPHRASE). A new keystore's
passphrase must be hard to guess (the same rule as the web app's). --history says what new members
see of earlier messages: join (the default, nothing from before their add), last:N (1..10000) or
all. Unknown options are errors.
Output is one JSON object per line.`;

const OPTIONS = {
  relay: { type: 'string' },
  'relay-key': { type: 'string' },
  'data-dir': { type: 'string' },
  'passphrase-env': { type: 'string' },
  name: { type: 'string' },
  'display-name': { type: 'string' },
  'ttl-hours': { type: 'string' },
  history: { type: 'string' },
  'room-token': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Option = keyof typeof OPTIONS;

const COMMON: readonly Option[] = ['relay', 'relay-key', 'data-dir', 'passphrase-env'];

/** Per command: the positionals after the command's name, and the options beyond COMMON it takes. */
const COMMANDS: Readonly<Record<string, { readonly positionals: readonly string[]; readonly options: readonly Option[] }>> = {
  'create-room': { positionals: [], options: ['name', 'display-name', 'history', 'room-token'] },
  invite: { positionals: ['ROOM'], options: ['ttl-hours'] },
  join: { positionals: ['LINK'], options: ['name'] },
  send: { positionals: ['ROOM', 'TEXT'], options: [] },
  listen: { positionals: [], options: [] },
};

interface Args {
  readonly positional: readonly string[];
  readonly flags: ReadonlyMap<string, string>;
  /** create-room's --history, checked with the rest before anything is opened. */
  readonly history: HistorySetting;
}

/** Reads argv strictly: unknown options, options the command does not take and stray words are errors. */
function parseArgs(argv: readonly string[]): Args | 'help' {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help === true || positionals[0] === 'help' || argv.length === 0) return 'help';
  const command = positionals[0]!;
  const spec = COMMANDS[command];
  // Refuse a wrong command before opening (and perhaps creating) a keystore.
  if (spec === undefined) throw new UsageError(`unknown command "${command}" (${Object.keys(COMMANDS).join(', ')})`);
  const usage = `sotto ${[command, ...spec.positionals].join(' ')}`;
  expectPositionals(positionals, 1 + spec.positionals.length, 1 + spec.positionals.length, usage);
  const flags = new Map<string, string>();
  for (const [name, value] of Object.entries(values)) {
    if (name === 'help' || typeof value !== 'string') continue;
    if (!COMMON.includes(name as Option) && !spec.options.includes(name as Option)) {
      throw new UsageError(`--${name} does not apply to ${command}`);
    }
    flags.set(name, value);
  }
  return { positional: positionals, flags, history: parseHistory(flags.get('history') ?? 'join') };
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function required(args: Args, index: number, what: string): string {
  const value = args.positional[index];
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

function flag(args: Args, name: string): string {
  const value = args.flags.get(name);
  if (value === undefined) throw new UsageError(`missing --${name}`);
  return value;
}

/** --history join | last:N | all, checked as the log checks it (V-93). */
function parseHistory(value: string): HistorySetting {
  const last = /^last:(\d{1,5})$/.exec(value);
  const history: HistorySetting | undefined = value === 'join' || value === 'all' ? { mode: value, count: 0 }
    : last === null ? undefined : { mode: 'last', count: Number(last[1]) };
  const problem = `--history must be join, last:N with N from 1 to 10000, or all (got "${value}")`;
  if (history === undefined) throw new UsageError(problem);
  try {
    checkHistory(history);
  } catch (error) {
    if (isSottoError(error, 'BAD_VALUE')) throw new UsageError(problem);
    throw error;
  }
  return history;
}

function eventLine(event: ClientEvent): unknown {
  switch (event.type) {
    case 'message':
      return { event: 'message', roomId: event.roomId, ...event.message };
    case 'warning':
      return { event: 'warning', roomId: event.roomId, error: event.error, detail: event.detail };
    case 'join':
      return { event: 'join', roomId: event.roomId, state: event.state };
    case 'restored':
      return { event: 'restored', roomId: event.roomId, text: 'The server was restored from a backup; re-sending what it lost.' };
    default:
      return undefined;
  }
}

async function run(command: string, args: Args, client: SottoClient): Promise<void> {
  switch (command) {
    case 'create-room':
      print({
        roomId: await client.createRoom(flag(args, 'name'), args.flags.get('display-name') ?? '', { ...DEFAULT_SETTINGS, history: args.history }, args.flags.get('room-token')),
      });
      return;
    case 'invite': {
      const hours = Number(args.flags.get('ttl-hours') ?? 168);
      if (!(hours > 0 && hours <= 24 * 365)) throw new UsageError(`--ttl-hours must be a number of hours between 0 and ${24 * 365}`);
      print(await client.createInvite(required(args, 1, 'room id'), hours * 3600 * 1000));
      return;
    }
    case 'join': {
      const roomId = await client.join(required(args, 1, 'invite link'), flag(args, 'name'));
      // Admission needs the inviter online; wait for it (state is saved, so Ctrl-C is safe). The
      // join event says the whole admission is done, the welcome confirmed included.
      await new Promise<void>((resolve) => {
        client.on((event) => {
          if (event.type === 'join' && event.roomId === roomId && event.state === 'member') resolve();
        });
        if (client.rooms().find((r) => r.roomId === roomId)?.joinState === 'member') resolve();
      });
      print({ roomId, state: 'member' });
      return;
    }
    case 'send':
      print({ seq: await client.send(required(args, 1, 'room id'), required(args, 2, 'text')) });
      return;
    case 'listen':
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return;
    default:
      throw new UsageError(`unknown command "${command}"`); // unreachable: main checks COMMANDS first
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const command = args.positional[0]!;
  const passphraseVar = args.flags.get('passphrase-env') ?? 'SOTTO_PASSPHRASE';
  const passphrase = process.env[passphraseVar];
  if (passphrase === undefined || passphrase === '') throw new UsageError(`set the passphrase in $${passphraseVar}`);
  const dataDir = args.flags.get('data-dir') ?? join(homedir(), '.sotto');
  if (!existsSync(join(dataDir, SNAPSHOT_FILE))) {
    const strength = passphraseStrength(passphrase);
    if (!strength.acceptable) throw new UsageError(`$${passphraseVar}: ${strength.advice}`);
  }
  const relayKey = args.flags.get('relay-key');
  const client = await openHeadlessClient({
    url: args.flags.get('relay') ?? 'http://localhost:8080',
    dataDir,
    passphrase,
    ...(relayKey === undefined ? {} : { relayPublicKey: relayKey }),
    onEvent: (event) => {
      const line = command === 'listen' || command === 'join' ? eventLine(event) : undefined;
      if (line !== undefined) print(line);
    },
  });
  try {
    await run(command, args, client);
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  const text = error instanceof UsageError || isSottoError(error) || error instanceof Error ? error.message : String(error);
  process.stderr.write(`sotto: ${text}\n${error instanceof UsageError ? `\n${USAGE}\n` : ''}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
