// Invite registration record (what the relay keeps) and the invite link payload (what it never sees).
import { SottoError } from '../errors.js';
import { copyBytes, fromBase64Url, toBase64Url } from '../bytes.js';
import { Reader, Writer } from './codec.js';
import { RECORD, SIZE, WIRE_VERSION } from './types.js';
import { readHeader, writeHeader } from './header.js';
import { MAX_NAME_BYTES } from './content.js';

export interface InviteFields {
  readonly roomId: Uint8Array;
  /** Ed25519 key derived from the token T; only its holder can sign a join request. */
  readonly invitePublicKey: Uint8Array;
  /** Owner or admin who issued the invite; its encryption key receives the sealed joining key. */
  readonly issuer: Uint8Array;
  readonly expiresAt: number; // ms since epoch
}

export interface Invite extends InviteFields {
  readonly bytes: Uint8Array;
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

export function encodeInviteUnsigned(f: InviteFields): Uint8Array {
  const w = new Writer(128);
  writeHeader(w, RECORD.invite);
  w.fixed(f.roomId, SIZE.roomId).fixed(f.invitePublicKey, SIZE.publicKey).fixed(f.issuer, SIZE.publicKey).u64(f.expiresAt);
  return w.finish();
}

export function decodeInvite(bytes: Uint8Array): Invite {
  const r = new Reader(bytes);
  readHeader(r, RECORD.invite, 'invite');
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const invitePublicKey = r.fixed(SIZE.publicKey, 'invitePublicKey');
  const issuer = r.fixed(SIZE.publicKey, 'issuer');
  const expiresAt = r.u64('expiresAt');
  const signed = r.span(0);
  const signature = r.fixed(SIZE.signature, 'signature');
  r.end('invite');
  return { bytes, signed, signature, roomId, invitePublicKey, issuer, expiresAt };
}

/**
 * What an invite link may say before joining: the room's name and the inviter's display name, as
 * the inviter wrote them. They are bound to the invite (protocol/client/invite.ts: the token is
 * derived from them), and shown only through safeName like every name from the network.
 */
export interface InviteHints {
  readonly roomName: string;
  readonly inviterName: string;
}

/**
 * What the link fragment carries: `#/join/<base64url(version || roomId || ownerSign || token [|| hints])>`.
 * With hints, `token` here is the link's token field; the invite's token is derived from it and
 * the hints (readInviteLink in protocol/client/invite.ts).
 */
export interface InviteLink {
  readonly roomId: Uint8Array;
  readonly ownerSign: Uint8Array;
  readonly token: Uint8Array;
  readonly hints?: InviteHints | undefined;
}

const LINK_LENGTH = 1 + SIZE.roomId + SIZE.publicKey + SIZE.secret;
/** Each hint's limit, the wire's limit for a name. */
export const MAX_HINT_BYTES = MAX_NAME_BYTES;

/** The hints' bytes: what the token derivation binds, and what the link carries after the token. */
export function encodeInviteHints(hints: InviteHints): Uint8Array {
  return new Writer(64).str16(hints.roomName).str16(hints.inviterName).finish();
}

export function encodeInviteLinkPayload(link: InviteLink): string {
  const w = new Writer(LINK_LENGTH);
  w.u8(WIRE_VERSION).fixed(link.roomId, SIZE.roomId).fixed(link.ownerSign, SIZE.publicKey).fixed(link.token, SIZE.secret);
  if (link.hints !== undefined) w.raw(encodeInviteHints(link.hints));
  return toBase64Url(w.finish());
}

export function decodeInviteLinkPayload(payload: string): InviteLink {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(payload);
  } catch {
    throw new SottoError('BAD_INVITE_LINK', 'not base64url');
  }
  if (bytes.length < LINK_LENGTH) throw new SottoError('BAD_INVITE_LINK', 'wrong length');
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== WIRE_VERSION) {
    throw new SottoError('BAD_INVITE_LINK', version < WIRE_VERSION
      ? 'this invite was made by an older version of Sotto; ask for a new invite' : 'unsupported version');
  }
  const roomId = copyBytes(r.fixed(SIZE.roomId, 'roomId'));
  const ownerSign = copyBytes(r.fixed(SIZE.publicKey, 'ownerSign'));
  const token = copyBytes(r.fixed(SIZE.secret, 'token'));
  if (r.remaining === 0) return { roomId, ownerSign, token };
  try {
    const hints = { roomName: r.str16(MAX_HINT_BYTES, 'roomName'), inviterName: r.str16(MAX_HINT_BYTES, 'inviterName') };
    r.end('invite link');
    return { roomId, ownerSign, token, hints };
  } catch (error) {
    throw new SottoError('BAD_INVITE_LINK', `hints: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Accepts a full URL, a `#/join/...` fragment or the bare payload. */
export function parseInviteLink(text: string): InviteLink {
  const trimmed = text.trim();
  const at = trimmed.indexOf('#/join/');
  return decodeInviteLinkPayload(at >= 0 ? trimmed.slice(at + '#/join/'.length) : trimmed);
}
