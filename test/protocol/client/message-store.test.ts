// The keystore's records layout (record-layout.ts, message-store.ts): a save writes the state
// record and the chunks and log parts that changed, the same few records whatever the history's or
// the log's length; the
// records join back into exactly the snapshot they came from; a misplaced record is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, fromUtf8 } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { MessageStore, noteHistory } from '../../../protocol/client/message-store.js';
import type { RecordChange } from '../../../protocol/client/persistence.js';
import { chunkName, joinRecords, LAYOUT_VERSION, logName, STATE_RECORD, type LogJson, type StateJson } from '../../../protocol/client/record-layout.js';
import { appendVerified, currentRoster, logLength, type DeliveredMessage, type RoomState } from '../../../protocol/client/room-state.js';
import { signEvent } from '../../../protocol/client/events.js';
import { nextRoster } from '../../../protocol/membership/roster.js';
import { decodeSnapshotJson, encodeSnapshot } from '../../../protocol/client/snapshot.js';
import { isSottoError } from '../../../protocol/errors.js';
import { grow } from '../../helpers/grow-history.js';
import { fixtureRoom } from '../../helpers/grown-room.js';

const suite = nobleSuite;
const CHUNK = 128;

function apply(records: Map<string, Uint8Array>, change: RecordChange): void {
  for (const [name, bytes] of change.put) records.set(name, bytes);
  for (const name of change.remove) records.delete(name);
}

const bytesOf = (change: RecordChange): number => [...change.put.values()].reduce((sum, b) => sum + b.length, 0);

/** A store holding `room` with `history` messages, saved once; returns the change of one more message. */
async function oneMoreMessage(history: number): Promise<{ change: RecordChange; room: RoomState; records: Map<string, Uint8Array> }> {
  const room = await fixtureRoom(suite);
  grow(room, history - room.messages.length);
  const store = new MessageStore(() => [room], () => [], CHUNK);
  const records = new Map<string, Uint8Array>();
  apply(records, store.next());
  grow(room, 1);
  const change = store.next();
  apply(records, change);
  return { change, room, records };
}

test('records: a new message rewrites the state record and one chunk, with 300 or 30,000 messages held', async () => {
  const small = await oneMoreMessage(300);
  const large = await oneMoreMessage(30_000);
  for (const { change, room } of [small, large]) {
    const last = room.messages.at(-1)!.seq;
    assert.equal([...change.put.keys()].sort(), [STATE_RECORD, chunkName(room.hex, Math.floor(last / CHUNK))].sort());
    assert.equal(change.remove, []);
  }
  // The same records, so about the same bytes: the state record and one chunk of at most CHUNK messages.
  assert.ok(Math.abs(bytesOf(large.change) - bytesOf(small.change)) < 0.1 * bytesOf(small.change),
    `${bytesOf(large.change)} bytes with 30,000 messages, ${bytesOf(small.change)} with 300`);
  const state = JSON.parse(fromUtf8(large.change.put.get(STATE_RECORD)!)) as StateJson;
  assert.is(state.rooms[0]!.messages, undefined, 'no history in the state record');
});

test('records: the records join back into the very snapshot the room encodes to', async () => {
  const { room, records } = await oneMoreMessage(1_000);
  const joined = joinRecords(records);
  assert.not.ok(joined.whole);
  const { rooms: [back] } = await decodeSnapshotJson(suite, joined.snapshot);
  assert.ok(bytesEqual(encodeSnapshot([back!]), encodeSnapshot([room])));
  assert.is(back!.messages.length, 1_001);
});

test('records: a changed old message rewrites only its own chunk', async () => {
  const room = await fixtureRoom(suite);
  const store = new MessageStore(() => [room], () => [], CHUNK);
  store.next();
  const old = room.messages[5]!;
  room.messages[5] = { ...old, warnings: ['GAP'], missing: 2 } as DeliveredMessage;
  noteHistory(room, old.seq);
  assert.equal([...store.next().put.keys()].sort(), [STATE_RECORD, chunkName(room.hex, Math.floor(old.seq / CHUNK))].sort());
  assert.equal([...store.next().put.keys()], [STATE_RECORD], 'marks are taken once');
});

test('records: a room gone from the client takes its records with it', async () => {
  const room = await fixtureRoom(suite);
  const rooms = [room];
  const store = new MessageStore(() => rooms, () => [], CHUNK);
  const first = store.next();
  const history = [...first.put.keys()].filter((name) => name !== STATE_RECORD);
  assert.ok(history.length >= 3, 'chunks and sealed-hash parts');
  rooms.pop();
  assert.equal([...store.next().remove].sort(), history.sort());
});

/** Appends `count` role flips of Ben, signed by the fixture room's owner (this client), as the log would. */
async function flipRoles(room: RoomState, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const roster = currentRoster(room)!;
    const ben = [...roster.members.values()].find((m) => m.role !== 'owner')!;
    const event = await signEvent(room.me.sign, {
      roomId: room.roomId, index: logLength(room), prevHash: roster.headHash, kind: 'role', time: 1_700_000_000_000 + i,
      issuer: room.me.sign.publicKey, subjectSign: ben.sign, subjectEnc: ben.enc, role: ben.role === 'admin' ? 'member' : 'admin',
    });
    appendVerified(room, event, nextRoster(roster, event));
  }
}

test('records: a new log event rewrites the state record and the last log part, with 10 or 2,000 events held', async () => {
  const states: number[] = [];
  for (const events of [10, 2_000]) {
    const room = await fixtureRoom(suite);
    await flipRoles(room, events);
    const store = new MessageStore(() => [room], () => [], CHUNK);
    store.next();
    await flipRoles(room, 1);
    const change = store.next();
    assert.equal([...change.put.keys()].sort(), [STATE_RECORD, logName(room.hex, Math.floor((room.events.length - 1) / CHUNK))].sort());
    const state = JSON.parse(fromUtf8(change.put.get(STATE_RECORD)!)) as StateJson;
    assert.is(state.rooms[0]!.events, undefined, 'no log in the state record');
    states.push(change.put.get(STATE_RECORD)!.length);
    const part = JSON.parse(fromUtf8(change.put.get(logName(room.hex, Math.floor((room.events.length - 1) / CHUNK)))!)) as LogJson;
    assert.is(part.events.length, (room.events.length - 1) % CHUNK + 1, 'the part holds only its own events');
  }
  assert.is(states[1], states[0], 'the state record does not grow with the log');
});

test('records: a log part missing from the middle is refused', async () => {
  const room = await fixtureRoom(suite);
  await flipRoles(room, 300);
  const records = new Map<string, Uint8Array>();
  apply(records, new MessageStore(() => [room], () => [], CHUNK).next());
  records.delete(logName(room.hex, 1));
  try {
    joinRecords(records);
    assert.unreachable('a log with a hole was accepted');
  } catch (caught) {
    assert.ok(isSottoError(caught, 'BAD_VALUE'), String(caught));
  }
});

test('records: a chunk moved under another name, or a record of an unknown layout, is refused', async () => {
  const { room, records } = await oneMoreMessage(1_000);
  const moved = new Map(records);
  moved.set(chunkName(room.hex, 2), records.get(chunkName(room.hex, 3))!);
  const refused = (what: string, run: () => unknown, error: 'BAD_VALUE' | 'BAD_VERSION'): void => {
    try {
      run();
      assert.unreachable(`${what} was accepted`);
    } catch (caught) {
      assert.ok(isSottoError(caught, error), `${what}: ${String(caught)}`);
    }
  };
  refused('a moved chunk', () => joinRecords(moved), 'BAD_VALUE');
  const future = new Map(records);
  future.set(STATE_RECORD, new TextEncoder().encode(JSON.stringify({ version: LAYOUT_VERSION + 1, chunkSize: CHUNK, rooms: [] })));
  refused('a later layout version', () => joinRecords(future), 'BAD_VERSION');
});

test('records: a stored chunk size other than the client\'s is rewritten whole at the next save', async () => {
  const { records } = await oneMoreMessage(1_000);
  const stored = joinRecords(records);
  const { rooms } = await decodeSnapshotJson(suite, stored.snapshot);
  const store = new MessageStore(() => rooms, () => [], 500);
  store.loaded(rooms, stored);
  const change = store.next();
  const after = new Map(records);
  apply(after, change);
  assert.ok(change.remove.length > 0, 'the old chunks are deleted');
  const { rooms: [back] } = await decodeSnapshotJson(suite, joinRecords(after).snapshot);
  assert.ok(bytesEqual(encodeSnapshot([back!]), encodeSnapshot(rooms)));
});

test('records: after a failed save the next one writes every chunk again', async () => {
  const room = await fixtureRoom(suite);
  const store = new MessageStore(() => [room], () => [], CHUNK);
  const all = [...store.next().put.keys()].sort();
  grow(room, 1);
  store.failed(store.next());
  assert.equal([...store.next().put.keys()].sort(), all);
});

// An import stores a whole snapshot over whatever records were there (web/worker/keystore-records.ts
// clears them too): the migration deletes any left, so no old chunk joins the imported history.
test('records: a whole snapshot found with records beside it is migrated and the strays deleted', async () => {
  const room = await fixtureRoom(suite);
  const records = new Map([[STATE_RECORD, encodeSnapshot([room])], [chunkName('ab', 0), new Uint8Array([1])]]);
  const stored = joinRecords(records);
  assert.ok(stored.whole);
  const { rooms } = await decodeSnapshotJson(suite, stored.snapshot);
  const store = new MessageStore(() => rooms, () => [], CHUNK);
  store.loaded(rooms, stored);
  const change = store.next();
  assert.equal(change.remove, [chunkName('ab', 0)]);
  apply(records, change);
  const { rooms: [back] } = await decodeSnapshotJson(suite, joinRecords(records).snapshot);
  assert.ok(bytesEqual(encodeSnapshot([back!]), encodeSnapshot([room])));
});

test.run();
