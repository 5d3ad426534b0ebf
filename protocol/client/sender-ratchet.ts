// Forward secrecy inside an epoch (docs/protocol.md §6, §9; V-78, V-79, V-89): each sender's message keys
// come from a one-way chain, as in Signal's sender keys and MLS's secret tree. When an epoch's key
// arrives, one chain key per member of the roster it was made for is derived and the epoch key is
// wiped; from then on a chain only moves forward, and a message key is deleted once used. A keystore
// stolen later holds chain keys at their current positions, which derive no earlier message key.
//
// Pure: every function returns a new chain and leaves the one it was given untouched, so a message
// that fails a later check changes nothing (receiving.ts applies the new chain in one step).
import { SottoError } from '../errors.js';
import { toHex, utf8 } from '../bytes.js';
import { hkdfSha256 } from '../crypto/hash.js';
import { hmacSha256Each } from '../crypto/hmac-sha256.js';
import { Secret } from '../crypto/secret.js';
import { LABEL } from '../labels.js';
import type { Roster } from '../membership/roster.js';
import { Writer } from '../wire/codec.js';
import { SIZE } from '../wire/types.js';

/** How far one message may move a sender's chain on: the longest epoch V-11 allows. */
export const DEFAULT_MAX_SKIP = 10_000;
/** Keys of a sender's messages not yet arrived (a reordered or withheld delivery) kept per chain. */
export const DEFAULT_MAX_SKIPPED_KEYS = 1_000;

export interface RatchetLimits {
  readonly maxSkip: number;
  readonly maxSkippedKeys: number;
}

export const DEFAULT_RATCHET_LIMITS: RatchetLimits = { maxSkip: DEFAULT_MAX_SKIP, maxSkippedKeys: DEFAULT_MAX_SKIPPED_KEYS };

/** One sender's chain in one epoch. */
export interface SenderChain {
  /** Index of the next message key `key` yields. */
  readonly next: number;
  /** CK_next. */
  readonly key: Secret;
  /** Message keys of indexes below `next` that have not arrived yet, by index (at most maxSkippedKeys). */
  readonly skipped: ReadonlyMap<number, Secret>;
}

const MESSAGE_STEP = utf8(LABEL.messageKey);
const CHAIN_STEP = utf8(LABEL.chainStep);

/** CK_0 of `sender` in epoch `epoch`: HKDF(K_e, salt = roomId, info = label ‖ 0 ‖ u32 e ‖ sender). */
export function chainStart(epochKey: Uint8Array, roomId: Uint8Array, epoch: number, sender: Uint8Array): Uint8Array {
  const info = new Writer(64).raw(utf8(LABEL.chainKey)).u8(0).u32(epoch).fixed(sender, SIZE.publicKey).finish();
  return hkdfSha256(epochKey, roomId, info, 32);
}

/** MK_i = HMAC(CK_i, "…/message-key"), CK_i+1 = HMAC(CK_i, "…/chain-step"). */
export function ratchetStep(chainKey: Uint8Array): { readonly messageKey: Uint8Array; readonly nextChainKey: Uint8Array } {
  const [messageKey, nextChainKey] = hmacSha256Each(chainKey, [MESSAGE_STEP, CHAIN_STEP]) as [Uint8Array, Uint8Array];
  return { messageKey, nextChainKey };
}

/**
 * The chains of an epoch, one per member of the roster its key was made for (every add and every
 * removal starts an epoch, so nobody else can send in it). The caller wipes `epochKey` afterwards.
 */
export function epochChains(epochKey: Uint8Array, roomId: Uint8Array, epoch: number, roster: Roster): Map<string, SenderChain> {
  const chains = new Map<string, SenderChain>();
  for (const member of roster.members.values()) {
    const start = chainStart(epochKey, roomId, epoch, member.sign);
    chains.set(toHex(member.sign), { next: 0, key: new Secret(start), skipped: new Map() });
    start.fill(0);
  }
  return chains;
}

export interface KeyTaken {
  /** MK_index: the caller wipes it once used. */
  readonly messageKey: Uint8Array;
  /** The chain after the key was taken: replaces the old one once the message is accepted. */
  readonly chain: SenderChain;
}

/**
 * The key of message `index`, and the chain without it. A later index moves the chain on and keeps
 * the keys it passes (the newest maxSkippedKeys of them) for messages that arrive late; an index
 * already taken, or passed and dropped, has no key any more (KEY_USED), and an index more than
 * maxSkip ahead is refused before any work is done (INDEX_TOO_FAR).
 */
export function takeMessageKey(chain: SenderChain, index: number, limits: RatchetLimits = DEFAULT_RATCHET_LIMITS): KeyTaken {
  if (index < chain.next) {
    const kept = chain.skipped.get(index);
    if (kept === undefined) throw new SottoError('KEY_USED', `message key ${index} was already used or dropped`);
    const skipped = new Map(chain.skipped);
    skipped.delete(index);
    return { messageKey: Uint8Array.from(kept.expose()), chain: { next: chain.next, key: chain.key, skipped } };
  }
  if (index - chain.next > limits.maxSkip) {
    throw new SottoError('INDEX_TOO_FAR', `message index ${index} is more than ${limits.maxSkip} past ${chain.next}`);
  }
  if (index === chain.next) {
    // In order, the usual case: nothing is kept or dropped, so the new chain shares the old map.
    const step = ratchetStep(chain.key.expose());
    const key = new Secret(step.nextChainKey);
    step.nextChainKey.fill(0);
    return { messageKey: step.messageKey, chain: { next: index + 1, key, skipped: chain.skipped } };
  }
  const skipped = new Map(chain.skipped);
  let key = chain.key.expose();
  for (let i = chain.next; i < index; i++) {
    const step = ratchetStep(key);
    // Only the newest passed keys are worth keeping: older ones would be dropped below anyway.
    if (index - i <= limits.maxSkippedKeys) skipped.set(i, new Secret(step.messageKey));
    step.messageKey.fill(0);
    if (key !== chain.key.expose()) key.fill(0);
    key = step.nextChainKey;
  }
  const step = ratchetStep(key);
  if (key !== chain.key.expose()) key.fill(0);
  for (const i of skipped.keys()) {
    if (skipped.size <= limits.maxSkippedKeys) break;
    skipped.delete(i);
  }
  const next = new Secret(step.nextChainKey);
  step.nextChainKey.fill(0);
  return { messageKey: step.messageKey, chain: { next: index + 1, key: next, skipped } };
}

/**
 * Replaces `old` by `taken` and wipes what only `old` held: its chain key when the chain moved on,
 * the skipped keys it dropped. Call it once the message the key opened is accepted.
 */
export function retireChain(old: SenderChain, replacement: SenderChain): void {
  if (old.key !== replacement.key) old.key.wipe();
  for (const [index, key] of old.skipped) if (replacement.skipped.get(index) !== key) key.wipe();
}

/** Wipes every key a chain holds: its epoch is forgotten (V-76). */
export function wipeChain(chain: SenderChain): void {
  chain.key.wipe();
  for (const key of chain.skipped.values()) key.wipe();
}
