// What a malicious relay (alone, or with a colluding member's keys) can make: altered copies of
// genuine records, records signed by the wrong key, and frames that nest one record type as another.
import { xchachaSeal } from '../../../protocol/crypto/aead.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { signRecord } from '../../../protocol/crypto/signing.js';
import type { SigningKey } from '../../../protocol/crypto/suite.js';
import { Writer } from '../../../protocol/wire/codec.js';
import { encodeContent, type Content } from '../../../protocol/wire/content.js';
import { currentRoster, type RoomState } from '../../../protocol/client/room-state.js';
import type { RelayFrame } from '../../../protocol/wire/frames.js';
import { decodeInvite, encodeInviteUnsigned, type Invite, type InviteFields } from '../../../protocol/wire/invite.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned, type MessageHeaderFields, type MessageRecord } from '../../../protocol/wire/message.js';
import { RELAY_FRAME, SIZE, WIRE_VERSION } from '../../../protocol/wire/types.js';

/** Byte offsets in records (docs/protocol.md §5.1). */
export const MESSAGE_OFFSET = { counter: 54, index: 58, nonce: 170, ciphertext: 198 } as const;
export const JOIN_REQUEST_OFFSET = { joinerEnc: 82 } as const;
export const WELCOME_OFFSET = { ciphertext: 142 } as const;

/** A copy of `bytes` with `part` written over it at `offset`. */
export function overwrite(bytes: Uint8Array, offset: number, part: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy.set(part, offset);
  return copy;
}

/** A copy of `bytes` with one bit flipped at `offset`. */
export function flipBit(bytes: Uint8Array, offset: number): Uint8Array {
  const copy = bytes.slice();
  copy[offset]! ^= 1;
  return copy;
}

export function deliver(roomId: Uint8Array, seq: number, message: MessageRecord): Extract<RelayFrame, { type: 'deliver' }> {
  return { type: 'deliver', roomId, seq, message };
}

export interface ForgedMessage extends Omit<MessageHeaderFields, 'nonce' | 'logLength' | 'logHash'> {
  /** The log head the forged message claims to have seen; none (length 0) unless a test cares. */
  readonly logLength?: number;
  readonly logHash?: Uint8Array;
  /** Signs the record; need not be the key named as sender. */
  readonly signer: SigningKey;
  /**
   * Encrypts the content. Every member holds every sender's chain of its epochs (chainKeyAt in
   * test/helpers/keystore-reader.ts), so only the signature says who wrote a message.
   */
  readonly key: Uint8Array;
  readonly text: string;
  /** What the record carries; a text message of `text` unless given. */
  readonly content?: Content;
}

/** A message record built from parts, so the sender field, the signer and the key can disagree. */
export async function forgeMessage(m: ForgedMessage): Promise<MessageRecord> {
  const header = encodeMessageHeader({ logLength: 0, logHash: new Uint8Array(SIZE.hash), ...m, nonce: randomBytes(SIZE.nonce) });
  const nonce = header.subarray(header.length - SIZE.nonce);
  const ciphertext = xchachaSeal(m.key, nonce, encodeContent(m.content ?? { type: 'text', time: Date.now(), text: m.text }), header);
  return decodeMessage(await signRecord(m.signer, 'sigMessage', encodeMessageUnsigned(header, ciphertext)));
}

/**
 * A message of any content as a member's own client would seal it next, from that member's keystore:
 * its next counter after `keys.counter`, chain index `index` with `key`, its log head.
 */
export async function forgeContentMessage(keys: RoomState, index: number, key: Uint8Array, content: Content): Promise<MessageRecord> {
  const roster = currentRoster(keys)!;
  const header = encodeMessageHeader({
    roomId: keys.roomId, epoch: keys.epoch, sender: keys.me.sign.publicKey, counter: keys.counter + 1, index, prevHash: keys.lastHash,
    seenSeq: 0, seenHash: new Uint8Array(SIZE.hash), logLength: roster.length, logHash: roster.headHash, nonce: randomBytes(SIZE.nonce),
  });
  const nonce = header.subarray(header.length - SIZE.nonce);
  const ciphertext = xchachaSeal(key, nonce, encodeContent(content), header);
  return decodeMessage(await signRecord(keys.me.sign, 'sigMessage', encodeMessageUnsigned(header, ciphertext)));
}

/** An invite record with any fields, signed by any key. */
export async function signInvite(signer: SigningKey, fields: InviteFields): Promise<Invite> {
  return decodeInvite(await signRecord(signer, 'sigInvite', encodeInviteUnsigned(fields)));
}

/**
 * A relay frame of type `frame` whose nested record is `record` verbatim, whatever its own type:
 * the relabelling 0fc allowed (chat text served as a key), as raw bytes no encoder would produce.
 */
export function relabelled(frame: 'event' | 'rotation', roomId: Uint8Array, record: Uint8Array): Uint8Array {
  return new Writer(32 + record.length).u8(WIRE_VERSION).u8(RELAY_FRAME[frame]).fixed(roomId, SIZE.roomId).var32(record).finish();
}
