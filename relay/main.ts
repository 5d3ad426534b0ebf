#!/usr/bin/env node
// The relay's command line: parse options, start, and shut down cleanly on SIGTERM/SIGINT; or run
// one of the backup commands. The start log says where to open the app and which relay key a
// client should pin, so the first run needs no digging. With --workers N this process is the
// primary of N worker processes on the one port, and each worker runs this file too (relay/workers/).
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { toBase64Url } from '../protocol/bytes.js';
import { BACKUP_COMMANDS, runBackupCommand, type BackupCommand } from './backup-command.js';
import { ConfigError, parseConfig, type RelayConfig } from './config.js';
import { createLogger } from './log.js';
import { ROOM_TOKEN_COMMAND, runRoomTokenCommand } from './room-token-command.js';
import { startRelay } from './server.js';
import { startRelayWorkers } from './workers/primary.js';
import { runRelayWorker } from './workers/worker.js';

function isBackupCommand(arg: string | undefined): arg is BackupCommand {
  return BACKUP_COMMANDS.some((command) => command === arg);
}

/** Where a person opens the app: the public origin when set, else this listener. */
function pageUrl(config: RelayConfig, port: number): string {
  if (config.publicOrigin !== undefined) return `${config.publicOrigin}/`;
  // Listening everywhere: this machine's own loopback name is the one address sure to work here.
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}/`;
}

async function main(): Promise<void> {
  // Whatever the relay creates (database, WAL, key, backups) is for its own user only.
  process.umask(0o077);
  const command = process.argv[2];
  if (isBackupCommand(command)) {
    process.exitCode = await runBackupCommand(command, process.argv.slice(3), process.env,
      (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
    return;
  }
  if (command === ROOM_TOKEN_COMMAND) {
    process.exitCode = runRoomTokenCommand(process.argv.slice(3), process.env, Date.now(),
      (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
    return;
  }
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sotto-relay: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${parsed.text}\n`);
    return;
  }
  const config = parsed.config;
  const log = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isWorker) {
    await runRelayWorker(config, log);
    return;
  }
  let relay;
  try {
    relay = config.workers > 1 ? await startRelayWorkers(config, log) : await startRelay(config, { log });
  } catch (error) {
    // Startup errors name a version, a path or an option, never a secret: show them to the operator.
    log.error('relay failed to start', { error: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
    return;
  }
  log.info('relay listening', {
    port: relay.port, url: pageUrl(config, relay.port), relayPublicKey: toBase64Url(relay.publicKey),
    ...(relay.metricsPort === undefined ? {} : { metrics: `http://${config.metricsHost}:${relay.metricsPort}/metrics` }),
  });
  if (!existsSync(join(config.staticDir, 'index.html'))) {
    log.warn('web client not built: / will answer 404 until `npm run build` writes it', { staticDir: config.staticDir });
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('relay shutting down', { signal });
    relay.close().then(
      () => log.info('relay stopped'),
      (error: unknown) => {
        log.error('shutdown failed', { error: error instanceof Error ? error.name : typeof error });
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
