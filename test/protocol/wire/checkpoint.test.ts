// The checkpoint record's own rules (V-18): one encoding per roster and a roster that can be one.
// Round trip, truncation, trailing bytes and version run for it with every record (records.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareBytes, toHex } from '../../../protocol/bytes.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { decodeCheckpoint, encodeCheckpointUnsigned, type CheckpointFields, type CheckpointMember } from '../../../protocol/wire/checkpoint.js';
import { Writer } from '../../../protocol/wire/codec.js';
import { DEFAULT_SETTINGS } from '../../../protocol/wire/membership.js';
import { LIMIT } from '../../../protocol/wire/types.js';
import { room, throws } from './fixtures.js';

const SIGNATURE = new Uint8Array(64);
/** Offset of the member count: header, roomId, logLength, headHash, settings, issuer, time. */
const COUNT_AT = 2 + 16 + 4 + 32 + 4 + 4 + 1 + 4 + 32 + 8;

function signedBytes(f: CheckpointFields): Uint8Array {
  return new Writer().raw(encodeCheckpointUnsigned(f)).raw(SIGNATURE).finish();
}

function member(role: CheckpointMember['role'], addedAt = 0): CheckpointMember {
  return { sign: randomBytes(32), enc: randomBytes(32), role, addedAt };
}

function sorted(members: CheckpointMember[]): CheckpointMember[] {
  return [...members].sort((a, b) => compareBytes(a.sign, b.sign));
}

test('checkpoint: round-trips with its size, members in canonical order', async () => {
  const r = await room();
  const decoded = decodeCheckpoint(r.checkpoint.bytes);
  assert.is(decoded.logLength, 2);
  assert.is(decoded.members.length, 2);
  assert.is(r.checkpoint.bytes.length, 175 + 69 * 2);
  assert.is(toHex(signedBytes({ ...decoded })).slice(0, decoded.signed.length * 2), toHex(decoded.signed));
  assert.ok(compareBytes(decoded.members[0]!.sign, decoded.members[1]!.sign) < 0);
});

test('checkpoint: unsorted or repeated members, no owner or two, addedAt at or after logLength, logLength 0 are BAD_VALUE', async () => {
  const base = decodeCheckpoint((await room()).checkpoint.bytes);
  const [a, b] = sorted([member('owner'), member('member', 1)]);
  // The same fields in order decode: each case below changes one thing.
  assert.is(decodeCheckpoint(signedBytes({ ...base, members: [a!, b!] })).members.length, 2);
  throws(() => decodeCheckpoint(signedBytes({ ...base, members: [b!, a!] })), 'BAD_VALUE', 'descending');
  throws(() => decodeCheckpoint(signedBytes({ ...base, members: [a!, a!] })), 'BAD_VALUE', 'repeated');
  throws(() => decodeCheckpoint(signedBytes({ ...base, members: sorted([member('admin'), member('member')]) })), 'BAD_VALUE', 'no owner');
  throws(() => decodeCheckpoint(signedBytes({ ...base, members: sorted([member('owner'), member('owner')]) })), 'BAD_VALUE', 'two owners');
  throws(() => decodeCheckpoint(signedBytes({ ...base, members: sorted([member('owner'), member('member', base.logLength)]) })), 'BAD_VALUE', 'added later');
  throws(() => decodeCheckpoint(signedBytes({ ...base, logLength: 0, members: [member('owner')] })), 'BAD_VALUE', 'logLength 0');
  throws(() => decodeCheckpoint(signedBytes({ ...base, settings: { ...DEFAULT_SETTINGS, rotateEveryMessages: 0 } })), 'BAD_VALUE', 'settings');
  throws(() => decodeCheckpoint(signedBytes({ ...base, settings: { ...DEFAULT_SETTINGS, history: { mode: 'last', count: 0 } } })), 'BAD_VALUE', 'history');
  const badRole = signedBytes({ ...base, members: [member('owner')] });
  badRole[COUNT_AT + 4 + 64] = 3;
  throws(() => decodeCheckpoint(badRole), 'BAD_VALUE', 'unknown role');
});

test('checkpoint: a member count over the limit is FIELD_TOO_LARGE, one the bytes cannot hold TRUNCATED', async () => {
  const bytes = (await room()).checkpoint.bytes;
  const withCount = (count: number): Uint8Array => {
    const copy = bytes.slice();
    new DataView(copy.buffer).setUint32(COUNT_AT, count);
    return copy;
  };
  throws(() => decodeCheckpoint(withCount(LIMIT.checkpointMembers + 1)), 'FIELD_TOO_LARGE', 'count');
  throws(() => decodeCheckpoint(withCount(LIMIT.checkpointMembers)), 'TRUNCATED', 'count at the limit');
  throws(() => decodeCheckpoint(withCount(0)), 'BAD_VALUE', 'no members: no owner');
});

test.run();
