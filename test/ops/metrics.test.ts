// /metrics after real traffic, on its own loopback listener: the counts an operator watches, both
// latency histograms, well-formed exposition text; and the operator docs name exactly the metrics
// and options that exist.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from '../../protocol/crypto/random.js';
import { parseConfig, resolveConfig } from '../../relay/config.js';
import { startRelay, type RunningRelay } from '../../relay/server.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { openSocket, RawClient } from '../helpers/raw-client.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome } from '../relay/fixtures.js';

let dir: string;
let relay: RunningRelay;
let exposition: string;

function sample(name: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line !== undefined, `${name} is exported`);
  return Number(line.slice(name.length + 1));
}

function doc(name: string): string {
  return readFileSync(join(REPO_ROOT, 'docs', name), 'utf8');
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sotto-metrics-'));
  relay = await startRelay(resolveConfig({ port: 0, host: '127.0.0.1', metricsPort: 0, dataDir: dir, logLevel: 'silent' }));
  const url = `ws://127.0.0.1:${relay.port}/ws`;
  const [ownerClient, memberClient, stranger] = await Promise.all([1, 2, 3].map(() => RawClient.connect(url, relay.publicKey)));
  const [owner, member] = [await identity(), await identity()];
  const room = await createRoom(ownerClient!, owner);
  await admit(room, ownerClient!, owner, memberClient!, member);
  expectOk(await ownerClient!.request({ type: 'send', rid: ownerClient!.nextRid(), message: await room.message(owner, 0) }), 'send');
  await memberClient!.waitForType('deliver');
  assert.is(outcome(await stranger!.request(await authFrame(stranger!, randomBytes(16), 'member', owner))), 'NOT_MEMBER');
  await openSocket(`ws://127.0.0.1:${relay.port}/elsewhere`).then((ws) => ws.terminate(), () => undefined);
  exposition = await (await fetch(`http://127.0.0.1:${relay.metricsPort}/metrics`)).text();
  for (const client of [ownerClient, memberClient, stranger]) client!.ws.terminate();
});

test.after(async () => {
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
});

test('counts after one chat: rooms, members, messages, errors, refused upgrades', () => {
  assert.is(sample('sotto_rooms'), 1);
  assert.is(sample('sotto_members'), 2);
  assert.is(sample('sotto_messages_in_total'), 1);
  assert.is(sample('sotto_messages_out_total'), 1);
  assert.is(sample('sotto_connections'), 3);
  assert.ok(sample('sotto_bytes_in_total') > 0);
  assert.ok(sample('sotto_bytes_out_total') > 0);
  assert.is(sample('sotto_errors_total{code="NOT_MEMBER"}'), 1);
  assert.is(sample('sotto_requests_total{type="send"}'), 1);
  assert.is(sample('sotto_upgrades_refused_total{status="404"}'), 1);
  assert.ok(sample('sotto_process_resident_memory_bytes') > 0);
});

test('metrics are on their own listener only: not on the public port, off unless configured', async () => {
  assert.ok(relay.metricsPort !== undefined && relay.metricsPort !== relay.port);
  assert.is((await fetch(`http://127.0.0.1:${relay.port}/metrics`)).status, 404);
  assert.is((await fetch(`http://127.0.0.1:${relay.metricsPort}/`)).status, 404);
  const plain = await startRelay(resolveConfig({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'plain'), logLevel: 'silent' }));
  try {
    assert.is(plain.metricsPort, undefined);
    assert.is((await fetch(`http://127.0.0.1:${plain.port}/metrics`)).status, 404);
  } finally {
    await plain.close();
  }
});

test('latency histograms by request type and by store operation: cumulative buckets ending at the count', () => {
  for (const [name, label] of [['sotto_request_duration_seconds', 'type="send"'], ['sotto_store_duration_seconds', 'op="appendMessages"']] as const) {
    const buckets = exposition.split('\n').filter((l) => l.startsWith(`${name}_bucket{`) && l.includes(label)).map((l) => Number(l.split(' ')[1]));
    assert.ok(buckets.length > 2, `${name} has buckets`);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! >= buckets[i - 1]!, `${name} buckets are cumulative`);
    assert.is(buckets[buckets.length - 1], sample(`${name}_count{${label}}`));
    assert.ok(sample(`${name}_count{${label}}`) >= 1);
    assert.ok(sample(`${name}_sum{${label}}`) > 0);
  }
  assert.ok(exposition.includes('sotto_store_duration_seconds_count{op="claimInvite"}'));
});

test('the exposition text is well-formed: HELP and TYPE for each family, numeric samples', () => {
  // prom-client separates families with a blank line, which the text format allows.
  for (const line of exposition.trimEnd().split('\n').filter((l) => l !== '')) {
    if (line.startsWith('#')) assert.match(line, /^# (HELP|TYPE) sotto_[a-z_]+ .+$/);
    else assert.match(line, /^sotto_[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? \d+(\.\d+)?(e[-+]?\d+)?$/);
  }
});

test('docs/operations.md names exactly the metric families the relay exports', () => {
  const exported = new Set([...exposition.matchAll(/^# TYPE (sotto_[a-z_]+) /gm)].map((m) => m[1]!));
  const documented = new Set([...doc('operations.md').matchAll(/`(sotto_[a-z_]+)/g)].map((m) => m[1]!));
  assert.equal([...documented].sort(), [...exported].sort());
});

test('every relay option the operator docs use exists', () => {
  const help = parseConfig(['--help'], {});
  const known = new Set(help.kind === 'help' ? [...help.text.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]!) : []);
  // The subcommands' own options: backup's --out, restore's --from, room-token's --days.
  for (const extra of ['out', 'from', 'days']) known.add(extra);
  for (const file of ['operations.md', 'nginx.conf', 'sotto-relay.service']) {
    const commands = doc(file).split('\n').filter((line) => /sotto-relay |relay\/main\.js /.test(line));
    assert.ok(commands.length > 0, file);
    for (const line of commands) {
      for (const [, flag] of line.matchAll(/ --([a-z][a-z-]*)/g)) assert.ok(known.has(flag!), `${file}: --${flag} in "${line.trim()}"`);
    }
  }
});

test.run();
