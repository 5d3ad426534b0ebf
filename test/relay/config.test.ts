import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, parseConfig, resolveConfig, type RelayConfig } from '../../relay/config.js';

function config(argv: string[], env: Record<string, string> = {}): RelayConfig {
  const parsed = parseConfig(argv, env);
  if (parsed.kind !== 'config') throw new Error('expected a config');
  return parsed.config;
}

test('defaults', () => {
  const c = config([]);
  assert.is(c.port, 8080);
  assert.is(c.host, '127.0.0.1');
  assert.is(c.metricsPort, undefined);
  assert.is(c.metricsHost, '127.0.0.1');
  assert.is(c.dataDir, './data');
  assert.is(c.publicOrigin, undefined);
  assert.is(c.trustProxy, undefined);
  assert.is(c.maxFrameBytes, 1024 * 1024);
  assert.is(c.maxMessageBytes, 2 * 1024 * 1024);
  assert.is(c.rateLimitPerSecond, 50);
  assert.is(c.rateLimitBurst, 200);
  assert.is(c.maxConnectionsPerIp, 64);
  assert.is(c.maxHistoryPerRoom, 100_000);
  assert.is(c.inviteMaxFailures, 5);
  assert.is(c.inviteLockoutSeconds, 300);
  assert.is(c.heartbeatMs, 30_000);
  assert.is(c.maxBufferedBytes, 8 * 1024 * 1024);
  assert.is(c.maxInviteLifetimeDays, 30);
  assert.is(c.sqliteSynchronous, 'FULL');
  assert.is(c.logLevel, 'info');
  // One process, as before workers existed (ADR 0011).
  assert.is(c.workers, 1);
  // The quotas (docs/operations.md "Quotas"): on by default, sized for a relay open to the internet.
  assert.equal(
    [c.roomsPerAddressPerHour, c.requireRoomToken, c.maxRoomBytes, c.maxMessageRecordBytes, c.maxRoomsPerSession, c.syncBytesPerSecond, c.syncBurstBytes],
    [20, false, 256 * 1024 * 1024, 64 * 1024 + 1024, 256, 4 * 1024 * 1024, 8 * 1024 * 1024],
  );
});

test('environment, then flags (both spellings) over it', () => {
  const c = config(['--port', '9000', '--data-dir=/var/lib/sotto', '--trust-proxy', '10.0.0.1'], {
    PORT: '7000', HOST: '0.0.0.0', MAX_HISTORY_PER_ROOM: '500', SQLITE_SYNCHRONOUS: 'normal', LOG_LEVEL: 'warn',
  });
  assert.is(c.port, 9000);
  assert.is(c.host, '0.0.0.0');
  assert.is(c.dataDir, '/var/lib/sotto');
  assert.is(c.trustProxy, '10.0.0.1');
  assert.is(c.maxHistoryPerRoom, 500);
  assert.is(c.sqliteSynchronous, 'NORMAL');
  assert.is(c.logLevel, 'warn');
  assert.is(config(['--public-origin', 'https://chat.example/']).publicOrigin, 'https://chat.example');
});

test('bad values are refused with a message naming the option', () => {
  const cases: [string[], Record<string, string>, string][] = [
    [['--port', '70000'], {}, '--port'],
    [['--port', '12x'], {}, '--port'],
    [[], { PORT: '-1' }, 'PORT'],
    [['--trust-proxy', 'proxy.local'], {}, '--trust-proxy'],
    [['--public-origin', 'https://chat.example/app'], {}, '--public-origin'],
    [['--sqlite-synchronous', 'OFF'], {}, '--sqlite-synchronous'],
    [['--rate-limit-burst', '10'], {}, 'rate-limit-burst'],
    [['--sync-burst-bytes', '65536'], {}, 'sync-burst-bytes'],
    [['--max-message-record-bytes', String(128 * 1024)], {}, '--max-message-record-bytes'],
    [['--require-room-token=yes'], {}, '--require-room-token'],
    [['--max-frame-bytes', String(2 * 1024 * 1024)], {}, 'max-frame-bytes'],
    [['--nope', '1'], {}, '--nope'],
    [['--port'], {}, '--port'],
    [['stray'], {}, 'stray'],
    [['--metrics-host', 'localhost'], {}, '--metrics-host'],
    [['--workers', '0'], {}, '--workers'],
    // Workers share the SQLite store and one port; PostgreSQL + Redis scale out by relay processes.
    [['--workers', '3', '--store-url', 'postgres://db/sotto'], {}, 'workers'],
    [['--workers', '3', '--bus-url', 'redis://cache:6379'], {}, 'workers'],
    [['--workers', '3', '--metrics-port', '9100'], {}, 'metrics-port'],
  ];
  for (const [argv, env, mention] of cases) {
    assert.throws(() => parseConfig(argv, env), (e: Error) => e instanceof ConfigError && e.message.includes(mention), argv.join(' '));
  }
});

test('--help lists every option with its environment name', () => {
  const parsed = parseConfig(['--port', '1', '--help'], {});
  assert.is(parsed.kind, 'help');
  if (parsed.kind !== 'help') return;
  for (const flag of ['--port', '--data-dir', '--public-origin', '--trust-proxy', '--max-frame-bytes', '--rate-limit-burst', '--invite-lockout-seconds', '--sqlite-synchronous']) {
    assert.ok(parsed.text.includes(flag), flag);
  }
  assert.ok(parsed.text.includes('(DATA_DIR)'));
});

test('resolveConfig validates overrides the same way', () => {
  assert.is(resolveConfig({ port: 0 }).port, 0);
  assert.throws(() => resolveConfig({ port: 1.5 }), (e: Error) => e instanceof ConfigError);
  assert.throws(() => resolveConfig({ maxBufferedBytes: 1024 * 1024 }), (e: Error) => e instanceof ConfigError);
});

test('the command line is read strictly: unknown options, missing values and values for switches are errors in plain words', () => {
  const message = (argv: string[]): string => {
    try {
      parseConfig(argv, {});
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    return 'accepted';
  };
  assert.is(message(['--relay-kee', 'x']), 'unknown option --relay-kee (try --help)');
  assert.is(message(['--port']), '--port needs a value (try --help)');
  assert.is(message(['--port', '--host', '::']), '--port needs a value (try --help)');
  assert.is(message(['--log-ips=yes']), '--log-ips takes no value (try --help)');
  assert.is(message(['serve']), 'unexpected argument "serve" (try --help)');
});

test.run();
