// Writer/Reader: every field kind round-trips, and every bound fails with its own code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { Reader, Writer } from '../../../protocol/wire/codec.js';
import { readHeader, writeHeader } from '../../../protocol/wire/header.js';
import { RECORD, WIRE_VERSION } from '../../../protocol/wire/types.js';
import { throws } from './fixtures.js';

test('codec: integers round-trip big-endian at their edges', () => {
  const w = new Writer(1);
  w.u8(0).u8(0xff).u16(0).u16(0xffff).u32(0).u32(0xffffffff).u64(0).u64(2 ** 32).u64(2 ** 53 - 1);
  const bytes = w.finish();
  assert.is(bytes.length, 2 + 4 + 8 + 24);
  assert.is(toHex(bytes.subarray(2, 6)), '0000ffff');
  assert.is(toHex(bytes.subarray(30, 38)), '001fffffffffffff');
  const r = new Reader(bytes);
  assert.equal([r.u8(), r.u8(), r.u16(), r.u16(), r.u32(), r.u32()], [0, 0xff, 0, 0xffff, 0, 0xffffffff]);
  assert.equal([r.u64(), r.u64(), r.u64()], [0, 2 ** 32, 2 ** 53 - 1]);
  assert.is(r.remaining, 0);
  r.end('all');
});

test('codec: fixed, var16, var32, str16 and raw round-trip', () => {
  const key = new Uint8Array(32).fill(7);
  const big = new Uint8Array(70_000).fill(9);
  const w = new Writer(4).fixed(key, 32).var16(new Uint8Array([1, 2, 3])).var16(new Uint8Array(0)).var32(big).str16('grüße 👋').raw(new Uint8Array([0xaa]));
  const bytes = w.finish();
  assert.is(w.length, bytes.length);
  const r = new Reader(bytes);
  assert.is(toHex(r.fixed(32, 'key')), toHex(key));
  assert.is(toHex(r.var16(3, 'a')), '010203');
  assert.is(r.var16(0, 'empty').length, 0);
  assert.is(r.var32(big.length, 'big').length, big.length);
  assert.is(r.str16(64, 'text'), 'grüße 👋');
  assert.is(r.u8(), 0xaa);
  r.end('all');
});

test('codec: var16 and var32 carry their length prefix', () => {
  assert.is(toHex(new Writer().var16(new Uint8Array([5])).finish()), '000105');
  assert.is(toHex(new Writer().var32(new Uint8Array([5])).finish()), '0000000105');
  assert.is(toHex(new Writer().str16('é').finish()), '0002c3a9');
});

test('codec: span and offset name the exact bytes read', () => {
  const bytes = new Writer().u8(1).u16(2).u32(3).finish();
  const r = new Reader(bytes);
  r.u8();
  const at = r.offset;
  r.u16();
  r.u32();
  assert.is(toHex(r.span(at)), '000200000003');
  assert.is(toHex(r.span(0)), toHex(bytes));
});

test('codec: a Reader over a subarray reads from the view’s offset', () => {
  const backing = new Uint8Array([9, 9, 9, 0x12, 0x34, 0x56, 0x78, 9]);
  const r = new Reader(backing.subarray(3, 7));
  assert.is(r.u32(), 0x12345678);
  r.end('view');
});

test('codec: writes that grow the buffer keep every byte', () => {
  // Each kind of write lands exactly on a growth boundary at least once.
  for (const capacity of [0, 1, 2, 3, 5, 16]) {
    const w = new Writer(capacity);
    w.u8(0xa1).u16(0xb2b3).u32(0xc4c5c6c7).u64(0x1d1d2d3d4d5d6).fixed(new Uint8Array(33).fill(0xe8), 33);
    w.var16(Uint8Array.of(0xf9)).var32(Uint8Array.of(0xfa)).str16('z').raw(new Uint8Array(40).fill(0xfb)).u8(0xfc);
    const r = new Reader(w.finish());
    assert.equal([r.u8(), r.u16(), r.u32(), r.u64()], [0xa1, 0xb2b3, 0xc4c5c6c7, 0x1d1d2d3d4d5d6], `capacity ${capacity}`);
    assert.ok(r.fixed(33, 'f').every((b) => b === 0xe8), `fixed at capacity ${capacity}`);
    assert.is(toHex(r.var16(1, 'a')), 'f9');
    assert.is(toHex(r.var32(1, 'b')), 'fa');
    assert.is(r.str16(1, 'c'), 'z');
    assert.ok(r.fixed(40, 'raw').every((b) => b === 0xfb), `raw at capacity ${capacity}`);
    assert.is(r.u8(), 0xfc);
    r.end('grown');
  }
});

test('codec: finish returns a copy the writer no longer touches', () => {
  const w = new Writer(2).u8(1);
  const first = w.finish();
  w.u8(2);
  assert.is(toHex(first), '01');
  assert.is(toHex(w.finish()), '0102');
});

test('codec: writer refuses integers outside their range', () => {
  throws(() => new Writer().u8(256), 'BAD_VALUE', 'u8 256');
  throws(() => new Writer().u8(-1), 'BAD_VALUE', 'u8 -1');
  throws(() => new Writer().u16(0x10000), 'BAD_VALUE', 'u16');
  throws(() => new Writer().u32(2 ** 32), 'BAD_VALUE', 'u32');
  throws(() => new Writer().u32(1.5), 'BAD_VALUE', 'u32 fraction');
  throws(() => new Writer().u32(Number.NaN), 'BAD_VALUE', 'u32 NaN');
  throws(() => new Writer().u64(2 ** 53), 'BAD_VALUE', 'u64 2^53');
  throws(() => new Writer().fixed(new Uint8Array(31), 32), 'BAD_VALUE', 'fixed length');
  throws(() => new Writer().var16(new Uint8Array(0x10000)), 'BAD_VALUE', 'var16 over 65535');
});

test('codec: u64 at or above 2^53 is BAD_VALUE', () => {
  for (const hex of ['0020000000000000', 'ffffffffffffffff', '8000000000000000']) {
    const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
    throws(() => new Reader(bytes).u64(), 'BAD_VALUE', hex);
  }
});

test('codec: every read past the end is TRUNCATED', () => {
  throws(() => new Reader(new Uint8Array(0)).u8(), 'TRUNCATED', 'u8');
  throws(() => new Reader(new Uint8Array(1)).u16(), 'TRUNCATED', 'u16');
  throws(() => new Reader(new Uint8Array(3)).u32(), 'TRUNCATED', 'u32');
  throws(() => new Reader(new Uint8Array(7)).u64(), 'TRUNCATED', 'u64');
  throws(() => new Reader(new Uint8Array(31)).fixed(32, 'key'), 'TRUNCATED', 'fixed');
  throws(() => new Reader(new Uint8Array([0, 3, 1, 2])).var16(10, 'v'), 'TRUNCATED', 'var16 body');
  throws(() => new Reader(new Uint8Array([0])).var16(10, 'v'), 'TRUNCATED', 'var16 prefix');
  throws(() => new Reader(new Uint8Array([0, 0, 0, 2, 1])).var32(10, 'v'), 'TRUNCATED', 'var32 body');
  throws(() => new Reader(new Uint8Array([0, 2, 0x61])).str16(10, 's'), 'TRUNCATED', 'str16');
});

test('codec: a length over the field’s limit is FIELD_TOO_LARGE before the bytes are read', () => {
  throws(() => new Reader(new Uint8Array([0, 5, 1, 2, 3, 4, 5])).var16(4, 'v'), 'FIELD_TOO_LARGE', 'var16');
  // The length alone decides: the body need not be present.
  throws(() => new Reader(new Uint8Array([0xff, 0xff])).var16(1024, 'v'), 'FIELD_TOO_LARGE', 'var16 absent body');
  throws(() => new Reader(new Uint8Array([0xff, 0xff, 0xff, 0xff])).var32(2 ** 21, 'v'), 'FIELD_TOO_LARGE', 'var32');
  throws(() => new Reader(new Uint8Array([0, 3, 0x61, 0x62, 0x63])).str16(2, 's'), 'FIELD_TOO_LARGE', 'str16');
  assert.is(new Reader(new Uint8Array([0, 4, 1, 2, 3, 4])).var16(4, 'at the limit').length, 4);
});

test('codec: bytes left after the last field are TRAILING_BYTES', () => {
  const r = new Reader(new Uint8Array([1, 2]));
  r.u8();
  throws(() => r.end('x'), 'TRAILING_BYTES');
});

test('codec: invalid UTF-8 is BAD_UTF8', () => {
  for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80]]) {
    const bytes = new Writer().var16(Uint8Array.from(bad)).finish();
    throws(() => new Reader(bytes).str16(16, 's'), 'BAD_UTF8', toHex(Uint8Array.from(bad)));
  }
});

test('codec: header is version then tag; wrong version and wrong tag have their own codes', () => {
  const w = new Writer();
  writeHeader(w, RECORD.invite);
  const bytes = w.finish();
  assert.is(toHex(bytes), `0${WIRE_VERSION}11`);
  readHeader(new Reader(bytes), RECORD.invite, 'invite');
  throws(() => readHeader(new Reader(Uint8Array.of(WIRE_VERSION + 1, RECORD.invite)), RECORD.invite, 'invite'), 'BAD_VERSION');
  throws(() => readHeader(new Reader(Uint8Array.of(WIRE_VERSION - 1, RECORD.invite)), RECORD.invite, 'invite'), 'BAD_VERSION');
  throws(() => readHeader(new Reader(Uint8Array.of(0, RECORD.invite)), RECORD.invite, 'invite'), 'BAD_VERSION');
  throws(() => readHeader(new Reader(Uint8Array.of(WIRE_VERSION, RECORD.message)), RECORD.invite, 'invite'), 'UNKNOWN_TYPE');
  throws(() => readHeader(new Reader(Uint8Array.of(WIRE_VERSION)), RECORD.invite, 'invite'), 'TRUNCATED');
});

test.run();
