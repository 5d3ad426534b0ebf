// Online backup and restore, with the documented commands: a backup taken while two members keep
// sending restores every message acknowledged before it began, passes SQLite's integrity check,
// and keeps the relay key, so clients that pinned it connect to the restored relay unchanged, and
// the room-token secret, so tokens issued before the backup still create rooms after a restore.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBase64Url, toHex } from '../../protocol/bytes.js';
import { resolveConfig } from '../../relay/config.js';
import { startRelay } from '../../relay/server.js';
import { waitUntil } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { startRelayProcess } from '../helpers/relay-process.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome, RoomModel, type Identity } from '../relay/fixtures.js';
import { runRelayCli } from './relay-cli.js';

interface Acked {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

let dir: string;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sotto-backup-'));
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Sends one message after another until `stop()` says so, recording each acknowledged one. */
async function keepSending(client: RawClient, room: RoomModel, who: Identity, acked: Acked[], stop: () => boolean): Promise<void> {
  for (let counter = 0; !stop(); counter++) {
    const message = await room.message(who, counter);
    const answer = expectOk(await client.request({ type: 'send', rid: client.nextRid(), message }), 'send');
    acked.push({ seq: answer.value, bytes: new Uint8Array(message.bytes) });
  }
}

test('a backup under write load holds every message acknowledged before it began; restore keeps the relay key', async () => {
  const relay = await startRelayProcess();
  const backupDir = join(dir, 'backup-1');
  const restoredDir = join(dir, 'restored-1');
  const clients: RawClient[] = [];
  try {
    const wsUrl = `${relay.url.replace('http:', 'ws:')}/ws`;
    const connect = async (): Promise<RawClient> => {
      const client = await RawClient.connect(wsUrl, relay.publicKey);
      clients.push(client);
      return client;
    };
    const [owner, member] = [await identity(), await identity()];
    const ownerClient = await connect();
    const room = await createRoom(ownerClient, owner);
    await admit(room, ownerClient, owner, await connect(), member);

    const acked: Acked[] = [];
    let writing = true;
    const writers = [keepSending(ownerClient, room, owner, acked, () => !writing), keepSending(clients[1]!, room, member, acked, () => !writing)];
    await waitUntil(() => acked.length >= 200, '200 acknowledged messages');
    const before = acked.slice();
    const backup = await runRelayCli(['backup', '--data-dir', relay.dataDir, '--out', backupDir]);
    const duringBackup = acked.length - before.length;
    writing = false;
    await Promise.all(writers);
    assert.is(backup.code, 0, backup.stderr);
    assert.ok(backup.stdout.includes(toBase64Url(relay.publicKey)), 'backup names the relay key it saved');
    assert.ok(duringBackup > 0, 'writes went on while the backup ran');

    const restore = await runRelayCli(['restore', '--from', backupDir, '--data-dir', restoredDir]);
    assert.is(restore.code, 0, restore.stderr);
    assert.is(toHex(readFileSync(join(restoredDir, 'relay-key'))), toHex(readFileSync(join(relay.dataDir, 'relay-key'))));
    assert.is(statSync(restoredDir).mode & 0o777, 0o700);
    for (const file of ['relay-key', 'relay.sqlite']) assert.is(statSync(join(restoredDir, file)).mode & 0o777, 0o600, file);

    const db = new Database(join(restoredDir, 'relay.sqlite'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      const get = db.prepare('SELECT bytes FROM messages WHERE room_id = ? AND seq = ?');
      for (const { seq, bytes } of before) {
        const row = get.get(room.roomId, seq) as { bytes: Uint8Array } | undefined;
        assert.ok(row !== undefined, `seq ${seq} is in the backup`);
        assert.is(toHex(row.bytes), toHex(bytes), `seq ${seq} has the acknowledged bytes`);
      }
    } finally {
      db.close();
    }

    // The restored relay answers a client that pinned the original key, with the history intact.
    const restored = await startRelay(resolveConfig({ port: 0, host: '127.0.0.1', dataDir: restoredDir, logLevel: 'silent' }));
    try {
      assert.is(toHex(restored.publicKey), toHex(relay.publicKey));
      const client = await RawClient.connect(`ws://127.0.0.1:${restored.port}/ws`, relay.publicKey);
      clients.push(client);
      expectOk(await client.request(await authFrame(client, room.roomId, 'member', owner)), 'auth on the restored relay');
      const done = await client.request({ type: 'sync', rid: client.nextRid(), roomId: room.roomId, logFrom: 0, epochFrom: 0, seqFrom: 0, limit: 1 });
      assert.is(done.type, 'syncDone');
      if (done.type === 'syncDone') assert.ok(done.lastSeq >= Math.max(...before.map((m) => m.seq)));
    } finally {
      await restored.close();
    }
  } finally {
    for (const client of clients) client.ws.terminate();
    await relay.dispose();
  }
});

test('backup and restore never overwrite, restore refuses what is not a complete, sound backup, and mark-restored a SQLite store', async () => {
  const relay = await startRelayProcess();
  try {
    const target = join(dir, 'busy');
    mkdirSync(target);
    writeFileSync(join(target, 'something'), 'x');
    const overwrite = await runRelayCli(['backup', '--data-dir', relay.dataDir, '--out', target]);
    assert.is(overwrite.code, 1);
    assert.match(overwrite.stderr, /not empty/);
    assert.is(readFileSync(join(target, 'something'), 'utf8'), 'x');

    const good = join(dir, 'backup-2');
    assert.is((await runRelayCli(['backup', '--data-dir', relay.dataDir, '--out', good])).code, 0);
    const intoBusy = await runRelayCli(['restore', '--from', good, '--data-dir', target]);
    assert.is(intoBusy.code, 1);
    assert.match(intoBusy.stderr, /not empty/);

    const partial = join(dir, 'partial');
    mkdirSync(partial);
    writeFileSync(join(partial, 'relay-key'), readFileSync(join(good, 'relay-key')));
    const fromPartial = await runRelayCli(['restore', '--from', partial, '--data-dir', join(dir, 'restored-2')]);
    assert.is(fromPartial.code, 1);
    assert.match(fromPartial.stderr, /no database/);

    const corrupt = join(dir, 'corrupt');
    mkdirSync(corrupt);
    writeFileSync(join(corrupt, 'relay-key'), readFileSync(join(good, 'relay-key')));
    const bytes = readFileSync(join(good, 'relay.sqlite'));
    bytes.fill(0xa5, 4096, Math.min(bytes.length, 3 * 4096));
    writeFileSync(join(corrupt, 'relay.sqlite'), bytes);
    const fromCorrupt = await runRelayCli(['restore', '--from', corrupt, '--data-dir', join(dir, 'restored-3')]);
    assert.is(fromCorrupt.code, 1, fromCorrupt.stdout);

    const usage = await runRelayCli(['backup', '--data-dir', relay.dataDir]);
    assert.is(usage.code, 2);
    assert.match(usage.stderr, /--out is required/);

    // A SQLite store is marked by `restore` itself; mark-restored is for PostgreSQL restored in place.
    const markSqlite = await runRelayCli(['mark-restored', '--data-dir', relay.dataDir]);
    assert.is(markSqlite.code, 1);
    assert.match(markSqlite.stderr, /only a PostgreSQL store/);
  } finally {
    await relay.dispose();
  }
});

// Checked against the old code (the copy step left out): the backup had no room-token-secret
// (ENOENT), and a relay restored from it refuses to start under --require-room-token.
test('backup and restore carry the room-token secret: a token issued before the backup creates a room on the restored relay', async () => {
  const relay = await startRelayProcess();
  const backupDir = join(dir, 'backup-token');
  const restoredDir = join(dir, 'restored-token');
  try {
    const issued = await runRelayCli(['room-token', '--data-dir', relay.dataDir, '--days', '2']);
    assert.is(issued.code, 0, issued.stderr);
    const token = issued.stdout.trim();
    assert.is((await runRelayCli(['backup', '--data-dir', relay.dataDir, '--out', backupDir])).code, 0);
    const restore = await runRelayCli(['restore', '--from', backupDir, '--data-dir', restoredDir]);
    assert.is(restore.code, 0, restore.stderr);
    for (const copy of [backupDir, restoredDir]) {
      const secret = join(copy, 'room-token-secret');
      assert.is(toHex(readFileSync(secret)), toHex(readFileSync(join(relay.dataDir, 'room-token-secret'))), copy);
      assert.is(statSync(secret).mode & 0o777, 0o600, secret);
    }
    const restored = await startRelay(resolveConfig({ port: 0, host: '127.0.0.1', dataDir: restoredDir, logLevel: 'silent', requireRoomToken: true }));
    const client = await RawClient.connect(`ws://127.0.0.1:${restored.port}/ws`, relay.publicKey);
    try {
      const create = async (roomToken: string): Promise<string> => {
        const genesis = await new RoomModel().genesis(await identity());
        return outcome(await client.request({ type: 'createRoom', rid: client.nextRid(), genesis, roomToken }));
      };
      assert.is(await create(token), 'ok', 'the token issued before the backup');
      const altered = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
      assert.is(await create(altered), 'BAD_ROOM_TOKEN', 'and still only that relay\'s tokens');
    } finally {
      client.ws.terminate();
      await restored.close();
    }
  } finally {
    await relay.dispose();
  }
});

test.run();
