// Frames: every client and relay frame round-trips byte for byte around real records, and every
// frame-level codec rule has a negative test (docs/protocol.md §11 cites these names).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex, utf8 } from '../../../protocol/bytes.js';
import { Writer } from '../../../protocol/wire/codec.js';
import {
  decodeClientFrame, decodeRelayFrame, encodeClientFrame, encodeDeliver, encodeRelayFrame, type ClientFrame, type RelayFrame,
} from '../../../protocol/wire/frames.js';
import { CLIENT_FRAME, LIMIT, RELAY_FRAME, WIRE_VERSION } from '../../../protocol/wire/types.js';
import { decodeTombstone, TOMBSTONE_BYTES } from '../../../protocol/wire/tombstone.js';
import { clientFrames, records, relayFrames, room, throws, withByte, withTrailing } from './fixtures.js';

/** Compares decoded frames by their re-encoding plus the scalar fields. */
function sameClient(a: ClientFrame, b: ClientFrame): void {
  assert.is(a.type, b.type);
  assert.is(a.rid, b.rid);
  assert.is(toHex(encodeClientFrame(a)), toHex(encodeClientFrame(b)));
}

test('frames: every client frame round-trips byte-exactly', async () => {
  const frames = clientFrames(await room());
  assert.is(new Set(frames.map((f) => f.type)).size, Object.keys(CLIENT_FRAME).length, 'one of every client frame');
  for (const frame of frames) {
    const bytes = encodeClientFrame(frame);
    assert.is(bytes[0], WIRE_VERSION, `${frame.type}: version`);
    assert.is(bytes[1], CLIENT_FRAME[frame.type], `${frame.type}: tag`);
    const decoded = decodeClientFrame(bytes);
    sameClient(decoded, frame);
    assert.is(toHex(encodeClientFrame(decoded)), toHex(bytes), `${frame.type}: re-encoding`);
  }
  const sync = decodeClientFrame(encodeClientFrame(clientFrames(await room())[12]!));
  assert.equal(sync.type === 'sync' ? [sync.logFrom, sync.epochFrom, sync.seqFrom, sync.limit] : [], [2, 1, 2 ** 53 - 1, 1000]);
});

test('frames: every relay frame round-trips byte-exactly', async () => {
  const frames = relayFrames(await room());
  assert.is(new Set(frames.map((f) => f.type)).size, Object.keys(RELAY_FRAME).length, 'one of every relay frame');
  for (const frame of frames) {
    const bytes = encodeRelayFrame(frame);
    assert.is(bytes[1], RELAY_FRAME[frame.type], `${frame.type}: tag`);
    const decoded: RelayFrame = decodeRelayFrame(bytes);
    assert.is(decoded.type, frame.type);
    assert.is(toHex(encodeRelayFrame(decoded)), toHex(bytes), `${frame.type}: re-encoding`);
  }
  const error = decodeRelayFrame(encodeRelayFrame(frames[1]!));
  assert.equal(error, { type: 'error', rid: 2, code: 504, text: 'invite has already been used — ✓' });
  const done = decodeRelayFrame(encodeRelayFrame(frames.find((f) => f.type === 'syncDone')!));
  assert.is(done.type === 'syncDone' && done.more, true);
});

test('frames: nested records are the exact stored bytes', async () => {
  const r = await room();
  const send = encodeClientFrame({ type: 'send', rid: 9, message: r.message });
  assert.is(toHex(send.subarray(10)), toHex(r.message.bytes));
  const deliver = encodeDeliver(r.roomId, 77, r.message.bytes);
  assert.is(toHex(deliver), toHex(encodeRelayFrame({ type: 'deliver', roomId: r.roomId, seq: 77, message: r.message })));
  const decoded = decodeRelayFrame(deliver);
  assert.is(decoded.type === 'deliver' ? toHex(decoded.message.bytes) : '', toHex(r.message.bytes));
  assert.is(deliver.length, 2 + 16 + 8 + 4 + r.message.bytes.length);
  const auth = encodeClientFrame(clientFrames(r)[0]!);
  assert.is(auth.length, 2 + 4 + 16 + 1 + 32 + 64);
});

test('frames: wrong version is BAD_VERSION', async () => {
  const r = await room();
  for (const frame of clientFrames(r)) throws(() => decodeClientFrame(withByte(encodeClientFrame(frame), 0, WIRE_VERSION - 1)), 'BAD_VERSION', frame.type);
  for (const frame of relayFrames(r)) throws(() => decodeRelayFrame(withByte(encodeRelayFrame(frame), 0, 0)), 'BAD_VERSION', frame.type);
});

test('frames: unknown tags and frames from the other direction are UNKNOWN_TYPE', async () => {
  const r = await room();
  for (const frame of clientFrames(r)) throws(() => decodeRelayFrame(encodeClientFrame(frame)), 'UNKNOWN_TYPE', `${frame.type} read by a client`);
  for (const frame of relayFrames(r)) throws(() => decodeClientFrame(encodeRelayFrame(frame)), 'UNKNOWN_TYPE', `${frame.type} read by the relay`);
  for (const { name, bytes } of records(r)) {
    throws(() => decodeClientFrame(bytes), 'UNKNOWN_TYPE', `bare ${name} as a client frame`);
    throws(() => decodeRelayFrame(bytes), 'UNKNOWN_TYPE', `bare ${name} as a relay frame`);
  }
  // 0x46 and 0x88 were protocol 1's welcome and joinConfirmed frames: retired, not reused.
  for (const tag of [0x00, 0x40, 0x46, 0x7e, 0x7f, 0x88, 0xfe, 0xff]) {
    throws(() => decodeClientFrame(Uint8Array.of(WIRE_VERSION, tag, 0, 0, 0, 1)), 'UNKNOWN_TYPE', `client 0x${tag.toString(16)}`);
    throws(() => decodeRelayFrame(Uint8Array.of(WIRE_VERSION, tag, 0, 0, 0, 1)), 'UNKNOWN_TYPE', `relay 0x${tag.toString(16)}`);
  }
});

test('frames: a nested record of the wrong type is UNKNOWN_TYPE', async () => {
  const r = await room();
  const carry = (tag: number, record: Uint8Array): Uint8Array => new Writer().u8(WIRE_VERSION).u8(tag).u32(1).var32(record).finish();
  throws(() => decodeClientFrame(carry(CLIENT_FRAME.send, r.invite.bytes)), 'UNKNOWN_TYPE', 'invite sent as a message');
  throws(() => decodeClientFrame(carry(CLIENT_FRAME.rotate, r.message.bytes)), 'UNKNOWN_TYPE', 'message sent as a rotation');
  throws(() => decodeClientFrame(carry(CLIENT_FRAME.createRoom, r.rotation.bytes)), 'UNKNOWN_TYPE', 'rotation sent as a genesis');
  throws(() => decodeClientFrame(carry(CLIENT_FRAME.joinConfirm, r.welcome.bytes)), 'UNKNOWN_TYPE', 'welcome sent as a confirm');
  const add = new Writer().u8(WIRE_VERSION).u8(CLIENT_FRAME.appendEvent).u32(1).var32(r.add.bytes).u8(1).var32(r.rotation.bytes).u8(1).var32(r.confirm.bytes).finish();
  throws(() => decodeClientFrame(add), 'UNKNOWN_TYPE', 'confirm carried as an add’s welcome');
  const push = (tag: number, record: Uint8Array): Uint8Array => new Writer().u8(WIRE_VERSION).u8(tag).fixed(r.roomId, 16).var32(record).finish();
  throws(() => decodeRelayFrame(push(RELAY_FRAME.rotation, r.message.bytes)), 'UNKNOWN_TYPE', 'message delivered as a rotation');
  throws(() => decodeRelayFrame(push(RELAY_FRAME.welcomeReady, r.request.bytes)), 'UNKNOWN_TYPE', 'request delivered as a welcome');
});

test('frames: every truncation point of every frame is TRUNCATED', async () => {
  const r = await room();
  for (const frame of clientFrames(r)) {
    const bytes = encodeClientFrame(frame);
    // The room token is createRoom's optional last field: cut where it starts, the frame is a bare createRoom.
    const whole = frame.type === 'createRoom' && frame.roomToken !== undefined ? encodeClientFrame({ ...frame, roomToken: undefined }).length : -1;
    for (let n = 0; n < bytes.length; n++) if (n !== whole) throws(() => decodeClientFrame(bytes.subarray(0, n)), 'TRUNCATED', `${frame.type} cut at ${n}`);
  }
  for (const frame of relayFrames(r)) {
    const bytes = encodeRelayFrame(frame);
    for (let n = 0; n < bytes.length; n++) throws(() => decodeRelayFrame(bytes.subarray(0, n)), 'TRUNCATED', `${frame.type} cut at ${n}`);
  }
});

test('frames: a trailing byte is TRAILING_BYTES', async () => {
  const r = await room();
  for (const frame of clientFrames(r)) {
    // A bare createRoom ends where its optional token would start, so a stray byte is a token cut short.
    const expected = frame.type === 'createRoom' && frame.roomToken === undefined ? 'TRUNCATED' : 'TRAILING_BYTES';
    throws(() => decodeClientFrame(withTrailing(encodeClientFrame(frame))), expected, frame.type);
  }
  for (const frame of relayFrames(r)) throws(() => decodeRelayFrame(withTrailing(encodeRelayFrame(frame))), 'TRAILING_BYTES', frame.type);
});

test('frames: a malformed nested record fails with the record’s own code', async () => {
  const r = await room();
  const carry = (record: Uint8Array): Uint8Array => new Writer().u8(WIRE_VERSION).u8(CLIENT_FRAME.send).u32(1).var32(record).finish();
  throws(() => decodeClientFrame(carry(r.message.bytes.subarray(0, 100))), 'TRUNCATED', 'short record');
  throws(() => decodeClientFrame(carry(withTrailing(r.message.bytes))), 'TRAILING_BYTES', 'long record');
  throws(() => decodeClientFrame(carry(withByte(r.message.bytes, 0, 9))), 'BAD_VERSION', 'record version');
});

test('frames: attachment chunks are 1..262160 bytes at an index below 8192', async () => {
  const r = await room();
  const attachmentId = new Uint8Array(16);
  const put = (index: number, chunk: Uint8Array): Uint8Array =>
    encodeClientFrame({ type: 'attachPut', rid: 1, roomId: r.roomId, attachmentId, index, last: false, chunk });
  throws(() => decodeClientFrame(put(0, new Uint8Array(0))), 'BAD_VALUE', 'empty chunk');
  throws(() => decodeClientFrame(put(0, new Uint8Array(LIMIT.attachmentChunk + 1))), 'FIELD_TOO_LARGE', 'chunk over the limit');
  throws(() => decodeClientFrame(put(LIMIT.attachmentChunks, new Uint8Array(1))), 'BAD_VALUE', 'index 8192');
  throws(() => decodeClientFrame(encodeClientFrame({ type: 'attachGet', rid: 1, roomId: r.roomId, attachmentId, index: LIMIT.attachmentChunks })), 'BAD_VALUE', 'get index 8192');
  throws(() => decodeRelayFrame(encodeRelayFrame({ type: 'attachChunk', rid: 1, index: 0, last: true, chunk: new Uint8Array(0) })), 'BAD_VALUE', 'empty served chunk');
  const lastFlag = put(0, new Uint8Array(1));
  throws(() => decodeClientFrame(withByte(lastFlag, 2 + 4 + 16 + 16 + 4, 2)), 'BAD_VALUE', 'last flag 2');
  const decoded = decodeClientFrame(put(LIMIT.attachmentChunks - 1, new Uint8Array(LIMIT.attachmentChunk)));
  assert.is(decoded.type === 'attachPut' ? decoded.chunk.length : -1, LIMIT.attachmentChunk);
});

test('frames: sync limit 0 or over LIMIT.syncPage is BAD_VALUE', async () => {
  const r = await room();
  const sync = (limit: number): Uint8Array =>
    encodeClientFrame({ type: 'sync', rid: 1, roomId: r.roomId, logFrom: 0, epochFrom: 0, seqFrom: 0, limit });
  throws(() => decodeClientFrame(sync(0)), 'BAD_VALUE', 'limit 0');
  throws(() => decodeClientFrame(sync(LIMIT.syncPage + 1)), 'BAD_VALUE', 'limit over');
  throws(() => decodeClientFrame(sync(0xffff)), 'BAD_VALUE', 'limit 65535');
  for (const limit of [1, LIMIT.syncPage]) {
    const decoded = decodeClientFrame(sync(limit));
    assert.is(decoded.type === 'sync' ? decoded.limit : -1, limit);
  }
});

test('frames: unknown auth role, rotation flag or more flag is BAD_VALUE', async () => {
  const r = await room();
  const auth = encodeClientFrame(clientFrames(r)[0]!);
  const roleAt = 2 + 4 + 16;
  for (const role of [2, 0xff]) throws(() => decodeClientFrame(withByte(auth, roleAt, role)), 'BAD_VALUE', `role ${role}`);
  const append = encodeClientFrame({ type: 'appendEvent', rid: 1, event: r.add, rotation: undefined, welcome: undefined });
  throws(() => decodeClientFrame(withByte(append, append.length - 2, 2)), 'BAD_VALUE', 'rotation flag 2');
  throws(() => decodeClientFrame(withByte(append, append.length - 1, 2)), 'BAD_VALUE', 'welcome flag 2');
  const done = encodeRelayFrame({ type: 'syncDone', rid: 1, roomId: r.roomId, logLength: 1, epoch: 0, lastSeq: 0, more: false });
  throws(() => decodeRelayFrame(withByte(done, done.length - 1, 2)), 'BAD_VALUE', 'more flag 2');
  const ok = encodeRelayFrame({ type: 'ok', rid: 1, value: 0 });
  throws(() => decodeRelayFrame(withByte(ok, 6, 0x20)), 'BAD_VALUE', 'ok value 2^53');
});

test('V-160: a busStatus push is exactly one flag byte, 0 or 1', () => {
  const down = encodeRelayFrame({ type: 'busStatus', reachable: false });
  assert.is(toHex(down), toHex(Uint8Array.of(WIRE_VERSION, RELAY_FRAME.busStatus, 0)));
  assert.equal(decodeRelayFrame(withByte(down, 2, 1)), { type: 'busStatus', reachable: true });
  for (const value of [2, 0xff]) throws(() => decodeRelayFrame(withByte(down, 2, value)), 'BAD_VALUE', `reachable ${value}`);
  throws(() => decodeRelayFrame(down.subarray(0, 2)), 'TRUNCATED', 'no flag');
  throws(() => decodeRelayFrame(withTrailing(down)), 'TRAILING_BYTES', 'a second byte');
  // A push, never an answer: it carries no rid a request could be matched with.
  throws(() => decodeClientFrame(down), 'UNKNOWN_TYPE', 'from the other direction');
});

test('frames: oversized fields are FIELD_TOO_LARGE', async () => {
  const r = await room();
  const bigRecord = new Writer().u8(WIRE_VERSION).u8(CLIENT_FRAME.send).u32(1).u32(LIMIT.record + 1).finish();
  throws(() => decodeClientFrame(bigRecord), 'FIELD_TOO_LARGE', 'record over LIMIT.record');
  const longText = new Writer().u8(WIRE_VERSION).u8(RELAY_FRAME.error).u32(1).u16(900).var16(new Uint8Array(LIMIT.errorText + 1).fill(0x61)).finish();
  throws(() => decodeRelayFrame(longText), 'FIELD_TOO_LARGE', 'error text');
  const manyEvents = new Writer().u8(WIRE_VERSION).u8(RELAY_FRAME.inviteInfo).u32(1).var32(r.invite.bytes).u8(0).u32(LIMIT.listItems + 1).finish();
  throws(() => decodeRelayFrame(manyEvents), 'FIELD_TOO_LARGE', 'invite info events');
});

test('frames: error text is cut to what the decoder accepts', () => {
  for (const text of ['x'.repeat(300), '界'.repeat(199), '界'.repeat(400), '👋'.repeat(300)]) {
    const bytes = encodeRelayFrame({ type: 'error', rid: 1, code: 900, text });
    const decoded = decodeRelayFrame(bytes);
    const got = decoded.type === 'error' ? decoded.text : '';
    assert.ok(utf8(got).length <= LIMIT.errorText, `${text.slice(0, 2)}: ${utf8(got).length} bytes`);
    assert.ok([...got].length <= 200, 'at most 200 code points');
    assert.ok(!got.includes('\ufffd'), 'never splits a code point');
    assert.ok(text.startsWith(got.replace(/\.\.\.$/, '')), 'a prefix of the original');
  }
  const short = decodeRelayFrame(encodeRelayFrame({ type: 'error', rid: 1, code: 900, text: 'short' }));
  assert.is(short.type === 'error' ? short.text : '', 'short');
});

test('V-152: a tombstone is exactly its 204 bytes and names seq ≥ 1 and counter ≥ 1; drop and dropped carry one whole', async () => {
  const r = await room();
  const tombstone = r.tombstone.bytes;
  assert.is(tombstone.length, TOMBSTONE_BYTES);
  const dropped = decodeRelayFrame(encodeRelayFrame({ type: 'dropped', roomId: r.roomId, tombstone: r.tombstone }));
  assert.ok(dropped.type === 'dropped' && toHex(dropped.roomId) === toHex(r.roomId) && dropped.tombstone.seq === 42);
  throws(() => decodeTombstone(tombstone.subarray(0, TOMBSTONE_BYTES - 1)), 'TRUNCATED', 'short');
  throws(() => decodeTombstone(new Uint8Array([...tombstone, 0])), 'TRAILING_BYTES', 'long');
  const seqAt = 16;
  const counterAt = 16 + 8 + 4 + 32;
  throws(() => decodeTombstone(new Uint8Array(tombstone).fill(0, seqAt, seqAt + 8)), 'BAD_VALUE', 'seq 0');
  throws(() => decodeTombstone(new Uint8Array(tombstone).fill(0, counterAt, counterAt + 4)), 'BAD_VALUE', 'counter 0');
  const drop = encodeClientFrame({ type: 'drop', rid: 1, tombstone: r.tombstone, attachmentId: new Uint8Array(16) });
  throws(() => decodeClientFrame(drop.subarray(0, drop.length - 1)), 'TRUNCATED', 'drop without its whole attachment id');
});

test.run();
