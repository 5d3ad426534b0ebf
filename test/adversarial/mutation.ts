// fast-check arbitraries for hostile bytes: pure noise, noise behind a plausible header, and valid
// inputs with a few targeted edits (cuts, bit flips, inserted or deleted bytes, length fields set to
// edge values). Valid-looking inputs reach deep into a decoder; pure noise mostly dies at byte 0.
import * as fc from 'fast-check';
import { WIRE_VERSION } from '../../protocol/wire/types.js';

type Edit =
  | { kind: 'cut'; at: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'u16'; at: number; value: number };

/** Length and count fields are u16 or u32; these are the values that break careless bounds checks. */
const EDGE_U32 = [0, 1, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const EDGE_U16 = [0, 1, 0xff, 0x100, 0x7fff, 0x8000, 0xffff];

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.constantFrom(...EDGE_U32) }),
  fc.record({ kind: fc.constant('u16' as const), at: fc.nat(), value: fc.constantFrom(...EDGE_U16) }),
);

function apply(bytes: Uint8Array, e: Edit): Uint8Array {
  if (bytes.length === 0) return e.kind === 'insert' ? e.bytes : bytes;
  const at = e.at % bytes.length;
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  switch (e.kind) {
    case 'cut':
      return bytes.slice(0, at);
    case 'flip':
      out[at]! ^= 1 << e.bit;
      return out;
    case 'set':
      out[at] = e.value;
      return out;
    case 'insert': {
      const grown = new Uint8Array(bytes.length + e.bytes.length);
      grown.set(bytes.subarray(0, at));
      grown.set(e.bytes, at);
      grown.set(bytes.subarray(at), at + e.bytes.length);
      return grown;
    }
    case 'delete': {
      const count = Math.min(e.count, bytes.length - at);
      const shrunk = new Uint8Array(bytes.length - count);
      shrunk.set(bytes.subarray(0, at));
      shrunk.set(bytes.subarray(at + count), at);
      return shrunk;
    }
    case 'u32':
      if (at + 4 <= out.length) view.setUint32(at, e.value);
      return out;
    case 'u16':
      if (at + 2 <= out.length) view.setUint16(at, e.value);
      return out;
  }
}

/** One of `seeds` with one to four edits applied. */
export function mutated(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => edits.reduce(apply, seed));
}

/** Random bytes behind a valid version and one of `tags`, so the decoder gets past its first switch. */
function behindHeader(tags: readonly number[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...tags), fc.uint8Array({ maxLength: 512 }))
    .map(([tag, body]) => Uint8Array.from([WIRE_VERSION, tag, ...body]));
}

/** Noise, headed noise and mutations of valid inputs, in about equal measure. */
export function hostileBytes(seeds: readonly Uint8Array[], tags: readonly number[] = []): fc.Arbitrary<Uint8Array> {
  const noise = fc.uint8Array({ maxLength: 1024 });
  return tags.length === 0 ? fc.oneof(noise, mutated(seeds), mutated(seeds)) : fc.oneof(noise, behindHeader(tags), mutated(seeds), mutated(seeds));
}

/** How many cases each property runs: a few thousand in CI, many more with SOTTO_LONG=1. */
export const NUM_RUNS = process.env['SOTTO_LONG'] === '1' ? 50_000 : 1500;
