// A device link's bytes (docs/protocol.md §8.7.1): the link a new device shows (its one-time public
// key, never sent to the relay) and the messages the two devices exchange inside the link's AEAD.
// Every field is bounded and read exactly, like any record: the other side may be a stranger.
import { copyBytes, fromBase64Url, toBase64Url } from '../bytes.js';
import { SottoError } from '../errors.js';
import { Reader, Writer } from './codec.js';
import { readHistoryEntry, writeHistoryEntry, type HistoryEntry } from './history-entry.js';
import { LIMIT, SIZE, WIRE_VERSION } from './types.js';

/** Room and display names inside a link, as in the welcome (§5.1). */
const MAX_NAME_BYTES = 256;
/** History text per entry: a message's text limit (§5.1). */
const MAX_TEXT_BYTES = 65216;
/** One link message's plaintext: it travels in one mailbox post (V-146). */
export const MAX_LINK_MESSAGE_BYTES = 256 * 1024 - 64;

export const LINK_KIND = { offer: 0, accept: 1, room: 2, history: 3, done: 4, cancel: 5 } as const;

export interface LinkRoomOffer {
  readonly roomId: Uint8Array;
  readonly name: string;
}

export interface LinkRoomKeys {
  readonly roomId: Uint8Array;
  readonly sign: Uint8Array;
  readonly enc: Uint8Array;
}

/** Where the device add sits, and what the welcome would have said (§8.2), for one room. */
export interface LinkRoom {
  readonly roomId: Uint8Array;
  readonly ownerSign: Uint8Array;
  readonly linkingSign: Uint8Array;
  readonly addIndex: number;
  readonly addHash: Uint8Array;
  readonly epoch: number;
  readonly roomName: string;
  readonly names: readonly { readonly member: Uint8Array; readonly name: string }[];
}

export interface LinkHistory {
  readonly roomId: Uint8Array;
  /** Entries of this room the linking device sends in all: progress on both screens. */
  readonly total: number;
  /** Everything the linking device holds, as history entries (§8.6.1): replies, reactions, edits, deletes and attachments too. */
  readonly entries: readonly HistoryEntry[];
}

export type LinkMessage =
  | { readonly kind: 'offer'; readonly personName: string; readonly rooms: readonly LinkRoomOffer[] }
  | { readonly kind: 'accept'; readonly rooms: readonly LinkRoomKeys[] }
  | { readonly kind: 'room'; readonly room: LinkRoom }
  | { readonly kind: 'history'; readonly history: LinkHistory }
  | { readonly kind: 'done' }
  | { readonly kind: 'cancel' };

export function encodeLinkMessage(m: LinkMessage): Uint8Array {
  const w = new Writer(256).u8(LINK_KIND[m.kind]);
  switch (m.kind) {
    case 'offer':
      w.str16(m.personName).u16(m.rooms.length);
      for (const room of m.rooms) w.fixed(room.roomId, SIZE.roomId).str16(room.name);
      break;
    case 'accept':
      w.u16(m.rooms.length);
      for (const room of m.rooms) w.fixed(room.roomId, SIZE.roomId).fixed(room.sign, SIZE.publicKey).fixed(room.enc, SIZE.publicKey);
      break;
    case 'room': {
      const r = m.room;
      w.fixed(r.roomId, SIZE.roomId).fixed(r.ownerSign, SIZE.publicKey).fixed(r.linkingSign, SIZE.publicKey).u32(r.addIndex)
        .fixed(r.addHash, SIZE.hash).u32(r.epoch).str16(r.roomName).u32(r.names.length);
      for (const n of r.names) w.fixed(n.member, SIZE.publicKey).str16(n.name);
      break;
    }
    case 'history':
      w.fixed(m.history.roomId, SIZE.roomId).u32(m.history.total).u16(m.history.entries.length);
      for (const e of m.history.entries) writeHistoryEntry(w, e);
      break;
    case 'done':
    case 'cancel':
      break;
  }
  const bytes = w.finish();
  if (bytes.length > MAX_LINK_MESSAGE_BYTES) throw new SottoError('FIELD_TOO_LARGE', 'link message');
  return bytes;
}

export function decodeLinkMessage(bytes: Uint8Array): LinkMessage {
  if (bytes.length > MAX_LINK_MESSAGE_BYTES) throw new SottoError('FIELD_TOO_LARGE', 'link message');
  const r = new Reader(bytes);
  const kind = r.u8('link message kind');
  let message: LinkMessage;
  switch (kind) {
    case LINK_KIND.offer: {
      const personName = r.str16(MAX_NAME_BYTES, 'person name');
      const rooms = list(r.u16('room count'), () => ({ roomId: copyBytes(r.fixed(SIZE.roomId, 'roomId')), name: r.str16(MAX_NAME_BYTES, 'room name') }));
      message = { kind: 'offer', personName, rooms };
      break;
    }
    case LINK_KIND.accept: {
      const rooms = list(r.u16('room count'), () => ({
        roomId: copyBytes(r.fixed(SIZE.roomId, 'roomId')), sign: copyBytes(r.fixed(SIZE.publicKey, 'sign')), enc: copyBytes(r.fixed(SIZE.publicKey, 'enc')),
      }));
      message = { kind: 'accept', rooms };
      break;
    }
    case LINK_KIND.room: {
      const roomId = copyBytes(r.fixed(SIZE.roomId, 'roomId'));
      const ownerSign = copyBytes(r.fixed(SIZE.publicKey, 'ownerSign'));
      const linkingSign = copyBytes(r.fixed(SIZE.publicKey, 'linkingSign'));
      const addIndex = r.u32('addIndex');
      const addHash = copyBytes(r.fixed(SIZE.hash, 'addHash'));
      const epoch = r.u32('epoch');
      const roomName = r.str16(MAX_NAME_BYTES, 'room name');
      const names = list(r.u32('name count'), () => ({ member: copyBytes(r.fixed(SIZE.publicKey, 'member')), name: r.str16(MAX_NAME_BYTES, 'name') }));
      message = { kind: 'room', room: { roomId, ownerSign, linkingSign, addIndex, addHash, epoch, roomName, names } };
      break;
    }
    case LINK_KIND.history: {
      const roomId = copyBytes(r.fixed(SIZE.roomId, 'roomId'));
      const total = r.u32('total');
      let last = -1;
      const entries = list(r.u16('entry count'), () => {
        const entry = readHistoryEntry(r, MAX_TEXT_BYTES);
        // Ascending seqs: one history has one encoding, and nothing is brought twice.
        if (entry.seq <= last) throw new SottoError('BAD_VALUE', 'link history seqs must ascend');
        last = entry.seq;
        return entry;
      });
      message = { kind: 'history', history: { roomId, total, entries } };
      break;
    }
    case LINK_KIND.done:
      message = { kind: 'done' };
      break;
    case LINK_KIND.cancel:
      message = { kind: 'cancel' };
      break;
    default:
      throw new SottoError('BAD_VALUE', 'unknown link message kind');
  }
  r.end('link message');
  return message;
}

/** Rooms, names and history entries: at most as many as any list field holds (§5.4). */
function list<T>(count: number, read: () => T): T[] {
  if (count > LIMIT.listItems) throw new SottoError('FIELD_TOO_LARGE', 'link list');
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(read());
  return out;
}

/** The link fragment: `#/link/<base64url(version ‖ N_pub)>`, 33 bytes. */
const LINK_BYTES = 1 + SIZE.publicKey;

export function encodeDeviceLinkPayload(linkPublicKey: Uint8Array): string {
  return toBase64Url(new Writer(LINK_BYTES).u8(WIRE_VERSION).fixed(linkPublicKey, SIZE.publicKey).finish());
}

/** Accepts a full URL, a `#/link/...` fragment or the bare payload; BAD_INVITE_LINK otherwise. */
export function parseDeviceLink(text: string): Uint8Array {
  const trimmed = text.trim();
  const at = trimmed.indexOf('#/link/');
  const payload = at >= 0 ? trimmed.slice(at + '#/link/'.length) : trimmed;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(payload);
  } catch {
    throw new SottoError('BAD_INVITE_LINK', 'device link is not base64url');
  }
  if (bytes.length !== LINK_BYTES || toBase64Url(bytes) !== payload) throw new SottoError('BAD_INVITE_LINK', 'device link has the wrong length');
  if (bytes[0] !== WIRE_VERSION) throw new SottoError('BAD_INVITE_LINK', 'device link of another version');
  return copyBytes(bytes.subarray(1));
}
