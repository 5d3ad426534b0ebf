// The one type-tag table. Records (0x1_) are signed objects the relay stores and clients verify;
// frames (0x4_ client→relay, 0x8_ relay→client) carry records and requests over the transport.
// A record's own tag is inside the bytes its signature covers, so no type can pass for another.

/** Protocol 2 (docs/protocol.md): every add is a commit, messages commit to the log head. */
export const WIRE_VERSION = 2;

/** Versions a relay still recognises in order to answer them with a clear BAD_VERSION. */
export const OLDER_WIRE_VERSIONS: readonly number[] = [1];

export const RECORD = {
  memberEvent: 0x10,
  invite: 0x11,
  joinRequest: 0x12,
  welcome: 0x13,
  joinConfirm: 0x14,
  rotation: 0x15,
  message: 0x16,
  checkpoint: 0x17,
} as const;

export const CLIENT_FRAME = {
  auth: 0x41,
  createRoom: 0x42,
  registerInvite: 0x43,
  getInvite: 0x44,
  joinRequest: 0x45,
  // 0x46 was protocol 1's separate welcome frame: in protocol 2 the welcome travels with the add.
  joinConfirm: 0x47,
  appendEvent: 0x48,
  rotate: 0x49,
  send: 0x4a,
  sync: 0x4b,
  ping: 0x4c,
  checkpoint: 0x4d,
  attachPut: 0x4e,
  attachGet: 0x4f,
  // Device links (§8.7.1): a blind mailbox, usable before any room binding.
  linkListen: 0x50,
  linkPost: 0x51,
  linkUnlisten: 0x55,
  // A deleted message's ciphertext replaced by its author's tombstone (§9.1.1).
  drop: 0x52,
} as const;

export const RELAY_FRAME = {
  ok: 0x80,
  error: 0x81,
  inviteInfo: 0x82,
  deliver: 0x83,
  event: 0x84,
  rotation: 0x85,
  joinPending: 0x86,
  welcomeReady: 0x87,
  // 0x88 was protocol 1's joinConfirmed: the issuer no longer waits for the joiner.
  syncDone: 0x89,
  pong: 0x8a,
  attachChunk: 0x8b,
  linkData: 0x8c,
  // The relay's link to its other processes (Redis) went down or came back (§10.3).
  busStatus: 0x8e,
  dropped: 0x8d,
} as const;

export type RecordName = keyof typeof RECORD;
export type ClientFrameName = keyof typeof CLIENT_FRAME;
export type RelayFrameName = keyof typeof RELAY_FRAME;

/** Field sizes. Fixed-size fields carry no length prefix. */
export const SIZE = {
  roomId: 16,
  publicKey: 32,
  signature: 64,
  hash: 32,
  nonce: 24,
  secret: 32,
  sealedSecret: 32 + 32 + 16, // ephemeral public key, 32-byte secret, tag
  /** An attachment's id: random, chosen by its uploader (docs/protocol.md §9.2). */
  attachmentId: 16,
} as const;

/** Upper bounds for variable-length fields, checked while decoding (before any crypto). */
export const LIMIT = {
  /** Encrypted message content (padded plaintext + tag). */
  messageCiphertext: 64 * 1024,
  /** Sealed joining key plus slack for the sealed-box header. */
  sealed: 1024,
  /** Welcome ciphertext: epoch key plus the room snapshot (names). */
  welcomeCiphertext: 256 * 1024,
  /** Membership event body (room settings, invite reference). */
  eventBody: 256,
  /** Members named in one rotation. */
  rotationEntries: 10_000,
  /** Events, messages or records in one list field. */
  listItems: 10_000,
  /** A nested record inside a frame. */
  record: 2 * 1024 * 1024,
  /** An operator's room-creation token (relay/room-token.ts makes 43 characters). */
  roomToken: 128,
  /** Human-readable error text. */
  errorText: 512,
  /** Messages a client may ask for in one sync page. */
  syncPage: 1000,
  /** Members one checkpoint lists: a roster is at most as large as a rotation. */
  checkpointMembers: 10_000,
  /** One attachment chunk as the relay stores it: ATTACHMENT_CHUNK plaintext bytes plus the AEAD tag (§9.2). */
  attachmentChunk: 256 * 1024 + 16,
  /** Chunks in one attachment: 2 GiB at most, whatever the relay's own size limit. */
  attachmentChunks: 8192,
  /** One device-link mailbox post (§8.7.1): a link message with its AEAD tag, index and offer key. */
  linkPost: 256 * 1024,
} as const;
