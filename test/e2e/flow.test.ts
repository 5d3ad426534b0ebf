// The main path with a real relay process and real sockets: create, invite, join, chat both ways,
// rotation at the message threshold, removal (provably locked out), and leave.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { openMessage } from '../../protocol/client/message-crypto.js';
import { joinRecords } from '../../protocol/client/record-layout.js';
import { takeMessageKey } from '../../protocol/client/sender-ratchet.js';
import { decodeSnapshotJson } from '../../protocol/client/snapshot.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { isSottoError } from '../../protocol/errors.js';
import { decodeMessage } from '../../protocol/wire/message.js';
import { FilePersistence } from '../../client/file-persistence.js';
import { admit, openTestClient, texts, TEST_KDF, TEST_PASSPHRASE, waitUntil, warnings, type TestClient } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';

const e2e = relaySuite(test);
let alice: TestClient;
let bob: TestClient;
let roomId: string;

async function client(dataDir?: string): Promise<TestClient> {
  const c = await openTestClient(e2e.relay.url, dataDir);
  e2e.track(c);
  return c;
}

test('create → invite → join → chat both ways, with names and fingerprints', async () => {
  alice = await client();
  bob = await client();
  roomId = await alice.client.createRoom('Garden club', 'Alice');
  const { link } = await alice.client.createInvite(roomId);
  assert.is(await bob.client.join(link, 'Bob'), roomId);
  await waitUntil(() => bob.client.rooms()[0]?.status === 'member', 'bob admitted');
  assert.is(bob.client.rooms()[0]!.name, 'Garden club');
  // The joiner's first epoch is the one its add started, so it shows the same room code at once.
  assert.ok(bob.client.roomCode(roomId) !== undefined, 'joiner has a room code before any rotation');
  assert.is(bob.client.roomCode(roomId), alice.client.roomCode(roomId));

  assert.ok((await alice.client.send(roomId, 'hello bob')) > 0);
  await waitUntil(() => texts(bob, roomId).includes('hello bob'), 'bob reads alice');
  await bob.client.send(roomId, 'hi alice');
  await waitUntil(() => texts(alice, roomId).includes('hi alice'), 'alice reads bob');

  const aliceKey = alice.client.identity(roomId);
  const bobKey = bob.client.identity(roomId);
  const atBob = bob.client.messages(roomId).find((m) => m.text === 'hello bob')!;
  assert.is(atBob.sender, aliceKey);
  assert.is(atBob.senderName, 'Alice');
  assert.is(atBob.fingerprint, alice.client.members(roomId).find((m) => m.sign === aliceKey)!.fingerprint);
  await waitUntil(() => alice.client.members(roomId).find((m) => m.sign === bobKey)?.name === 'Bob', 'bob profile at alice');
  const atAlice = alice.client.messages(roomId).find((m) => m.text === 'hi alice')!;
  assert.is(atAlice.senderName, 'Bob');
  assert.is(atAlice.sender, bobKey);
  assert.ok(atAlice.fingerprint.match(/^[0-9a-f]{4}( [0-9a-f]{4}){4}$/));
  assert.equal(bob.client.members(roomId).map((m) => m.fingerprint).sort(), alice.client.members(roomId).map((m) => m.fingerprint).sort());
  assert.equal(warnings(alice), []);
  assert.equal(warnings(bob), []);
});

test('rotation after 100 messages in an epoch: the epoch advances and everyone still reads', async () => {
  const startEpoch = alice.client.rooms()[0]!.epoch;
  const sent: string[] = [];
  for (let i = 0; i < 110; i++) {
    const text = `bulk ${i}`;
    sent.push(text);
    await (i % 2 === 0 ? alice : bob).client.send(roomId, text);
  }
  for (const c of [alice, bob]) await waitUntil(() => sent.every((t) => texts(c, roomId).includes(t)), 'all bulk messages read');
  await waitUntil(() => bob.client.rooms()[0]!.epoch === alice.client.rooms()[0]!.epoch, 'same epoch');
  assert.ok(alice.client.rooms()[0]!.epoch > startEpoch, 'epoch advanced');
  const epochs = new Set(bob.client.messages(roomId).map((m) => m.epoch));
  assert.ok(epochs.size >= 2, 'bob read messages of both epochs');
  assert.is(bob.client.roomCode(roomId), alice.client.roomCode(roomId));
  assert.ok(alice.client.roomCode(roomId)!.match(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/));
  for (const c of [alice, bob]) {
    const seqs = c.client.messages(roomId).map((m) => m.seq);
    assert.is(new Set(seqs).size, seqs.length, 'no message shown twice');
  }
  assert.equal(warnings(alice), []);
  assert.equal(warnings(bob), []);
});

test('remove: the removed member holds no key that opens anything sent after', async () => {
  const carolDir = e2e.tempDir('sotto-e2e-carol-');
  const carol = await client(carolDir.path);
  await admit(alice, roomId, carol, 'Carol');
  await carol.client.send(roomId, 'carol was here');
  await waitUntil(() => texts(bob, roomId).includes('carol was here'), 'bob reads carol');
  const carolKey = carol.client.identity(roomId);
  const epochBefore = alice.client.rooms()[0]!.epoch;
  const lastSeqBefore = Math.max(...alice.client.messages(roomId).map((m) => m.seq ?? 0));

  await alice.client.remove(roomId, carolKey);
  await waitUntil(() => carol.client.rooms()[0]!.status === 'removed', 'carol sees her removal');
  assert.ok(alice.client.rooms()[0]!.epoch > epochBefore, 'the removal rotated');
  assert.not.ok(alice.client.members(roomId).some((m) => m.sign === carolKey));
  await alice.client.send(roomId, 'after removal from alice');
  await bob.client.send(roomId, 'after removal from bob');
  await waitUntil(() => texts(bob, roomId).includes('after removal from alice'), 'bob reads on');
  await waitUntil(() => texts(alice, roomId).includes('after removal from bob'), 'alice reads on');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.not.ok(texts(carol, roomId).some((t) => t.startsWith('after removal')), 'carol receives nothing new');
  await carol.client.close();

  // Every record the relay stored after the removal, against every key carol's keystore holds.
  const db = new Database(join(e2e.relay.dataDir, 'relay.sqlite'), { readonly: true, fileMustExist: true });
  const rows = db.prepare('SELECT bytes FROM messages WHERE room_id = ? AND seq > ? ORDER BY seq').all(fromHex(roomId), lastSeqBefore) as { bytes: Uint8Array }[];
  db.close();
  const records = rows.map((r) => decodeMessage(new Uint8Array(r.bytes)));
  assert.ok(records.length >= 2);
  const suite = await detectSuite();
  const stored = await new FilePersistence(carolDir.path, TEST_PASSPHRASE, TEST_KDF).load();
  const { rooms: [carolRoom] } = await decodeSnapshotJson(suite, joinRecords(stored!).snapshot);
  assert.ok(carolRoom!.epochs.size >= 1);
  for (const record of records) {
    assert.not.ok(carolRoom!.epochs.has(record.epoch), `carol has no key for epoch ${record.epoch}`);
    // Every chain carol holds, of every epoch, tried at the record's index: none opens it.
    for (const [epoch, info] of carolRoom!.epochs) {
      for (const chain of info.chains?.values() ?? []) {
        if (record.index < chain.next && !chain.skipped.has(record.index)) continue;
        const key = takeMessageKey(chain, record.index).messageKey;
        try {
          await openMessage(suite, record, key);
          assert.unreachable(`a key of carol's epoch ${epoch} opened a message sent after her removal`);
        } catch (error) {
          assert.ok(isSottoError(error, 'TAMPERED'), String(error));
        }
      }
    }
  }
  assert.ok(records.every((r) => toHex(r.sender) !== carolKey));
});

test('leave: a rotation follows and the room keeps working', async () => {
  const dave = await client();
  await admit(alice, roomId, dave, 'Dave');
  const daveKey = dave.client.identity(roomId);
  const epochBefore = alice.client.rooms()[0]!.epoch;
  await dave.client.leave(roomId);
  assert.is(dave.client.rooms()[0]!.status, 'left');
  await waitUntil(() => alice.client.rooms()[0]!.epoch > epochBefore, 'owner rotated after the leave');
  assert.not.ok(alice.client.members(roomId).some((m) => m.sign === daveKey));
  await bob.client.send(roomId, 'after dave left');
  await waitUntil(() => texts(alice, roomId).includes('after dave left'), 'alice reads bob after the leave');
  assert.not.ok(texts(dave, roomId).includes('after dave left'));
  assert.equal(warnings(alice), []);
  assert.equal(warnings(bob), []);
});

test.run();
