#!/usr/bin/env node
// A small command line over the headless client; USAGE below is its manual.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SottoClient } from '../protocol/client/client.js';
import type { ClientEvent } from '../protocol/client/client-events.js';
import { isSottoError } from '../protocol/errors.js';
import { openHeadlessClient } from './headless.js';

const USAGE = `Usage:
  sotto create-room --name NAME [--display-name NAME]
  sotto invite ROOM [--ttl-hours N]
  sotto join LINK --name NAME
  sotto send ROOM TEXT
  sotto listen

Common options: --relay URL (default http://localhost:8080), --relay-key KEY (pin the relay's key
instead of fetching /config.json), --data-dir DIR (default ~/.sotto), --passphrase-env VAR (the
environment variable holding the keystore passphrase, default SOTTO_PASSPHRASE).
Output is one JSON object per line.`;

const COMMANDS: readonly string[] = ['create-room', 'invite', 'join', 'send', 'listen'];

interface Args {
  readonly positional: string[];
  readonly flags: Map<string, string>;
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq >= 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
    }
  }
  return { positional, flags };
}

class UsageError extends Error {}

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

function eventLine(event: ClientEvent): unknown {
  switch (event.type) {
    case 'message':
      return { event: 'message', roomId: event.roomId, ...event.message };
    case 'warning':
      return { event: 'warning', roomId: event.roomId, error: event.error, detail: event.detail };
    case 'join':
      return { event: 'join', roomId: event.roomId, state: event.state };
    default:
      return undefined;
  }
}

async function run(command: string, args: Args, client: SottoClient): Promise<void> {
  switch (command) {
    case 'create-room':
      print({ roomId: await client.createRoom(flag(args, 'name'), args.flags.get('display-name') ?? '') });
      return;
    case 'invite': {
      const hours = Number(args.flags.get('ttl-hours') ?? 168);
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
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parseArgs(argv);
  const command = required(args, 0, `command (${COMMANDS.join(', ')})`);
  // Refuse a wrong command before opening (and perhaps creating) a keystore.
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command "${command}"`);
  const passphraseVar = args.flags.get('passphrase-env') ?? 'SOTTO_PASSPHRASE';
  const passphrase = process.env[passphraseVar];
  if (passphrase === undefined || passphrase === '') throw new UsageError(`set the passphrase in $${passphraseVar}`);
  const relayKey = args.flags.get('relay-key');
  const client = await openHeadlessClient({
    url: args.flags.get('relay') ?? 'http://localhost:8080',
    dataDir: args.flags.get('data-dir') ?? join(homedir(), '.sotto'),
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
