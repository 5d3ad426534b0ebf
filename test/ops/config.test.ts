// One schema, three sources: flag over environment over JSON config file over default, every
// value validated at start with an error that names where it came from.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig, resolveConfig, type RelayConfig } from '../../relay/config.js';
import { runRelayCli } from './relay-cli.js';

function withFile(json: unknown, argv: string[] = [], env: Record<string, string> = {}): RelayConfig {
  const parsed = parseConfig(['--config', 'relay.json', ...argv], env, (path) => {
    assert.is(path, 'relay.json');
    return typeof json === 'string' ? json : JSON.stringify(json);
  });
  if (parsed.kind !== 'config') throw new Error('expected a config');
  return parsed.config;
}

function refused(run: () => unknown, mention: string): void {
  assert.throws(run, (e: Error) => e instanceof ConfigError && e.message.includes(mention), mention);
}

test('flag over environment over file over default', () => {
  const file = { port: 7000, host: '127.0.0.1', 'max-history-per-room': 10, 'log-level': 'warn', 'log-ips': true };
  const c = withFile(file, ['--port', '9000'], { MAX_HISTORY_PER_ROOM: '20', PORT: '8000' });
  assert.is(c.port, 9000);
  assert.is(c.maxHistoryPerRoom, 20);
  assert.is(c.host, '127.0.0.1');
  assert.is(c.logLevel, 'warn');
  assert.is(c.logIps, true);
  assert.is(c.maxFrameBytes, resolveConfig().maxFrameBytes);
});

test('the config file can come from CONFIG_FILE', () => {
  const parsed = parseConfig([], { CONFIG_FILE: 'from-env.json' }, (path) => JSON.stringify({ 'data-dir': `/srv/${path}` }));
  assert.is(parsed.kind === 'config' ? parsed.config.dataDir : '', '/srv/from-env.json');
});

test('retention and logging options: defaults, switches on and off', () => {
  const c = resolveConfig();
  assert.equal([c.logIps, c.maxHistoryAgeDays, c.joinRequestTtlDays, c.sweepIntervalSeconds], [false, 0, 7, 3600]);
  const parse = (argv: string[], env: Record<string, string> = {}): RelayConfig => {
    const parsed = parseConfig(argv, env);
    if (parsed.kind !== 'config') throw new Error('expected a config');
    return parsed.config;
  };
  assert.is(parse(['--log-ips']).logIps, true);
  assert.is(parse(['--log-ips', '--port', '1']).port, 1);
  assert.is(parse(['--no-log-ips'], { LOG_IPS: 'true' }).logIps, false);
  assert.is(parse([], { LOG_IPS: 'yes' }).logIps, true);
  refused(() => parse(['--log-ips=maybe']), '--log-ips');
  refused(() => parse(['--max-history-age-days', '-1']), '--max-history-age-days');
  refused(() => parse(['--join-request-ttl-days', '0']), '--join-request-ttl-days');
});

test('a bad config file is refused naming the file and the option', () => {
  refused(() => withFile('{ "port": 80'), 'relay.json');
  refused(() => withFile([1, 2]), 'JSON object');
  refused(() => withFile({ prot: 80 }), 'relay.json: "prot" is not an option');
  refused(() => withFile({ port: 'eighty' }), 'relay.json: "port"');
  refused(() => withFile({ port: [80] }), 'relay.json: "port" must be a string, number or boolean');
  refused(() => withFile({ 'rate-limit-burst': 1 }), 'rate-limit-burst');
  refused(() => parseConfig(['--config'], {}), '--config needs a value');
});

test('--help names every option with its environment variable and default', () => {
  const parsed = parseConfig(['--help'], {});
  assert.is(parsed.kind, 'help');
  const text = parsed.kind === 'help' ? parsed.text : '';
  assert.ok(text.includes('--config <file>  (CONFIG_FILE)'));
  for (const key of Object.keys(resolveConfig())) {
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const line = text.split('\n').findIndex((l) => l.startsWith(`  --${flag} `));
    assert.ok(line >= 0, `--${flag} is listed`);
    const lines = text.split('\n');
    assert.ok(lines[line]!.includes(`(${flag.toUpperCase().replace(/-/g, '_')})`), `--${flag} names its environment variable`);
    assert.ok(lines[line + 1]!.includes('Default:'), `--${flag} names its default`);
  }
});

test('the relay refuses to start on a bad config, with the reason on stderr and exit code 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-config-'));
  try {
    const file = join(dir, 'relay.json');
    writeFileSync(file, JSON.stringify({ 'max-connections-per-ip': 0 }));
    const bad = await runRelayCli(['--config', file, '--data-dir', join(dir, 'data')]);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /max-connections-per-ip/);
    const help = await runRelayCli(['--help']);
    assert.is(help.code, 0);
    assert.match(help.stdout, /--max-history-age-days/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
