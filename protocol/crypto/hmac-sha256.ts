// HMAC-SHA256 (RFC 2104) for the sender chains' steps (docs/protocol.md §9): two MACs under a new key
// per message, on every send and every receive. noble's `hmac` allocates about a dozen objects per
// MAC (two hash states, each with its block buffer and DataView, the HMAC wrapper, the padded key,
// the output views); at two MACs a message that garbage was most of a chain step's cost (issue 14,
// docs/performance.md). Here the same noble SHA-256 compresses into four hash states allocated once
// and reset with `_cloneInto` (part of noble's public `Hash` interface: "Copies the current hash
// state into an existing or new instance"), so a step allocates its outputs and little else. The
// function is synchronous and calls nothing that could re-enter it, so shared states are safe;
// every state that saw the key is wiped before it returns.
import { sha256 } from '@noble/hashes/sha2.js';

type Sha256State = ReturnType<typeof sha256.create>;

const BLOCK_BYTES = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

/** The initial SHA-256 state: never updated, cloned to reset the others. */
const initial = sha256.create();
const keyedInner = sha256.create();
const keyedOuter = sha256.create();
const inner = sha256.create();
const outer = sha256.create();
const pad = new Uint8Array(BLOCK_BYTES);
const innerDigest = new Uint8Array(32);

/** `state` reset to the initial state, then fed the key XOR `byte`, padded to a block. */
function keyWith(state: Sha256State, key: Uint8Array, byte: number): void {
  pad.fill(byte);
  for (let i = 0; i < key.length; i++) pad[i]! ^= key[i]!;
  initial._cloneInto(state).update(pad);
}

/**
 * HMAC-SHA256 of each of `data` under one key. The key's inner and outer pads are hashed once and
 * their states cloned per message.
 */
export function hmacSha256Each(key: Uint8Array, data: readonly Uint8Array[]): Uint8Array[] {
  // RFC 2104 §2: a key longer than the block is replaced by its hash.
  const blockKey = key.length > BLOCK_BYTES ? sha256(key) : key;
  try {
    keyWith(keyedInner, blockKey, IPAD);
    keyWith(keyedOuter, blockKey, OPAD);
    return data.map((part) => {
      keyedInner._cloneInto(inner).update(part).digestInto(innerDigest);
      const tag = new Uint8Array(32);
      keyedOuter._cloneInto(outer).update(innerDigest).digestInto(tag);
      return tag;
    });
  } finally {
    pad.fill(0);
    innerDigest.fill(0);
    if (blockKey !== key) blockKey.fill(0);
    // Back to the initial state: no chaining value derived from the key stays behind. `outer`'s block
    // buffer held innerDigest; feeding it zeros overwrites those bytes without compressing.
    initial._cloneInto(keyedInner);
    initial._cloneInto(keyedOuter);
    initial._cloneInto(inner);
    initial._cloneInto(outer).update(innerDigest);
    initial._cloneInto(outer);
  }
}
