// The one table of error codes. Codes are stable wire values (u16) and stable names; the message is
// for people. docs/errors.md lists the same table; a test keeps the two in step.

export const ERRORS = {
  // 1xx — framing and codec (the bytes are not a valid frame)
  BAD_VERSION: { code: 100, message: 'unsupported protocol version' },
  UNKNOWN_TYPE: { code: 101, message: 'unknown frame type' },
  TRUNCATED: { code: 102, message: 'frame ends before a field does' },
  TRAILING_BYTES: { code: 103, message: 'bytes left over after the last field' },
  FIELD_TOO_LARGE: { code: 104, message: 'a field is larger than its limit' },
  FRAME_TOO_LARGE: { code: 105, message: 'frame is larger than the limit' },
  BAD_UTF8: { code: 106, message: 'text field is not valid UTF-8' },
  BAD_VALUE: { code: 107, message: 'a field holds a value outside its range' },
  UNEXPECTED_FRAME: { code: 108, message: 'frame type not allowed in this direction or state' },
  // 2xx — transport (Noise)
  HANDSHAKE_FAILED: { code: 200, message: 'Noise handshake failed' },
  DECRYPT_FAILED: { code: 201, message: 'transport message failed to decrypt' },
  NONCE_EXHAUSTED: { code: 202, message: 'transport nonce space exhausted' },
  // 3xx — crypto objects
  BAD_SIGNATURE: { code: 300, message: 'signature does not verify' },
  BAD_KEY: { code: 301, message: 'public key is invalid' },
  OPEN_FAILED: { code: 302, message: 'sealed data failed to open' },
  // 4xx — access control
  NOT_AUTHENTICATED: { code: 400, message: 'session is not bound to a member of this room' },
  NOT_MEMBER: { code: 401, message: 'key is not a current member of this room' },
  NOT_ADMIN: { code: 402, message: 'only the owner or an admin may do this' },
  NOT_OWNER: { code: 403, message: 'only the owner may do this' },
  SENDER_MISMATCH: { code: 404, message: 'record names a different sender than the session' },
  // 5xx — rooms, invites, joins
  ROOM_EXISTS: { code: 500, message: 'a room with this id already exists' },
  ROOM_NOT_FOUND: { code: 501, message: 'no such room' },
  INVITE_NOT_FOUND: { code: 502, message: 'no such invite' },
  INVITE_EXPIRED: { code: 503, message: 'invite has expired' },
  INVITE_USED: { code: 504, message: 'invite has already been used' },
  INVITE_LOCKED: { code: 505, message: 'too many failed invite proofs; try again later' },
  BAD_INVITE_PROOF: { code: 506, message: 'invite proof does not verify' },
  JOIN_NOT_FOUND: { code: 507, message: 'no such pending join' },
  JOIN_STATE: { code: 508, message: 'join is not in the state this step needs' },
  INVITE_EXISTS: { code: 509, message: 'an invite with this key already exists' },
  // 6xx — membership log, rotation, messages
  BAD_CHAIN: { code: 600, message: 'membership event does not extend the log head' },
  BAD_EVENT: { code: 601, message: 'membership event is not allowed' },
  STALE_EPOCH: { code: 602, message: 'epoch is not the room’s current epoch' },
  BAD_ROTATION: { code: 603, message: 'rotation does not match the room roster' },
  ROOM_MISMATCH: { code: 604, message: 'record belongs to a different room' },
  COUNTER_USED: { code: 605, message: 'sender counter already used by a different message' },
  BAD_CHECKPOINT: { code: 606, message: 'checkpoint does not match the room’s roster' },
  ATTACHMENT_NOT_FOUND: { code: 607, message: 'no such attachment, or it is not complete' },
  ATTACHMENT_STATE: { code: 608, message: 'attachment upload is not in the state this chunk needs' },
  // A delete's drop (§9.1.1): the relay replaces only the author's own stored message by its tombstone.
  MESSAGE_NOT_FOUND: { code: 609, message: 'no stored message at that seq' },
  DROP_MISMATCH: { code: 610, message: 'the tombstone does not describe the stored message or its sender' },
  // 7xx — client-side verification of what the relay served
  GAP: { code: 700, message: 'a message from this sender is missing' },
  REPLAY: { code: 701, message: 'message was already received' },
  FORK: { code: 702, message: 'relay showed diverging histories' },
  UNKNOWN_SENDER: { code: 703, message: 'sender is not a member of the room' },
  KEY_MISSING: { code: 704, message: 'no key for this epoch' },
  TAMPERED: { code: 705, message: 'message failed authentication' },
  ROLLBACK: { code: 706, message: 'relay served an older state than already seen' },
  REFLECTED: { code: 707, message: 'relay returned our own message as someone else’s' },
  BAD_INVITE_LINK: { code: 708, message: 'invite link is malformed' },
  // Marks on one message: what its signed header claims disagrees with what this client holds. The
  // sender's doing or its view (a relay cannot sign for it), so never an alarm about the relay.
  SENDER_CONFLICT: { code: 709, message: 'message conflicts with its sender’s earlier messages' },
  SEEN_DIFFERENT: { code: 710, message: 'sender saw a different message at a seq than this device holds' },
  LOG_DIFFERENT: { code: 711, message: 'sender held a different membership log than this device' },
  // The sender chains' forward secrecy (sender-ratchet.ts): a message key is used once, then deleted.
  KEY_USED: { code: 712, message: 'the key of this message was already used or deleted' },
  INDEX_TOO_FAR: { code: 713, message: 'message index is too far ahead of its sender’s chain' },
  NOT_AUTHOR: { code: 714, message: 'only a message’s sender may edit or delete it' },
  ATTACHMENT_CORRUPT: { code: 715, message: 'attachment failed verification' },
  // A device link (§8.7.1): a message that does not open under the link's keys, out of order, or a
  // second offer on a spent link. Someone other than the two devices wrote it: the link is dropped.
  BAD_LINK: { code: 716, message: 'device link message failed authentication' },
  // The person stopped a device link on one of the two devices; the other learns it over the link.
  LINK_CANCELLED: { code: 721, message: 'the device link was cancelled on one of the two devices' },
  // One link at a time on a device, either end: a second start would cut the first off unsaid.
  LINK_OPEN: { code: 722, message: 'a device link is already going on this device' },
  // 8xx — limits
  RATE_LIMITED: { code: 800, message: 'too many requests; slow down' },
  TOO_MANY_CONNECTIONS: { code: 801, message: 'too many connections from this address' },
  HISTORY_LIMIT: { code: 802, message: 'history limit reached' },
  LOG_TOO_LONG: { code: 803, message: 'membership log too long to send; the owner must make a checkpoint' },
  // Quotas (docs/operations.md "Quotas"): each an operator's option, each refused before anything is stored.
  ROOM_CREATION_LIMITED: { code: 804, message: 'too many rooms created from this address; try again later' },
  ROOM_TOKEN_REQUIRED: { code: 805, message: 'this relay creates rooms only with a token from its operator' },
  BAD_ROOM_TOKEN: { code: 806, message: 'room-creation token is not valid or has expired' },
  ROOM_FULL: { code: 807, message: 'the room has reached the relay’s storage limit' },
  MESSAGE_TOO_LARGE: { code: 808, message: 'message is larger than this relay accepts' },
  TOO_MANY_ROOMS: { code: 809, message: 'this connection is in as many rooms as the relay allows' },
  ATTACHMENT_TOO_LARGE: { code: 810, message: 'attachment is larger than this relay accepts' },
  // 9xx — relay faults
  INTERNAL: { code: 900, message: 'internal relay error' },
  UNAVAILABLE: { code: 901, message: 'relay is shutting down' },
  TIMEOUT: { code: 902, message: 'request timed out' },
  CLOSED: { code: 903, message: 'connection closed' },
  // The relay is up but cannot reach its database: nothing was applied; the same request may be
  // sent again once it is back (a repeated send or join request is answered as the first was).
  STORE_UNAVAILABLE: { code: 904, message: 'the relay cannot reach its storage right now; try again shortly' },
} as const;

export type ErrorName = keyof typeof ERRORS;

const BY_CODE = new Map<number, ErrorName>(
  (Object.keys(ERRORS) as ErrorName[]).map((name) => [ERRORS[name].code, name]),
);

export function errorNameOf(code: number): ErrorName | undefined {
  return BY_CODE.get(code);
}

/** Every failure in Sotto is one of these; `name` is the stable code name, `code` its number. */
export class SottoError extends Error {
  readonly code: number;
  readonly errorName: ErrorName;
  readonly detail: string | undefined;

  constructor(name: ErrorName, detail?: string) {
    super(detail === undefined ? `${name}: ${ERRORS[name].message}` : `${name}: ${ERRORS[name].message} (${detail})`);
    this.name = 'SottoError';
    this.errorName = name;
    this.code = ERRORS[name].code;
    this.detail = detail;
  }
}

export function isSottoError(value: unknown, name?: ErrorName): value is SottoError {
  return value instanceof SottoError && (name === undefined || value.errorName === name);
}
