// The device link's channel (docs/protocol.md §8.7.1, V-143): keys from one X25519 agreement between
// the new device's one-time key N (shown in a link, never sent to the relay) and the existing
// device's ephemeral E, bound to the transcript N ‖ E; each message sealed under its direction's key,
// numbered from 0, opened once and in order. A relay sees E and mailbox addresses, never N, so it can
// neither open a message nor make one either side accepts.
import { bytesEqual, concat, utf8 } from '../bytes.js';
import { SottoError } from '../errors.js';
import { xchachaOpen, xchachaSeal } from '../crypto/aead.js';
import { hkdfSha256, sha256 } from '../crypto/hash.js';
import { labeled, labeledHash } from '../crypto/signing.js';
import { Reader, Writer } from '../wire/codec.js';
import { decodeLinkMessage, encodeLinkMessage, type LinkMessage } from '../wire/device-link.js';
import { LABEL } from '../labels.js';
import { SIZE } from '../wire/types.js';

/** Which device holds the channel: messages from the existing device go out on direction 0. */
export type LinkSide = 'existing' | 'new';
const DIRECTION = { existing: 0, new: 1 } as const;

/** Digits of the comparison code: one guess in a million for someone who learned the link (V-144). */
const CODE_DIGITS = 6;

export interface LinkKeys {
  /** N_pub ‖ E_pub. */
  readonly transcript: Uint8Array;
  readonly prk: Uint8Array;
  readonly existingToNew: Uint8Array;
  readonly newToExisting: Uint8Array;
  /** Seed of the mailbox the new device answers on: only the two devices can address it. */
  readonly boxSeed: Uint8Array;
  /** The 6-digit code both screens show. */
  readonly code: string;
}

function expand(prk: Uint8Array, name: string, length: number): Uint8Array {
  return hkdfSha256(prk, new Uint8Array(0), concat(utf8(LABEL.link), new Uint8Array([0]), utf8(name)), length);
}

/** Everything the link needs from `ss = X25519(e, N)` and the two public keys. */
export function deriveLinkKeys(shared: Uint8Array, linkPublicKey: Uint8Array, ephemeralPublicKey: Uint8Array): LinkKeys {
  const transcript = concat(linkPublicKey, ephemeralPublicKey);
  const prk = hkdfSha256(shared, transcript, utf8(LABEL.link), 32);
  const codeBytes = expand(prk, 'code', 4);
  const code = String(new Reader(codeBytes).u32() % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, '0');
  return {
    transcript, prk, code,
    existingToNew: expand(prk, 'e2n', 32), newToExisting: expand(prk, 'n2e', 32), boxSeed: expand(prk, 'box', 32),
  };
}

/** A relay mailbox address: H("sotto/v2/link-box", parts). */
export function linkBox(...parts: Uint8Array[]): Uint8Array {
  return labeledHash('linkBox', ...parts);
}

/** The new device's mailbox (the offer and everything after it from the existing device). */
export function newDeviceBox(linkPublicKey: Uint8Array): Uint8Array {
  return linkBox(linkPublicKey);
}

/** The existing device's mailbox (the accept). */
export function existingDeviceBox(keys: LinkKeys): Uint8Array {
  return linkBox(keys.boxSeed, utf8('n2e'));
}

/** The psk of the new device's entry in the rotation its device add commits, per room. */
export function deviceSecret(prk: Uint8Array, roomId: Uint8Array): Uint8Array {
  return hkdfSha256(prk, roomId, utf8(LABEL.deviceSecret), 32);
}

function nonceFor(index: number): Uint8Array {
  return new Writer(SIZE.nonce).u64(index).fixed(new Uint8Array(16), 16).finish();
}

function adFor(transcript: Uint8Array, direction: number, index: number): Uint8Array {
  return labeled('link', transcript, new Writer(5).u8(direction).u32(index).finish());
}

/** One side's channel: seals what it sends, opens what it receives, each exactly once and in order. */
export class LinkChannel {
  readonly #keys: LinkKeys;
  readonly #side: LinkSide;
  #sent = 0;
  /** Hash of each post opened, by index: a post served again is a duplicate, another one at that index is BAD_LINK. */
  readonly #opened: Uint8Array[] = [];

  constructor(keys: LinkKeys, side: LinkSide) {
    this.#keys = keys;
    this.#side = side;
  }

  get code(): string {
    return this.#keys.code;
  }

  /** `u32 index ‖ AEAD(key of our direction, index, message)`. */
  seal(message: LinkMessage): Uint8Array {
    const direction = DIRECTION[this.#side];
    const key = this.#side === 'existing' ? this.#keys.existingToNew : this.#keys.newToExisting;
    const index = this.#sent++;
    const sealed = xchachaSeal(key, nonceFor(index), encodeLinkMessage(message), adFor(this.#keys.transcript, direction, index));
    return new Writer(4 + sealed.length).u32(index).raw(sealed).finish();
  }

  /**
   * The next message from the other side, or undefined for a post already opened (a mailbox served
   * again after a reconnect). Anything else — a post that does not open, one out of order, a
   * different post at an index already opened — is BAD_LINK, and nothing of it is used.
   */
  open(post: Uint8Array): LinkMessage | undefined {
    const r = new Reader(post);
    const index = r.u32('link index');
    const held = this.#opened[index];
    if (held !== undefined) {
      if (bytesEqual(held, sha256(post))) return undefined;
      throw new SottoError('BAD_LINK', `a different link message at ${index}`);
    }
    if (index !== this.#opened.length) throw new SottoError('BAD_LINK', `link message ${index}, expected ${this.#opened.length}`);
    const direction = DIRECTION[this.#side === 'existing' ? 'new' : 'existing'];
    const key = this.#side === 'existing' ? this.#keys.newToExisting : this.#keys.existingToNew;
    let plain: Uint8Array;
    try {
      plain = xchachaOpen(key, nonceFor(index), post.subarray(4), adFor(this.#keys.transcript, direction, index));
    } catch {
      throw new SottoError('BAD_LINK', `link message ${index} does not open`);
    }
    const message = decodeLinkMessage(plain);
    this.#opened.push(sha256(post));
    return message;
  }

  /** Ends the link: its keys are zeroed, nothing more seals or opens. */
  wipe(): void {
    for (const k of [this.#keys.prk, this.#keys.existingToNew, this.#keys.newToExisting, this.#keys.boxSeed]) k.fill(0);
  }
}
