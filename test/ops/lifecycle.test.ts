// Running for real over time: SIGTERM lets in-flight writes finish and closes the database cleanly,
// the data directory is the relay's alone, and the sweeper applies retention on its interval.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../protocol/bytes.js';
import type { RelayFrame } from '../../protocol/wire/frames.js';
import { resolveConfig } from '../../relay/config.js';
import type { LogFields, Logger } from '../../relay/log.js';
import { startRelay } from '../../relay/server.js';
import { waitUntil } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { startRelayProcess } from '../helpers/relay-process.js';
import { authFrame, createRoom, expectOk, identity, outcome, signingKey } from '../relay/fixtures.js';

const DAY_MS = 24 * 3600 * 1000;

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

test('SIGTERM: every acknowledged message is committed and the database is closed cleanly', async () => {
  const relay = await startRelayProcess();
  try {
    const client = await RawClient.connect(`${relay.url.replace('http:', 'ws:')}/ws`, relay.publicKey);
    const owner = await identity();
    const room = await createRoom(client, owner);
    const sent = new Map<number, Uint8Array>();
    const messages = await Promise.all(Array.from({ length: 200 }, (_, counter) => room.message(owner, counter)));
    for (const message of messages) {
      const rid = client.nextRid();
      sent.set(rid, new Uint8Array(message.bytes));
      client.send({ type: 'send', rid, message });
    }
    await client.waitFor((f) => f.type === 'ok' && sent.has(f.rid));
    await relay.kill('SIGTERM');
    assert.is((await client.closed).code, 1001);

    const acks = client.received.filter((f): f is Extract<RelayFrame, { type: 'ok' }> => f.type === 'ok' && sent.has(f.rid));
    assert.ok(acks.length > 0);
    // A clean close checkpoints the WAL into the database and removes it.
    assert.not.ok(existsSync(join(relay.dataDir, 'relay.sqlite-wal')), 'the store was closed, not abandoned');
    const db = new Database(join(relay.dataDir, 'relay.sqlite'), { readonly: true });
    try {
      const get = db.prepare('SELECT bytes FROM messages WHERE room_id = ? AND seq = ?');
      for (const ack of acks) {
        const row = get.get(room.roomId, ack.value) as { bytes: Uint8Array } | undefined;
        assert.ok(row !== undefined, `acknowledged seq ${ack.value} is stored`);
        assert.is(toHex(row.bytes), toHex(sent.get(ack.rid)!));
      }
    } finally {
      db.close();
    }
  } finally {
    await relay.dispose();
  }
});

test('data directory 0700, relay key and database files 0600, and a restart tightens what was loosened', async () => {
  const relay = await startRelayProcess();
  try {
    const client = await RawClient.connect(`${relay.url.replace('http:', 'ws:')}/ws`, relay.publicKey);
    await createRoom(client, await identity());
    await client.close();
    const files = ['relay-key', 'relay.sqlite', 'relay.sqlite-wal', 'relay.sqlite-shm'];
    const check = (): void => {
      assert.is(mode(relay.dataDir), 0o700, 'data dir');
      for (const file of files) assert.is(mode(join(relay.dataDir, file)), 0o600, file);
    };
    check();
    await relay.kill('SIGTERM');
    chmodSync(relay.dataDir, 0o755);
    chmodSync(join(relay.dataDir, 'relay-key'), 0o644);
    chmodSync(join(relay.dataDir, 'relay.sqlite'), 0o644);
    await relay.restart();
    check();
  } finally {
    await relay.dispose();
  }
});

test('the sweeper drops messages past max-history-age-days and join requests past join-request-ttl-days', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-retention-'));
  let clock = Date.now();
  const swept: LogFields[] = [];
  const log: Logger = {
    debug: () => undefined,
    info: (msg, fields) => {
      if (msg === 'swept' && fields !== undefined) swept.push(fields);
    },
    warn: () => undefined,
    error: () => undefined,
  };
  const relay = await startRelay(
    resolveConfig({ port: 0, host: '127.0.0.1', dataDir, maxHistoryAgeDays: 1, joinRequestTtlDays: 2, sweepIntervalSeconds: 1 }),
    { now: () => clock, log },
  );
  const clients: RawClient[] = [];
  try {
    const connect = async (): Promise<RawClient> => {
      const client = await RawClient.connect(`ws://127.0.0.1:${relay.port}/ws`, relay.publicKey);
      clients.push(client);
      return client;
    };
    const owner = await identity();
    const ownerClient = await connect();
    const room = await createRoom(ownerClient, owner);
    for (const counter of [0, 1]) {
      expectOk(await ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message: await room.message(owner, counter) }), 'old send');
    }
    const inviteKey = await signingKey();
    const invite = await room.invite(owner, inviteKey, clock + 20 * DAY_MS);
    expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite }), 'registerInvite');
    const joiner = await identity();
    const joinerClient = await connect();
    const request = await room.joinRequest(inviteKey, joiner);
    expectOk(await joinerClient.request({ type: 'joinRequest', rid: joinerClient.nextRid(), request }), 'joinRequest');

    clock += 1.5 * DAY_MS;
    expectOk(await ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message: await room.message(owner, 2) }), 'new send');
    await waitUntil(() => swept.length > 0, 'a sweep', 5000);
    assert.equal(swept[0], { invites: 0, joins: 0, messages: 2, chunks: 0 });
    const sync = await ownerClient.request({ type: 'sync', rid: ownerClient.nextRid(), roomId: room.roomId, logFrom: 1, epochFrom: 0, seqFrom: 0, limit: 100 });
    assert.is(sync.type, 'syncDone');
    assert.equal(ownerClient.take((f) => f.type === 'deliver').map((f) => (f.type === 'deliver' ? f.seq : -1)), [3]);

    // Within its TTL the join request waits; past it, it is gone and the invite stays used.
    expectOk(await joinerClient.request(await authFrame(joinerClient, room.roomId, 'joiner', joiner)), 'joiner auth within the TTL');
    clock += DAY_MS;
    await waitUntil(() => swept.some((s) => s['joins'] === 1), 'the join request swept', 5000);
    const late = await connect();
    assert.is(outcome(await late.request(await authFrame(late, room.roomId, 'joiner', joiner))), 'JOIN_NOT_FOUND');
    const again = await room.joinRequest(inviteKey, await identity());
    assert.is(outcome(await late.request({ type: 'joinRequest', rid: late.nextRid(), request: again })), 'INVITE_USED');
  } finally {
    for (const client of clients) client.ws.terminate();
    await relay.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
