// Records: real signed records round-trip byte for byte, and every codec-level rule has a negative test
// (docs/protocol.md §11 cites these names).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromBase64Url, toBase64Url, toHex } from '../../../protocol/bytes.js';
import { isSottoError } from '../../../protocol/errors.js';
import { labeled } from '../../../protocol/crypto/signing.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { LABEL, type LabelName } from '../../../protocol/labels.js';
import { Writer } from '../../../protocol/wire/codec.js';
import { decodeContent, encodeContent, MAX_NAME_BYTES, MAX_TEXT_BYTES, PAD_BUCKET } from '../../../protocol/wire/content.js';
import { MAX_REACTION_BYTES } from '../../../protocol/wire/message-ref.js';
import { decodeInvite, decodeInviteLinkPayload, encodeInviteLinkPayload, encodeInviteUnsigned, parseInviteLink } from '../../../protocol/wire/invite.js';
import {
  decodeJoinConfirm, decodeJoinRequest, decodeWelcome, decodeWelcomePayload, encodeJoinConfirmUnsigned, encodeJoinRequestUnsigned,
  encodeWelcomePayload, encodeWelcomeUnsigned,
} from '../../../protocol/wire/join.js';
import { decodeMemberEvent, encodeMemberEventUnsigned } from '../../../protocol/wire/membership.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned } from '../../../protocol/wire/message.js';
import { decodeRotation, encodeRotationUnsigned } from '../../../protocol/wire/rotation.js';
import { decodeCheckpoint } from '../../../protocol/wire/checkpoint.js';
import { LIMIT, RECORD, WIRE_VERSION } from '../../../protocol/wire/types.js';
import { records, room, suite, throws, withByte, withTrailing } from './fixtures.js';

const DECODERS: readonly { readonly tag: number; readonly name: string; readonly decode: (b: Uint8Array) => unknown }[] = [
  { tag: RECORD.memberEvent, name: 'decodeMemberEvent', decode: decodeMemberEvent },
  { tag: RECORD.invite, name: 'decodeInvite', decode: decodeInvite },
  { tag: RECORD.joinRequest, name: 'decodeJoinRequest', decode: decodeJoinRequest },
  { tag: RECORD.welcome, name: 'decodeWelcome', decode: decodeWelcome },
  { tag: RECORD.joinConfirm, name: 'decodeJoinConfirm', decode: decodeJoinConfirm },
  { tag: RECORD.rotation, name: 'decodeRotation', decode: decodeRotation },
  { tag: RECORD.message, name: 'decodeMessage', decode: decodeMessage },
  { tag: RECORD.checkpoint, name: 'decodeCheckpoint', decode: decodeCheckpoint },
];

function decoderFor(bytes: Uint8Array): (b: Uint8Array) => unknown {
  return DECODERS.find((d) => d.tag === bytes[1])!.decode;
}

const ZERO_SIGNATURES = (n: number): Uint8Array => new Uint8Array(64 * n);

function join(...parts: Uint8Array[]): Uint8Array {
  const w = new Writer();
  for (const part of parts) w.raw(part);
  return w.finish();
}

test('records: every record round-trips byte-exactly', async () => {
  const r = await room();
  const event = decodeMemberEvent(r.add.bytes);
  assert.is(toHex(event.bytes), toHex(r.add.bytes));
  assert.is(toHex(encodeMemberEventUnsigned(event)), toHex(event.signed));
  assert.is(toHex(join(event.signed, event.signature)), toHex(r.add.bytes));
  const genesis = decodeMemberEvent(r.genesis.bytes);
  assert.is(toHex(encodeMemberEventUnsigned(genesis)), toHex(genesis.signed));
  assert.equal(genesis.settings, { rotateEveryMessages: 100, rotateAfterSeconds: 604800, history: { mode: 'join', count: 0 } });
  assert.is(genesis.bytes.length, 2 + 16 + 4 + 32 + 1 + 8 + 32 * 3 + 1 + 2 + 8 + 5 + 64);
  assert.is(event.bytes.length, 2 + 16 + 4 + 32 + 1 + 8 + 32 * 3 + 1 + 2 + 32 + 64);
  const update = decodeMemberEvent(r.update.bytes);
  assert.is(toHex(encodeMemberEventUnsigned(update)), toHex(update.signed));
  assert.is(update.kind, 'update');
  assert.is(update.bytes.length, 2 + 16 + 4 + 32 + 1 + 8 + 32 * 3 + 1 + 2 + 32 * 2 + 64 + 64);

  const invite = decodeInvite(r.invite.bytes);
  assert.is(toHex(join(encodeInviteUnsigned(invite), invite.signature)), toHex(r.invite.bytes));
  assert.is(invite.bytes.length, 2 + 16 + 32 + 32 + 8 + 64);

  const request = decodeJoinRequest(r.request.bytes);
  assert.is(toHex(join(encodeJoinRequestUnsigned(request), request.inviteSignature, request.joinerSignature)), toHex(r.request.bytes));
  assert.is(request.sealedJoiningKey.length, 80);
  assert.is(request.bytes.length, 2 + 16 + 32 * 3 + 2 + 80 + 8 + 64 * 2);

  const welcome = decodeWelcome(r.welcome.bytes);
  assert.is(toHex(join(encodeWelcomeUnsigned(welcome), welcome.signature)), toHex(r.welcome.bytes));

  const confirm = decodeJoinConfirm(r.confirm.bytes);
  assert.is(toHex(join(encodeJoinConfirmUnsigned(confirm), confirm.signature)), toHex(r.confirm.bytes));
  assert.is(confirm.ciphertext.length, 32 + 16);
  assert.is(confirm.bytes.length, 2 + 16 + 32 * 2 + 24 + 2 + 48 + 64);

  const rotation = decodeRotation(r.rotation.bytes);
  assert.is(toHex(join(encodeRotationUnsigned(rotation), rotation.signature)), toHex(r.rotation.bytes));
  assert.is(rotation.entries.length, 2);
  assert.is(rotation.bytes.length, 2 + 16 + 4 + 4 + 32 + 32 + 8 + 4 + 2 * (32 + 2 + 80) + 64);

  const message = decodeMessage(r.message.bytes);
  assert.is(toHex(encodeMessageHeader(message)), toHex(message.header));
  assert.is(message.header.length, 194);
  assert.is(toHex(join(encodeMessageUnsigned(message.header, message.ciphertext), message.signature)), toHex(r.message.bytes));
  assert.is(message.ciphertext.length, PAD_BUCKET + 16);

  for (const { name, bytes } of records(r)) {
    const decoded = decoderFor(bytes)(bytes) as { bytes: Uint8Array; signed: Uint8Array };
    assert.is(toHex(decoded.bytes), toHex(bytes), name);
    assert.is(bytes[0], WIRE_VERSION, `${name}: version`);
    assert.is(toHex(decoded.signed), toHex(bytes.subarray(0, decoded.signed.length)), `${name}: signed is a prefix`);
  }
});

test('records: each signature verifies under its own label and no other', async () => {
  const r = await room();
  const cases: { name: string; label: LabelName; key: Uint8Array; signed: Uint8Array; signature: Uint8Array }[] = [
    { name: 'create', label: 'sigMemberEvent', key: r.owner.sign.publicKey, signed: r.genesis.signed, signature: r.genesis.signature },
    { name: 'add', label: 'sigMemberEvent', key: r.owner.sign.publicKey, signed: r.add.signed, signature: r.add.signature },
    { name: 'invite', label: 'sigInvite', key: r.owner.sign.publicKey, signed: r.invite.signed, signature: r.invite.signature },
    { name: 'request/invite', label: 'sigJoinRequest', key: r.invite.invitePublicKey, signed: r.request.signed, signature: r.request.inviteSignature },
    { name: 'request/joiner', label: 'sigJoinRequest', key: r.joiner.sign.publicKey, signed: r.request.signed, signature: r.request.joinerSignature },
    { name: 'welcome', label: 'sigWelcome', key: r.owner.sign.publicKey, signed: r.welcome.signed, signature: r.welcome.signature },
    { name: 'confirm', label: 'sigJoinConfirm', key: r.joiner.sign.publicKey, signed: r.confirm.signed, signature: r.confirm.signature },
    { name: 'rotation', label: 'sigRotation', key: r.owner.sign.publicKey, signed: r.rotation.signed, signature: r.rotation.signature },
    { name: 'message', label: 'sigMessage', key: r.joiner.sign.publicKey, signed: r.message.signed, signature: r.message.signature },
  ];
  const sigLabels = (Object.keys(LABEL) as LabelName[]).filter((l) => l.startsWith('sig'));
  for (const c of cases) {
    for (const label of sigLabels) {
      const ok = await suite.verify(c.key, labeled(label, c.signed), c.signature);
      assert.is(ok, label === c.label, `${c.name} under ${label}`);
    }
  }
  // The label is followed by one zero byte: utf8(label) || 0x00 || bytes.
  assert.is(toHex(labeled('sigMessage', Uint8Array.of(0xab))), toHex(join(new TextEncoder().encode(LABEL.sigMessage), Uint8Array.of(0, 0xab))));
});

test('records: wrong version is BAD_VERSION', async () => {
  for (const { name, bytes } of records(await room())) {
    for (const version of [0, WIRE_VERSION - 1, WIRE_VERSION + 1, 0xff]) throws(() => decoderFor(bytes)(withByte(bytes, 0, version)), 'BAD_VERSION', `${name} v${version}`);
  }
});

test('records: a record passed where another type is expected is UNKNOWN_TYPE', async () => {
  const r = await room();
  throws(() => decodeInvite(r.message.bytes), 'UNKNOWN_TYPE', 'message as invite');
  throws(() => decodeRotation(r.message.bytes), 'UNKNOWN_TYPE', 'message as rotation');
  for (const { name, bytes } of records(r)) {
    for (const d of DECODERS) {
      if (d.tag === bytes[1]) continue;
      throws(() => d.decode(bytes), 'UNKNOWN_TYPE', `${name} given to ${d.name}`);
    }
  }
});

test('records: unknown type tags are UNKNOWN_TYPE', async () => {
  const r = await room();
  for (const tag of [0x00, 0x0f, 0x17, 0x41, 0x80, 0xff]) throws(() => decodeMessage(withByte(r.message.bytes, 1, tag)), 'UNKNOWN_TYPE', `0x${tag.toString(16)}`);
});

test('records: every truncation point of every record is TRUNCATED', async () => {
  for (const { name, bytes } of records(await room())) {
    const decode = decoderFor(bytes);
    for (let n = 0; n < bytes.length; n++) throws(() => decode(bytes.subarray(0, n)), 'TRUNCATED', `${name} cut at ${n}/${bytes.length}`);
  }
});

test('records: a trailing byte is TRAILING_BYTES', async () => {
  for (const { name, bytes } of records(await room())) throws(() => decoderFor(bytes)(withTrailing(bytes)), 'TRAILING_BYTES', name);
});

test('records: oversized fields are FIELD_TOO_LARGE', async () => {
  const r = await room();
  // Member event body: the add event's body is its last var16 before the signature.
  const addBody = r.add.signed.length - 2 - 32;
  const bigBody = join(r.add.signed.subarray(0, addBody), Uint8Array.of(0x01, 0x01), new Uint8Array(257), ZERO_SIGNATURES(1));
  throws(() => decodeMemberEvent(bigBody), 'FIELD_TOO_LARGE', 'event body');
  const request = decodeJoinRequest(r.request.bytes);
  throws(() => decodeJoinRequest(join(encodeJoinRequestUnsigned({ ...request, sealedJoiningKey: new Uint8Array(LIMIT.sealed + 1) }), ZERO_SIGNATURES(2))),
    'FIELD_TOO_LARGE', 'sealed joining key');
  const welcome = decodeWelcome(r.welcome.bytes);
  throws(() => decodeWelcome(join(encodeWelcomeUnsigned({ ...welcome, ciphertext: new Uint8Array(LIMIT.welcomeCiphertext + 1) }), ZERO_SIGNATURES(1))),
    'FIELD_TOO_LARGE', 'welcome ciphertext');
  const confirm = decodeJoinConfirm(r.confirm.bytes);
  throws(() => decodeJoinConfirm(join(encodeJoinConfirmUnsigned({ ...confirm, ciphertext: new Uint8Array(LIMIT.sealed + 1) }), ZERO_SIGNATURES(1))),
    'FIELD_TOO_LARGE', 'confirm ciphertext');
  const rotation = decodeRotation(r.rotation.bytes);
  const bigEntry = [{ member: rotation.entries[0]!.member, sealedKey: new Uint8Array(LIMIT.sealed + 1) }];
  throws(() => decodeRotation(join(encodeRotationUnsigned({ ...rotation, entries: bigEntry }), ZERO_SIGNATURES(1))), 'FIELD_TOO_LARGE', 'sealed epoch key');
  const tooMany = withCount(r.rotation.bytes, LIMIT.rotationEntries + 1);
  throws(() => decodeRotation(tooMany), 'FIELD_TOO_LARGE', 'rotation entry count');
  const message = decodeMessage(r.message.bytes);
  throws(() => decodeMessage(join(encodeMessageUnsigned(message.header, new Uint8Array(LIMIT.messageCiphertext + 1)), ZERO_SIGNATURES(1))),
    'FIELD_TOO_LARGE', 'message ciphertext');
  // At the limit it decodes.
  assert.is(decodeMessage(join(encodeMessageUnsigned(message.header, new Uint8Array(LIMIT.messageCiphertext)), ZERO_SIGNATURES(1))).ciphertext.length,
    LIMIT.messageCiphertext);
});

const ROTATION_COUNT_AT = 2 + 16 + 4 + 4 + 32 + 32 + 8;

function withCount(rotation: Uint8Array, count: number): Uint8Array {
  const copy = rotation.slice();
  new DataView(copy.buffer).setUint32(ROTATION_COUNT_AT, count);
  return copy;
}

test('records: rotation with count larger than the bytes can hold is TRUNCATED', async () => {
  const r = await room();
  throws(() => decodeRotation(withCount(r.rotation.bytes, 1000)), 'TRUNCATED', 'count 1000');
  throws(() => decodeRotation(withCount(r.rotation.bytes, LIMIT.rotationEntries)), 'TRUNCATED', 'count at the limit');
});

test('records: rotation to epoch 0 is BAD_VALUE', async () => {
  const r = await room();
  const bytes = r.rotation.bytes.slice();
  new DataView(bytes.buffer).setUint32(18, 0);
  throws(() => decodeRotation(bytes), 'BAD_VALUE');
});

const KIND_AT = 2 + 16 + 4 + 32;
const TIME_AT = KIND_AT + 1;
const ROLE_AT = TIME_AT + 8 + 32 * 3;
const BODY_AT = ROLE_AT + 1 + 2;

test('records: unknown event kind or role is BAD_VALUE', async () => {
  const r = await room();
  assert.is(r.add.bytes[KIND_AT], 1);
  assert.is(r.add.bytes[ROLE_AT], 0);
  for (const kind of [8, 0xff]) throws(() => decodeMemberEvent(withByte(r.add.bytes, KIND_AT, kind)), 'BAD_VALUE', `kind ${kind}`);
  for (const role of [3, 0xff]) throws(() => decodeMemberEvent(withByte(r.add.bytes, ROLE_AT, role)), 'BAD_VALUE', `role ${role}`);
});

test('records: an event body that does not match its kind is refused', async () => {
  const r = await room();
  // The add's 32-byte body read as create settings leaves 19 bytes over.
  throws(() => decodeMemberEvent(withByte(r.add.bytes, KIND_AT, 0)), 'TRAILING_BYTES', 'add body as create');
  throws(() => decodeMemberEvent(withByte(r.add.bytes, KIND_AT, 2)), 'TRAILING_BYTES', 'add body as remove');
  // The create's 13-byte body is too short for an invite key.
  throws(() => decodeMemberEvent(withByte(r.genesis.bytes, KIND_AT, 1)), 'TRUNCATED', 'create body as add');
  // The add's invite key is too short for an update's keys and proof; the update's body is too long for an add.
  throws(() => decodeMemberEvent(withByte(r.add.bytes, KIND_AT, 6)), 'TRUNCATED', 'add body as update');
  throws(() => decodeMemberEvent(withByte(r.update.bytes, KIND_AT, 1)), 'TRAILING_BYTES', 'update body as add');
  const event = decodeMemberEvent(r.add.bytes);
  throws(() => encodeMemberEventUnsigned({ ...event, invitePublicKey: undefined }), 'BAD_VALUE', 'add without invite key');
  const update = decodeMemberEvent(r.update.bytes);
  throws(() => encodeMemberEventUnsigned({ ...update, update: undefined }), 'BAD_VALUE', 'update without its keys');
});

test('records: room settings out of range are BAD_VALUE', async () => {
  const r = await room();
  const everyZero = r.genesis.bytes.slice();
  new DataView(everyZero.buffer).setUint32(BODY_AT, 0);
  throws(() => decodeMemberEvent(everyZero), 'BAD_VALUE', 'rotateEveryMessages 0');
  const fastAge = r.genesis.bytes.slice();
  new DataView(fastAge.buffer).setUint32(BODY_AT + 4, 59);
  throws(() => decodeMemberEvent(fastAge), 'BAD_VALUE', 'rotateAfterSeconds 59');
  // Protocol 1 took up to 2^32-1 messages or 136 years: an epoch that never ends (issue 14, #3).
  const everyTooMany = r.genesis.bytes.slice();
  new DataView(everyTooMany.buffer).setUint32(BODY_AT, 10_001);
  throws(() => decodeMemberEvent(everyTooMany), 'BAD_VALUE', 'rotateEveryMessages 10,001');
  const neverAge = r.genesis.bytes.slice();
  new DataView(neverAge.buffer).setUint32(BODY_AT + 4, 7 * 24 * 3600 + 1);
  throws(() => decodeMemberEvent(neverAge), 'BAD_VALUE', 'rotateAfterSeconds past 7 days');
});

test('records: a u64 at or above 2^53 is BAD_VALUE', async () => {
  const r = await room();
  throws(() => decodeMemberEvent(withByte(r.add.bytes, TIME_AT, 0x00 | 0x01)), 'BAD_VALUE', 'event time high byte');
  const seenSeqAt = 2 + 16 + 4 + 32 + 4 + 4 + 32;
  throws(() => decodeMessage(withByte(r.message.bytes, seenSeqAt + 1, 0x20)), 'BAD_VALUE', 'message seenSeq = 2^53');
});

// ——— content (the plaintext inside a message) ———

test('content: round trip, padded to 256-byte buckets', () => {
  for (const [text, padded] of [['', 256], ['hi', 256], ['x'.repeat(243), 256], ['x'.repeat(244), 512], ['ü'.repeat(300), 768]] as const) {
    const bytes = encodeContent({ type: 'text', time: 1_700_000_000_000, text });
    assert.is(bytes.length, padded, `${text.length} chars`);
    assert.equal(decodeContent(bytes), { type: 'text', time: 1_700_000_000_000, text });
  }
  assert.equal(decodeContent(encodeContent({ type: 'profile', time: 1, text: 'Ada' })), { type: 'profile', time: 1, text: 'Ada' });
  assert.equal(decodeContent(encodeContent({ type: 'roomName', time: 2, text: 'Ops' })), { type: 'roomName', time: 2, text: 'Ops' });
});

test('content: unknown content type is BAD_VALUE', () => {
  const bytes = encodeContent({ type: 'text', time: 0, text: 'hi' });
  for (const type of [0, 10, 0xff]) throws(() => decodeContent(withByte(bytes, 0, type)), 'BAD_VALUE', `type ${type}`);
});

test('V-120: reply, reaction, edit and delete round-trip naming sender and counter; a delete carries no text, a reaction at most 32 bytes, counter 0 names nothing', () => {
  const target = { sender: new Uint8Array(32).fill(7), counter: 42 };
  for (const [type, text] of [['reply', 'yes'], ['reaction', '👍🏽'], ['reaction', ''], ['edit', 'fixed'], ['delete', '']] as const) {
    const bytes = encodeContent({ type, time: 3, target, text });
    assert.is(bytes.length % PAD_BUCKET, 0, `${type} padded`);
    assert.equal(decodeContent(bytes), { type, time: 3, target, text });
  }
  throws(() => encodeContent({ type: 'delete', time: 0, target, text: 'x' }), 'FIELD_TOO_LARGE', 'a delete with text');
  throws(() => encodeContent({ type: 'reaction', time: 0, target, text: 'x'.repeat(MAX_REACTION_BYTES + 1) }), 'FIELD_TOO_LARGE', 'a long reaction');
  const bytes = encodeContent({ type: 'reaction', time: 0, target, text: '👍' });
  // type u8 ‖ time u64 ‖ payload length u32 ‖ sender 32 ‖ counter u32: the counter's last byte is at 1 + 8 + 4 + 32 + 3.
  throws(() => decodeContent(withByte(bytes, 1 + 8 + 4 + 32 + 3, 0)), 'BAD_VALUE', 'counter 0');
  const deleteWithText = new Writer().u8(8).u64(0).var32(new Writer().fixed(target.sender, 32).u32(1).var32(Uint8Array.of(0x61)).finish()).finish();
  throws(() => decodeContent(join(deleteWithText, new Uint8Array(PAD_BUCKET - deleteWithText.length))), 'FIELD_TOO_LARGE', 'decode a delete with text');
});

test('content: a history share round-trips; out-of-order entries are BAD_VALUE, a short one TRUNCATED', () => {
  const entry = (seq: number) => ({ seq, sender: new Uint8Array(32).fill(seq), time: seq, counter: seq, kind: 'text' as const, deleted: false, text: `m${seq}` });
  const share = { joiner: new Uint8Array(32).fill(9), addIndex: 3, entries: [entry(1), entry(2)] };
  assert.equal(decodeContent(encodeContent({ type: 'history', time: 5, share })), { type: 'history', time: 5, share });
  const backwards = encodeContent({ type: 'history', time: 5, share: { ...share, entries: [entry(2), entry(1)] } });
  throws(() => decodeContent(backwards), 'BAD_VALUE', 'out of order');
  const text = encodeContent({ type: 'text', time: 0, text: 'hi' });
  throws(() => decodeContent(withByte(text, 0, 4)), 'TRUNCATED', 'text read as a share');
});

test('content: non-zero padding is BAD_VALUE', () => {
  const bytes = encodeContent({ type: 'text', time: 0, text: 'hi' });
  throws(() => decodeContent(withByte(bytes, bytes.length - 1, 1)), 'BAD_VALUE', 'last byte');
  throws(() => decodeContent(withByte(bytes, 15, 0x80)), 'BAD_VALUE', 'first padding byte');
});

test('content: padding that does not end on a bucket boundary is BAD_VALUE', () => {
  const bytes = encodeContent({ type: 'text', time: 0, text: 'hi' });
  throws(() => decodeContent(bytes.subarray(0, 255)), 'BAD_VALUE', 'one short');
  throws(() => decodeContent(join(bytes, new Uint8Array(PAD_BUCKET))), 'BAD_VALUE', 'an extra bucket');
  throws(() => decodeContent(bytes.subarray(0, 15)), 'BAD_VALUE', 'no padding');
});

test('content: text over its limit is FIELD_TOO_LARGE', () => {
  throws(() => encodeContent({ type: 'text', time: 0, text: 'x'.repeat(MAX_TEXT_BYTES + 1) }), 'FIELD_TOO_LARGE', 'encode text');
  throws(() => encodeContent({ type: 'profile', time: 0, text: 'x'.repeat(MAX_NAME_BYTES + 1) }), 'FIELD_TOO_LARGE', 'encode name');
  assert.is(encodeContent({ type: 'text', time: 0, text: 'x'.repeat(MAX_TEXT_BYTES) }).length + 16 <= LIMIT.messageCiphertext, true);
  const name = new Writer().u8(2).u64(0).var32(new Uint8Array(MAX_NAME_BYTES + 1).fill(0x61)).finish();
  throws(() => decodeContent(join(name, new Uint8Array(PAD_BUCKET * 2 - name.length))), 'FIELD_TOO_LARGE', 'decode name');
});

test('content: invalid UTF-8 text is BAD_UTF8', () => {
  const body = new Writer().u8(1).u64(0).var32(Uint8Array.of(0xc3)).finish();
  throws(() => decodeContent(join(body, new Uint8Array(PAD_BUCKET - body.length))), 'BAD_UTF8');
});

// node:crypto decrypts into Buffers, whose slice() is a view: a decoded key must not share the
// plaintext's memory, or wiping one wipes (or keeps alive) the other.
test('welcome payload decoded from a Buffer owns its bytes', () => {
  const payload = { addIndex: 1, addHash: randomBytes(32), epoch: 1, roomName: '', names: [{ member: randomBytes(32), name: 'Ada' }] };
  const source = Buffer.from(encodeWelcomePayload(payload));
  const decoded = decodeWelcomePayload(source);
  for (const field of [decoded.addHash, decoded.names[0]!.member]) assert.is.not(field.buffer, source.buffer);
  source.fill(0);
  assert.is(toHex(decoded.addHash), toHex(payload.addHash));
});

test('welcome payload: round trip and list limit', () => {
  const payload = { addIndex: 7, addHash: randomBytes(32), epoch: 3, roomName: 'Ops', names: [{ member: randomBytes(32), name: 'Ada' }, { member: randomBytes(32), name: '' }] };
  const decoded = decodeWelcomePayload(encodeWelcomePayload(payload));
  assert.equal([decoded.addIndex, decoded.epoch], [7, 3]);
  assert.is(toHex(decoded.addHash), toHex(payload.addHash));
  assert.is(decoded.names.length, 2);
  assert.is(decoded.names[0]!.name, 'Ada');
  const tooMany = new Writer().u32(0).fixed(new Uint8Array(32), 32).u32(0).str16('').u32(LIMIT.listItems + 1).finish();
  throws(() => decodeWelcomePayload(tooMany), 'FIELD_TOO_LARGE', 'names');
  throws(() => decodeWelcomePayload(withTrailing(encodeWelcomePayload(payload))), 'TRAILING_BYTES', 'trailing');
});

// ——— invite link ———

test('invite link: round trip from a URL, a fragment or the bare payload', async () => {
  const r = await room();
  const link = { roomId: r.roomId, ownerSign: r.owner.sign.publicKey, token: randomBytes(32) };
  const payload = encodeInviteLinkPayload(link);
  assert.is(payload.length, 108);
  assert.match(payload, /^[A-Za-z0-9_-]+$/);
  for (const text of [payload, `#/join/${payload}`, `https://sotto.example/#/join/${payload}`, `  ${payload}\n`]) {
    const parsed = parseInviteLink(text);
    assert.is(toHex(parsed.roomId), toHex(link.roomId));
    assert.is(toHex(parsed.ownerSign), toHex(link.ownerSign));
    assert.is(toHex(parsed.token), toHex(link.token));
  }
});

test('invite link: wrong length is BAD_INVITE_LINK', async () => {
  const r = await room();
  const payload = encodeInviteLinkPayload({ roomId: r.roomId, ownerSign: r.owner.sign.publicKey, token: randomBytes(32) });
  for (const bad of [payload.slice(0, 104), `${payload}AAAA`, '', 'AAAA']) throws(() => decodeInviteLinkPayload(bad), 'BAD_INVITE_LINK', `${bad.length} chars`);
});

test('invite link: non-canonical base64url is BAD_INVITE_LINK', async () => {
  const r = await room();
  const payload = encodeInviteLinkPayload({ roomId: r.roomId, ownerSign: r.owner.sign.publicKey, token: randomBytes(32) });
  // 'AB' decodes to one byte with non-zero leftover bits; padding '=', '+', '/' and length 4k+1 are not base64url.
  for (const bad of [`${payload}AB`, `${payload}=`, `${payload.slice(0, 107)}+`, `${payload.slice(0, 107)}/`, `${payload}A`]) {
    throws(() => decodeInviteLinkPayload(bad), 'BAD_INVITE_LINK', bad.slice(100));
  }
});

test('invite link: wrong version is BAD_INVITE_LINK', async () => {
  const r = await room();
  const payload = encodeInviteLinkPayload({ roomId: r.roomId, ownerSign: r.owner.sign.publicKey, token: randomBytes(32) });
  // The first character carries the top six bits of the version byte: 'A' = 0x00..0x03.
  throws(() => decodeInviteLinkPayload(`B${payload.slice(1)}`), 'BAD_INVITE_LINK');
  // A link made by protocol 1 says so, so the person knows to ask for a new one.
  const old = fromBase64Url(payload);
  old[0] = WIRE_VERSION - 1;
  try {
    decodeInviteLinkPayload(toBase64Url(old));
    assert.unreachable('a protocol 1 link was accepted');
  } catch (error) {
    assert.ok(isSottoError(error, 'BAD_INVITE_LINK') && /older version/.test(error.message), String(error));
  }
});

test.run();
