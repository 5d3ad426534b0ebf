// Frames: what travels inside the Noise transport. Client frames are requests carrying a request id
// (`rid`) that the relay echoes in `ok`/`error`/`inviteInfo`/`syncDone`; relay pushes carry none.
// Decoding validates every nested record's syntax, so handlers only ever see well-formed objects.
import { SottoError } from '../errors.js';
import { utf8 } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { CLIENT_FRAME, LIMIT, OLDER_WIRE_VERSIONS, RELAY_FRAME, SIZE, WIRE_VERSION } from './types.js';
import { decodeMemberEvent, type MemberEvent } from './membership.js';
import { decodeInvite, type Invite } from './invite.js';
import { decodeJoinConfirm, decodeJoinRequest, decodeWelcome, type JoinConfirm, type JoinRequest, type Welcome } from './join.js';
import { decodeRotation, type Rotation } from './rotation.js';
import { decodeMessage, type MessageRecord } from './message.js';
import { decodeCheckpoint, type Checkpoint } from './checkpoint.js';
import { readTombstone, TOMBSTONE_BYTES, type Tombstone } from './tombstone.js';

export const AUTH_ROLE = { member: 0, joiner: 1 } as const;
export type AuthRole = keyof typeof AUTH_ROLE;

export type ClientFrame =
  | { type: 'auth'; rid: number; roomId: Uint8Array; role: AuthRole; publicKey: Uint8Array; signature: Uint8Array }
  /** `roomToken`: an operator's room-creation token (text), for a relay that requires one (V-116). */
  | { type: 'createRoom'; rid: number; genesis: MemberEvent; roomToken?: string }
  | { type: 'registerInvite'; rid: number; invite: Invite }
  | { type: 'getInvite'; rid: number; roomId: Uint8Array; invitePublicKey: Uint8Array }
  | { type: 'joinRequest'; rid: number; request: JoinRequest }
  | { type: 'joinConfirm'; rid: number; confirm: JoinConfirm }
  /** An add carries its rotation and the joiner's welcome; a removal its rotation (§8). */
  | { type: 'appendEvent'; rid: number; event: MemberEvent; rotation: Rotation | undefined; welcome: Welcome | undefined }
  | { type: 'rotate'; rid: number; rotation: Rotation }
  | { type: 'send'; rid: number; message: MessageRecord }
  | { type: 'sync'; rid: number; roomId: Uint8Array; logFrom: number; epochFrom: number; seqFrom: number; limit: number }
  | { type: 'ping'; rid: number }
  | { type: 'checkpoint'; rid: number; checkpoint: Checkpoint }
  /** One encrypted chunk of an attachment, in order; `last` closes the upload (§9.2). */
  | { type: 'attachPut'; rid: number; roomId: Uint8Array; attachmentId: Uint8Array; index: number; last: boolean; chunk: Uint8Array }
  | { type: 'attachGet'; rid: number; roomId: Uint8Array; attachmentId: Uint8Array; index: number }
  /** Device links (§8.7.1): hear a mailbox, post to one, stop hearing one. `box` is a hash; `data` is sealed end to end. */
  | { type: 'linkListen'; rid: number; box: Uint8Array }
  | { type: 'linkPost'; rid: number; box: Uint8Array; data: Uint8Array }
  | { type: 'linkUnlisten'; rid: number; box: Uint8Array }
  /** The author's tombstone for its deleted message, and that message's attachment id (zeros: none) (§9.1.1). */
  | { type: 'drop'; rid: number; tombstone: Tombstone; attachmentId: Uint8Array };

export type RelayFrame =
  | { type: 'ok'; rid: number; value: number }
  | { type: 'error'; rid: number; code: number; text: string }
  /** The latest checkpoint, if any, and the events after it (from the genesis without one): §8.4. */
  | { type: 'inviteInfo'; rid: number; invite: Invite; checkpoint: Checkpoint | undefined; events: MemberEvent[] }
  | { type: 'deliver'; roomId: Uint8Array; seq: number; message: MessageRecord }
  | { type: 'event'; roomId: Uint8Array; event: MemberEvent }
  | { type: 'rotation'; roomId: Uint8Array; rotation: Rotation }
  | { type: 'joinPending'; roomId: Uint8Array; request: JoinRequest }
  | { type: 'welcomeReady'; roomId: Uint8Array; welcome: Welcome }
  | { type: 'syncDone'; rid: number; roomId: Uint8Array; logLength: number; epoch: number; lastSeq: number; more: boolean }
  | { type: 'pong'; rid: number }
  /** The answer to attachGet: the chunk at `index`, `last` on the attachment's final one. */
  | { type: 'attachChunk'; rid: number; index: number; last: boolean; chunk: Uint8Array }
  | { type: 'linkData'; box: Uint8Array; data: Uint8Array }
  /**
   * Whether the relay hears its other processes (Redis, §10.3): false while members on other
   * processes may see this connection's messages late (they are stored); pushed on every change.
   */
  | { type: 'busStatus'; reachable: boolean }
  /** Served by sync in place of a deleted message (§9.1.1); `roomId` is the tombstone's. */
  | { type: 'dropped'; roomId: Uint8Array; tombstone: Tombstone };

/** Version and type, the first two bytes of every frame. */
const FRAME_HEADER_BYTES = 2;

function start(tag: number, capacity: number): Writer {
  return new Writer(capacity).u8(WIRE_VERSION).u8(tag);
}

export function encodeClientFrame(f: ClientFrame): Uint8Array {
  switch (f.type) {
    case 'auth':
      return start(CLIENT_FRAME.auth, 128).u32(f.rid).fixed(f.roomId, SIZE.roomId).u8(AUTH_ROLE[f.role])
        .fixed(f.publicKey, SIZE.publicKey).fixed(f.signature, SIZE.signature).finish();
    case 'createRoom': {
      const w = start(CLIENT_FRAME.createRoom, 256).u32(f.rid).var32(f.genesis.bytes);
      // Optional and last: a frame without it is byte for byte protocol 2's original createRoom.
      return (f.roomToken === undefined ? w : w.str16(f.roomToken)).finish();
    }
    case 'registerInvite':
      return start(CLIENT_FRAME.registerInvite, 256).u32(f.rid).var32(f.invite.bytes).finish();
    case 'getInvite':
      return start(CLIENT_FRAME.getInvite, 64).u32(f.rid).fixed(f.roomId, SIZE.roomId).fixed(f.invitePublicKey, SIZE.publicKey).finish();
    case 'joinRequest':
      return start(CLIENT_FRAME.joinRequest, 512).u32(f.rid).var32(f.request.bytes).finish();
    case 'joinConfirm':
      return start(CLIENT_FRAME.joinConfirm, 512).u32(f.rid).var32(f.confirm.bytes).finish();
    case 'appendEvent': {
      const w = start(CLIENT_FRAME.appendEvent, 512 + (f.rotation?.bytes.length ?? 0) + (f.welcome?.bytes.length ?? 0));
      w.u32(f.rid).var32(f.event.bytes);
      for (const nested of [f.rotation, f.welcome]) {
        if (nested === undefined) w.u8(0);
        else w.u8(1).var32(nested.bytes);
      }
      return w.finish();
    }
    case 'rotate':
      return start(CLIENT_FRAME.rotate, 64 + f.rotation.bytes.length).u32(f.rid).var32(f.rotation.bytes).finish();
    case 'send':
      return start(CLIENT_FRAME.send, 16 + f.message.bytes.length).u32(f.rid).var32(f.message.bytes).finish();
    case 'sync':
      return start(CLIENT_FRAME.sync, 64).u32(f.rid).fixed(f.roomId, SIZE.roomId).u32(f.logFrom).u32(f.epochFrom)
        .u64(f.seqFrom).u16(f.limit).finish();
    case 'ping':
      return start(CLIENT_FRAME.ping, 8).u32(f.rid).finish();
    case 'checkpoint':
      return start(CLIENT_FRAME.checkpoint, 16 + f.checkpoint.bytes.length).u32(f.rid).var32(f.checkpoint.bytes).finish();
    case 'attachPut':
      return start(CLIENT_FRAME.attachPut, 64 + f.chunk.length).u32(f.rid).fixed(f.roomId, SIZE.roomId).fixed(f.attachmentId, SIZE.attachmentId)
        .u32(f.index).u8(f.last ? 1 : 0).var32(f.chunk).finish();
    case 'attachGet':
      return start(CLIENT_FRAME.attachGet, 64).u32(f.rid).fixed(f.roomId, SIZE.roomId).fixed(f.attachmentId, SIZE.attachmentId).u32(f.index).finish();
    case 'linkListen':
      return start(CLIENT_FRAME.linkListen, 48).u32(f.rid).fixed(f.box, SIZE.hash).finish();
    case 'linkPost':
      return start(CLIENT_FRAME.linkPost, 48 + f.data.length).u32(f.rid).fixed(f.box, SIZE.hash).var32(f.data).finish();
    case 'linkUnlisten':
      return start(CLIENT_FRAME.linkUnlisten, 48).u32(f.rid).fixed(f.box, SIZE.hash).finish();
    case 'drop':
      return start(CLIENT_FRAME.drop, FRAME_HEADER_BYTES + 4 + TOMBSTONE_BYTES + SIZE.attachmentId).u32(f.rid).fixed(f.tombstone.bytes, TOMBSTONE_BYTES)
        .fixed(f.attachmentId, SIZE.attachmentId).finish();
  }
}

export function encodeRelayFrame(f: RelayFrame): Uint8Array {
  switch (f.type) {
    case 'ok':
      // Exact capacities on the hot path: finish() then hands over the buffer instead of a copy.
      return start(RELAY_FRAME.ok, FRAME_HEADER_BYTES + 4 + 8).u32(f.rid).u64(f.value).finish();
    case 'error':
      return start(RELAY_FRAME.error, 64).u32(f.rid).u16(f.code).str16(truncateText(f.text)).finish();
    case 'inviteInfo': {
      const w = start(RELAY_FRAME.inviteInfo, 512 + (f.checkpoint?.bytes.length ?? 0) + f.events.length * 300).u32(f.rid).var32(f.invite.bytes);
      if (f.checkpoint === undefined) w.u8(0);
      else w.u8(1).var32(f.checkpoint.bytes);
      w.u32(f.events.length);
      for (const e of f.events) w.var32(e.bytes);
      return w.finish();
    }
    case 'deliver':
      return encodeDeliver(f.roomId, f.seq, f.message.bytes);
    case 'event':
      return start(RELAY_FRAME.event, 300).fixed(f.roomId, SIZE.roomId).var32(f.event.bytes).finish();
    case 'rotation':
      return start(RELAY_FRAME.rotation, 64 + f.rotation.bytes.length).fixed(f.roomId, SIZE.roomId).var32(f.rotation.bytes).finish();
    case 'joinPending':
      return start(RELAY_FRAME.joinPending, 512).fixed(f.roomId, SIZE.roomId).var32(f.request.bytes).finish();
    case 'welcomeReady':
      return start(RELAY_FRAME.welcomeReady, 64 + f.welcome.bytes.length).fixed(f.roomId, SIZE.roomId).var32(f.welcome.bytes).finish();
    case 'syncDone':
      return start(RELAY_FRAME.syncDone, 64).u32(f.rid).fixed(f.roomId, SIZE.roomId).u32(f.logLength).u32(f.epoch)
        .u64(f.lastSeq).u8(f.more ? 1 : 0).finish();
    case 'pong':
      return start(RELAY_FRAME.pong, 8).u32(f.rid).finish();
    case 'attachChunk':
      return start(RELAY_FRAME.attachChunk, 16 + f.chunk.length).u32(f.rid).u32(f.index).u8(f.last ? 1 : 0).var32(f.chunk).finish();
    case 'linkData':
      return start(RELAY_FRAME.linkData, 48 + f.data.length).fixed(f.box, SIZE.hash).var32(f.data).finish();
    case 'busStatus':
      return start(RELAY_FRAME.busStatus, FRAME_HEADER_BYTES + 1).u8(f.reachable ? 1 : 0).finish();
    case 'dropped':
      return encodeDropped(f.tombstone.bytes);
  }
}

/** The relay's hot path: a stored message record framed for delivery without decoding it again. */
export function encodeDeliver(roomId: Uint8Array, seq: number, messageBytes: Uint8Array): Uint8Array {
  return start(RELAY_FRAME.deliver, FRAME_HEADER_BYTES + SIZE.roomId + 8 + 4 + messageBytes.length)
    .fixed(roomId, SIZE.roomId).u64(seq).var32(messageBytes).finish();
}

/** A stored tombstone framed for a sync, as encodeDeliver frames a stored message. */
export function encodeDropped(tombstoneBytes: Uint8Array): Uint8Array {
  return start(RELAY_FRAME.dropped, FRAME_HEADER_BYTES + TOMBSTONE_BYTES).fixed(tombstoneBytes, TOMBSTONE_BYTES).finish();
}

/** At most 200 code points and LIMIT.errorText UTF-8 bytes (what the decoder accepts), cut between code points. */
function truncateText(text: string): string {
  const points = [...text];
  if (points.length <= 200 && utf8(text).length <= LIMIT.errorText) return text;
  let out = '';
  let size = 0;
  for (const point of points.slice(0, 197)) {
    const n = utf8(point).length;
    if (size + n > LIMIT.errorText - 3) break;
    out += point;
    size += n;
  }
  return `${out}...`;
}

function readFrameHeader(r: Reader): number {
  const version = r.u8('version');
  if (version !== WIRE_VERSION) {
    const older = OLDER_WIRE_VERSIONS.includes(version);
    throw new SottoError('BAD_VERSION', older
      ? `protocol ${version} frame: this side speaks protocol ${WIRE_VERSION}; reload the page or update the client`
      : `frame version ${version}`);
  }
  return r.u8('type');
}

export function decodeClientFrame(bytes: Uint8Array): ClientFrame {
  const r = new Reader(bytes);
  const tag = readFrameHeader(r);
  let frame: ClientFrame;
  switch (tag) {
    case CLIENT_FRAME.auth: {
      const rid = r.u32('rid');
      const roomId = r.fixed(SIZE.roomId, 'roomId');
      const roleCode = r.u8('role');
      const role: AuthRole | undefined = roleCode === 0 ? 'member' : roleCode === 1 ? 'joiner' : undefined;
      if (role === undefined) throw new SottoError('BAD_VALUE', 'auth role');
      frame = { type: 'auth', rid, roomId, role, publicKey: r.fixed(SIZE.publicKey, 'publicKey'), signature: r.fixed(SIZE.signature, 'signature') };
      break;
    }
    case CLIENT_FRAME.createRoom: {
      const rid = r.u32('rid');
      const genesis = decodeMemberEvent(record(r, 'genesis'));
      frame = r.remaining === 0 ? { type: 'createRoom', rid, genesis } : { type: 'createRoom', rid, genesis, roomToken: r.str16(LIMIT.roomToken, 'roomToken') };
      break;
    }
      break;
    case CLIENT_FRAME.registerInvite:
      frame = { type: 'registerInvite', rid: r.u32('rid'), invite: decodeInvite(record(r, 'invite')) };
      break;
    case CLIENT_FRAME.getInvite:
      frame = { type: 'getInvite', rid: r.u32('rid'), roomId: r.fixed(SIZE.roomId, 'roomId'), invitePublicKey: r.fixed(SIZE.publicKey, 'invitePublicKey') };
      break;
    case CLIENT_FRAME.joinRequest:
      frame = { type: 'joinRequest', rid: r.u32('rid'), request: decodeJoinRequest(record(r, 'join request')) };
      break;
    case CLIENT_FRAME.joinConfirm:
      frame = { type: 'joinConfirm', rid: r.u32('rid'), confirm: decodeJoinConfirm(record(r, 'join confirm')) };
      break;
    case CLIENT_FRAME.appendEvent: {
      const rid = r.u32('rid');
      const event = decodeMemberEvent(record(r, 'event'));
      const rotation = flag(r, 'rotation flag') ? decodeRotation(record(r, 'rotation')) : undefined;
      const welcome = flag(r, 'welcome flag') ? decodeWelcome(record(r, 'welcome')) : undefined;
      frame = { type: 'appendEvent', rid, event, rotation, welcome };
      break;
    }
    case CLIENT_FRAME.rotate:
      frame = { type: 'rotate', rid: r.u32('rid'), rotation: decodeRotation(record(r, 'rotation')) };
      break;
    case CLIENT_FRAME.send:
      frame = { type: 'send', rid: r.u32('rid'), message: decodeMessage(record(r, 'message')) };
      break;
    case CLIENT_FRAME.sync: {
      const rid = r.u32('rid');
      const roomId = r.fixed(SIZE.roomId, 'roomId');
      const logFrom = r.u32('logFrom');
      const epochFrom = r.u32('epochFrom');
      const seqFrom = r.u64('seqFrom');
      const limit = r.u16('limit');
      if (limit < 1 || limit > LIMIT.syncPage) throw new SottoError('BAD_VALUE', `sync limit must be 1..${LIMIT.syncPage}`);
      frame = { type: 'sync', rid, roomId, logFrom, epochFrom, seqFrom, limit };
      break;
    }
    case CLIENT_FRAME.ping:
      frame = { type: 'ping', rid: r.u32('rid') };
      break;
    case CLIENT_FRAME.checkpoint:
      frame = { type: 'checkpoint', rid: r.u32('rid'), checkpoint: decodeCheckpoint(record(r, 'checkpoint')) };
      break;
    case CLIENT_FRAME.attachPut: {
      const rid = r.u32('rid');
      const roomId = r.fixed(SIZE.roomId, 'roomId');
      const attachmentId = r.fixed(SIZE.attachmentId, 'attachmentId');
      const index = chunkIndex(r);
      const last = flag(r, 'last flag');
      frame = { type: 'attachPut', rid, roomId, attachmentId, index, last, chunk: chunk(r) };
      break;
    }
    case CLIENT_FRAME.attachGet:
      frame = { type: 'attachGet', rid: r.u32('rid'), roomId: r.fixed(SIZE.roomId, 'roomId'), attachmentId: r.fixed(SIZE.attachmentId, 'attachmentId'), index: chunkIndex(r) };
      break;
    case CLIENT_FRAME.linkListen:
      frame = { type: 'linkListen', rid: r.u32('rid'), box: r.fixed(SIZE.hash, 'box') };
      break;
    case CLIENT_FRAME.linkPost:
      frame = { type: 'linkPost', rid: r.u32('rid'), box: r.fixed(SIZE.hash, 'box'), data: r.var32(LIMIT.linkPost, 'link post') };
      break;
    case CLIENT_FRAME.linkUnlisten:
      frame = { type: 'linkUnlisten', rid: r.u32('rid'), box: r.fixed(SIZE.hash, 'box') };
      break;
    case CLIENT_FRAME.drop:
      frame = { type: 'drop', rid: r.u32('rid'), tombstone: readTombstone(r), attachmentId: r.fixed(SIZE.attachmentId, 'attachmentId') };
      break;
    default:
      throw new SottoError('UNKNOWN_TYPE', `client frame 0x${tag.toString(16)}`);
  }
  r.end('client frame');
  return frame;
}

export function decodeRelayFrame(bytes: Uint8Array): RelayFrame {
  const r = new Reader(bytes);
  const tag = readFrameHeader(r);
  let frame: RelayFrame;
  switch (tag) {
    case RELAY_FRAME.ok:
      frame = { type: 'ok', rid: r.u32('rid'), value: r.u64('value') };
      break;
    case RELAY_FRAME.error:
      frame = { type: 'error', rid: r.u32('rid'), code: r.u16('code'), text: r.str16(LIMIT.errorText, 'error text') };
      break;
    case RELAY_FRAME.inviteInfo: {
      const rid = r.u32('rid');
      const invite = decodeInvite(record(r, 'invite'));
      const checkpoint = flag(r, 'checkpoint flag') ? decodeCheckpoint(record(r, 'checkpoint')) : undefined;
      const count = r.u32('event count');
      if (count > LIMIT.listItems) throw new SottoError('FIELD_TOO_LARGE', 'invite info events');
      const events: MemberEvent[] = [];
      for (let i = 0; i < count; i++) events.push(decodeMemberEvent(record(r, 'event')));
      frame = { type: 'inviteInfo', rid, invite, checkpoint, events };
      break;
    }
    case RELAY_FRAME.deliver:
      frame = { type: 'deliver', roomId: r.fixed(SIZE.roomId, 'roomId'), seq: r.u64('seq'), message: decodeMessage(record(r, 'message')) };
      break;
    case RELAY_FRAME.event:
      frame = { type: 'event', roomId: r.fixed(SIZE.roomId, 'roomId'), event: decodeMemberEvent(record(r, 'event')) };
      break;
    case RELAY_FRAME.rotation:
      frame = { type: 'rotation', roomId: r.fixed(SIZE.roomId, 'roomId'), rotation: decodeRotation(record(r, 'rotation')) };
      break;
    case RELAY_FRAME.joinPending:
      frame = { type: 'joinPending', roomId: r.fixed(SIZE.roomId, 'roomId'), request: decodeJoinRequest(record(r, 'join request')) };
      break;
    case RELAY_FRAME.welcomeReady:
      frame = { type: 'welcomeReady', roomId: r.fixed(SIZE.roomId, 'roomId'), welcome: decodeWelcome(record(r, 'welcome')) };
      break;
    case RELAY_FRAME.syncDone: {
      const rid = r.u32('rid');
      const roomId = r.fixed(SIZE.roomId, 'roomId');
      const logLength = r.u32('logLength');
      const epoch = r.u32('epoch');
      const lastSeq = r.u64('lastSeq');
      const more = flag(r, 'more flag');
      frame = { type: 'syncDone', rid, roomId, logLength, epoch, lastSeq, more };
      break;
    }
    case RELAY_FRAME.pong:
      frame = { type: 'pong', rid: r.u32('rid') };
      break;
    case RELAY_FRAME.attachChunk: {
      const rid = r.u32('rid');
      const index = chunkIndex(r);
      const last = flag(r, 'last flag');
      frame = { type: 'attachChunk', rid, index, last, chunk: chunk(r) };
      break;
    }
    case RELAY_FRAME.linkData:
      frame = { type: 'linkData', box: r.fixed(SIZE.hash, 'box'), data: r.var32(LIMIT.linkPost, 'link post') };
      break;
    case RELAY_FRAME.busStatus:
      // V-160: one flag byte, nothing else.
      frame = { type: 'busStatus', reachable: flag(r, 'reachable flag') };
      break;
    case RELAY_FRAME.dropped: {
      const tombstone = readTombstone(r);
      frame = { type: 'dropped', roomId: tombstone.roomId, tombstone };
      break;
    }
    default:
      throw new SottoError('UNKNOWN_TYPE', `relay frame 0x${tag.toString(16)}`);
  }
  r.end('relay frame');
  return frame;
}

function record(r: Reader, what: string): Uint8Array {
  return r.var32(LIMIT.record, what);
}

/** An attachment chunk's position: below LIMIT.attachmentChunks (V-136). */
function chunkIndex(r: Reader): number {
  const index = r.u32('chunk index');
  if (index >= LIMIT.attachmentChunks) throw new SottoError('BAD_VALUE', `chunk index must be below ${LIMIT.attachmentChunks}`);
  return index;
}

/** An attachment chunk: 1..LIMIT.attachmentChunk bytes; an empty one is BAD_VALUE (V-136). */
function chunk(r: Reader): Uint8Array {
  const bytes = r.var32(LIMIT.attachmentChunk, 'attachment chunk');
  if (bytes.length === 0) throw new SottoError('BAD_VALUE', 'empty attachment chunk');
  return bytes;
}

/** A u8 that is 0 or 1; anything else is BAD_VALUE (V-09). */
function flag(r: Reader, what: string): boolean {
  const value = r.u8(what);
  if (value > 1) throw new SottoError('BAD_VALUE', what);
  return value === 1;
}
