// What a room accumulates besides its messages leaves the keystore's state record (layout 3,
// epoch-records.ts, journal-records.ts): past epochs whose keys are gone, the journal's own records
// and rotations. A live message then writes the same records, of about the same size, whether the
// room had one epoch or a thousand and a full journal or an empty one; each of those is written
// when it changes and only then, and everything joins back into the very snapshot it came from.
// Checked against the code before (550c7df, the first test's rooms saved by its MessageStore in an
// ad-hoc script): its state record was 150,623 bytes plain and 965,937 grown; here 2,060 and 2,061.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, fromUtf8 } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { keepNewestInitSecret } from '../../../protocol/client/epoch-keys.js';
import { DEFAULT_KEEP_OWN_RECORDS, keepRotation } from '../../../protocol/client/journal.js';
import { MessageStore } from '../../../protocol/client/message-store.js';
import type { RecordChange } from '../../../protocol/client/persistence.js';
import {
  chunkName, epochsName, joinRecords, parseName, rotationName, STATE_RECORD, type StateJson,
} from '../../../protocol/client/record-layout.js';
import { forgetKeysBefore } from '../../../protocol/client/room-state.js';
import { decodeSnapshotJson, encodeSnapshot } from '../../../protocol/client/snapshot.js';
import { isSottoError } from '../../../protocol/errors.js';
import { grow, growEpochs, growJournal, growOwn } from '../../helpers/grow-history.js';
import { fixtureRoomV2 } from '../../helpers/grown-room.js';

const suite = nobleSuite;
const CHUNK = 128;

function apply(records: Map<string, Uint8Array>, change: RecordChange): void {
  for (const [name, bytes] of change.put) records.set(name, bytes);
  for (const name of change.remove) records.delete(name);
}

const stateOf = (change: RecordChange): StateJson => JSON.parse(fromUtf8(change.put.get(STATE_RECORD)!)) as StateJson;

test('kept records: a live message writes the same records, of about the same size, with 1,000 past epochs and a full journal', async () => {
  const plain = await fixtureRoomV2(suite);
  const grown = await fixtureRoomV2(suite);
  grow(grown, 10_000);
  growEpochs(grown, 1_000, 100);
  growJournal(grown, DEFAULT_KEEP_OWN_RECORDS);
  const sizes: number[] = [];
  for (const room of [plain, grown]) {
    const store = new MessageStore(() => [room], () => [], CHUNK);
    store.next();
    grow(room, 1);
    const change = store.next();
    assert.equal([...change.put.keys()].sort(), [STATE_RECORD, chunkName(room.hex, Math.floor(room.syncSeq / CHUNK))].sort());
    const state = stateOf(change).rooms[0]!;
    assert.equal(state.epochs.map((e) => e.epoch), [room.epoch], 'only the current epoch in the state record');
    assert.equal([state.journal!.own, state.journal!.rotations], [[], []], 'no own record or rotation in the state record');
    sizes.push(change.put.get(STATE_RECORD)!.length);
  }
  assert.ok(Math.abs(sizes[1]! - sizes[0]!) < 0.1 * sizes[0]!, `state record: ${sizes[1]} bytes grown, ${sizes[0]} plain`);
  // Our own live message with the journal full: its chunk, and the chunk its oldest own record leaves.
  const store = new MessageStore(() => [grown], () => [], CHUNK);
  store.next();
  const oldest = grown.journal.own.keys().next().value!;
  growOwn(grown);
  const names = [...store.next().put.keys()].sort();
  assert.equal(names, [STATE_RECORD, chunkName(grown.hex, Math.floor(grown.syncSeq / CHUNK)), chunkName(grown.hex, Math.floor(oldest / CHUNK))].sort());
});

test('kept records: an epoch moves from the state record into its epoch record once its keys are forgotten, and is not written again', async () => {
  const room = await fixtureRoomV2(suite);
  const store = new MessageStore(() => [room], () => [], CHUNK);
  store.next();
  const old = room.epoch;
  // A rotation: a newer epoch with keys of its own; the old one keeps its keys until a complete sync.
  room.epochs.set(old + 1, { ...room.epochs.get(old)!, chains: new Map(), rotationHash: new Uint8Array(32) });
  room.epoch = old + 1;
  keepNewestInitSecret(room);
  let change = store.next();
  assert.equal(stateOf(change).rooms[0]!.epochs.map((e) => e.epoch), [old, old + 1], 'the old epoch still holds keys');
  assert.not.ok(change.put.has(epochsName(room.hex, 0)));
  forgetKeysBefore(room, room.epoch);
  change = store.next();
  assert.equal([...change.put.keys()].sort(), [STATE_RECORD, epochsName(room.hex, 0)].sort());
  assert.equal(stateOf(change).rooms[0]!.epochs.map((e) => e.epoch), [old + 1]);
  assert.equal([...store.next().put.keys()], [STATE_RECORD], 'written once');
});

test('kept records: a rotation the journal keeps is written once in its own record and deleted when the journal lets it go', async () => {
  const room = await fixtureRoomV2(suite);
  const store = new MessageStore(() => [room], () => [], CHUNK);
  const first = store.next();
  const kept = [...room.journal.rotations.keys()];
  assert.ok(kept.length >= 2, `the fixture keeps rotations: ${kept.join(', ')}`);
  for (const epoch of kept) assert.ok(first.put.has(rotationName(room.hex, epoch)));
  const newest = room.journal.rotations.get(kept.at(-1)!)!;
  keepRotation(room.journal, { ...newest, epoch: kept.at(-1)! + 1 }, kept.length);
  const change = store.next();
  assert.equal([...change.put.keys()].sort(), [STATE_RECORD, rotationName(room.hex, kept.at(-1)! + 1)].sort());
  assert.equal(change.remove, [rotationName(room.hex, kept[0]!)], 'the oldest let go');
  assert.equal([...store.next().put.keys()], [STATE_RECORD]);
});

test('kept records: the records join back into the very snapshot the room encodes to', async () => {
  const room = await fixtureRoomV2(suite);
  grow(room, 1_000);
  growEpochs(room, 300, 100);
  growJournal(room, 400);
  const store = new MessageStore(() => [room], () => [], CHUNK);
  const records = new Map<string, Uint8Array>();
  apply(records, store.next());
  growOwn(room);
  apply(records, store.next());
  const kinds = new Set([...records.keys()].map((name) => parseName(name)?.kind ?? name));
  assert.equal([...kinds].sort(), ['e', 'l', 'm', 'r', 's', STATE_RECORD], 'state, chunks, epochs, rotations, sealed hashes, log parts');
  const joined = joinRecords(records);
  const { rooms: [back] } = await decodeSnapshotJson(suite, joined.snapshot);
  assert.ok(bytesEqual(encodeSnapshot([back!]), encodeSnapshot([room])));
  assert.is(back!.epochs.size, room.epochs.size);
  assert.is(back!.journal.own.size, 401);
});

test('kept records: an epoch or rotation record moved under another name is refused', async () => {
  const room = await fixtureRoomV2(suite);
  growEpochs(room, 300, 100);
  const store = new MessageStore(() => [room], () => [], CHUNK);
  const records = new Map<string, Uint8Array>();
  apply(records, store.next());
  const [a, b] = [...room.journal.rotations.keys()];
  for (const [to, from] of [[epochsName(room.hex, 1), epochsName(room.hex, 2)], [rotationName(room.hex, a!), rotationName(room.hex, b!)]] as const) {
    const moved = new Map(records);
    moved.set(to, records.get(from)!);
    try {
      joinRecords(moved);
      assert.unreachable(`${from} accepted as ${to}`);
    } catch (caught) {
      assert.ok(isSottoError(caught, 'BAD_VALUE'), String(caught));
    }
  }
});

test.run();
