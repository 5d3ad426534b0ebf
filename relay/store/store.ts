// What the relay keeps, behind one interface so a PostgreSQL store can replace SQLite. Every method
// is one atomic transaction and resolves only after it has committed: the relay acknowledges a
// request only when its effects are durable. Everything stored is an opaque signed record, a public
// key or a number: the relay has no plaintext to store.
import type { SottoError } from '../../protocol/errors.js';
import type { HistorySetting, Role, RoomSettings } from '../../protocol/wire/membership.js';

export interface RoomState {
  readonly roomId: Uint8Array;
  readonly owner: Uint8Array;
  readonly settings: RoomSettings;
  readonly epoch: number;
  readonly logLength: number;
  /** H(member-event, last event): what a rotation must name as its roster. */
  readonly headHash: Uint8Array;
  /** A member left: no sends until an owner or admin rotates. */
  readonly rotationPending: boolean;
  /** Highest message seq assigned so far (0: none). */
  readonly lastSeq: number;
}

export interface MemberRecord {
  readonly sign: Uint8Array;
  readonly enc: Uint8Array;
  readonly role: Role;
  /** Index of the event that admitted the member. */
  readonly addedAt: number;
  /** The epoch current when the member was admitted: its first readable epoch. */
  readonly joinEpoch: number;
}

export interface RoomAndMembers {
  readonly room: RoomState;
  readonly members: readonly MemberRecord[];
}

export interface NewRoom {
  readonly roomId: Uint8Array;
  readonly owner: Uint8Array;
  readonly ownerEnc: Uint8Array;
  readonly settings: RoomSettings;
  readonly genesis: Uint8Array;
  readonly headHash: Uint8Array;
  readonly now: number;
}

export interface NewRotation {
  readonly epoch: number;
  readonly bytes: Uint8Array;
  /** Signing keys of the members the rotation seals the key to. */
  readonly members: readonly Uint8Array[];
}

export type MemberChange =
  /** Also stores `welcome` on the pending join of `invitePublicKey`, which must have none yet. */
  | {
    readonly kind: 'add'; readonly sign: Uint8Array; readonly enc: Uint8Array; readonly role: Role;
    readonly invitePublicKey: Uint8Array; readonly welcome: Uint8Array;
  }
  /** One device, or every device of a person (§8.7). */
  | { readonly kind: 'remove'; readonly signs: readonly Uint8Array[] }
  | { readonly kind: 'role'; readonly signs: readonly Uint8Array[]; readonly role: Role }
  /** A linked device (§8.7): a member row under its person's `addedAt`, readable from the epoch its add starts. */
  | { readonly kind: 'device'; readonly sign: Uint8Array; readonly enc: Uint8Array; readonly role: Role; readonly addedAt: number }
  | { readonly kind: 'history'; readonly history: HistorySetting }
  /** A member's key update (§8.5): its row, role and history kept under the new keys. */
  | { readonly kind: 'update'; readonly sign: Uint8Array; readonly newSign: Uint8Array; readonly newEnc: Uint8Array };

export interface EventAppend {
  readonly roomId: Uint8Array;
  /** Compare-and-set: the log length the event was checked against (BAD_CHAIN if it moved). */
  readonly expectedLength: number;
  readonly event: Uint8Array;
  readonly headHash: Uint8Array;
  readonly change: MemberChange;
  /** Applied in the same transaction; its epoch must be the current one plus one (STALE_EPOCH). */
  readonly rotation?: NewRotation;
  /** Set when the change leaves members holding a key they should no longer have. */
  readonly markRotationPending?: boolean;
}

/** An owner's signed roster at a log position (docs/protocol.md §8.4), kept as its exact bytes. */
export interface StoredCheckpoint {
  readonly logLength: number;
  readonly bytes: Uint8Array;
}

export interface NewInvite {
  readonly roomId: Uint8Array;
  readonly invitePublicKey: Uint8Array;
  readonly issuer: Uint8Array;
  readonly expiresAt: number;
  readonly bytes: Uint8Array;
}

export interface InviteState {
  readonly bytes: Uint8Array;
  readonly issuer: Uint8Array;
  readonly expiresAt: number;
  /** Joiner signing key of the request that claimed the invite. */
  readonly claimedBy: Uint8Array | undefined;
  /** Proofs are refused until this time (ms) after too many failures. */
  readonly lockedUntil: number;
}

export interface LockoutPolicy {
  readonly now: number;
  readonly maxFailures: number;
  readonly lockoutMs: number;
}

export interface NewJoin {
  readonly roomId: Uint8Array;
  readonly invitePublicKey: Uint8Array;
  readonly joinerSign: Uint8Array;
  readonly joinerEnc: Uint8Array;
  readonly request: Uint8Array;
  readonly now: number;
}

export interface PendingJoin {
  readonly invitePublicKey: Uint8Array;
  readonly issuer: Uint8Array;
  readonly joinerSign: Uint8Array;
  readonly joinerEnc: Uint8Array;
  readonly request: Uint8Array;
  readonly welcome: Uint8Array | undefined;
  readonly confirm: Uint8Array | undefined;
}

export interface StoredMessage {
  readonly seq: number;
  /** The message record, or once its author deleted it and dropped it, its tombstone. */
  readonly bytes: Uint8Array;
  readonly dropped: boolean;
}

/** A deleted message's ciphertext replaced by its author's tombstone (docs/protocol.md §9.1.1, V-153). */
export interface MessageDrop {
  readonly roomId: Uint8Array;
  /** The key the session is bound as: it must be the stored message's sender. */
  readonly sender: Uint8Array;
  /** The tombstone's bytes (protocol/wire/tombstone.ts), whose signature the relay checked. */
  readonly tombstone: Uint8Array;
  /** The deleted message's attachment: its chunks go too if `sender` uploaded them. */
  readonly attachmentId: Uint8Array | undefined;
}

export interface NewMessage {
  readonly roomId: Uint8Array;
  readonly epoch: number;
  readonly sender: Uint8Array;
  readonly counter: number;
  readonly bytes: Uint8Array;
  readonly now: number;
  /**
   * The oldest epoch taken besides the current one: on a relay restored from a backup, the epoch
   * the room was at then, so a message the backup lost comes back after its rotation did (V-102).
   */
  readonly oldestEpoch?: number;
}

export interface AppendedMessage {
  readonly seq: number;
  readonly duplicate: boolean;
}

/** One message's fate in appendMessages: its seq, or the refusal that left no trace of it. */
export type AppendOutcome = ({ readonly ok: true } & AppendedMessage) | { readonly ok: false; readonly error: SottoError };

/** One encrypted attachment chunk to keep (docs/protocol.md §9.2, V-136, V-137). */
export interface NewChunk {
  readonly roomId: Uint8Array;
  readonly attachmentId: Uint8Array;
  /** The member's signing key: only it may add chunks to the attachment it started. */
  readonly uploader: Uint8Array;
  readonly index: number;
  readonly last: boolean;
  readonly bytes: Uint8Array;
  readonly now: number;
  /** Largest ciphertext one attachment may reach (ATTACHMENT_TOO_LARGE past it). */
  readonly maxAttachmentBytes: number;
  /** Largest ciphertext all of the room's attachments may reach together (ATTACHMENT_TOO_LARGE past it). */
  readonly maxRoomBytes: number;
}

export interface StoredChunk {
  readonly bytes: Uint8Array;
  readonly last: boolean;
}

/** What a sweep removes: rows older than these times (ms since the Unix epoch). */
export interface PruneCutoffs {
  /** Invites that expired before this go, with the pending joins they hold. */
  readonly invitesExpiredBefore: number;
  /** Pending joins made before this go; their invites stay claimed (an invite admits one joiner). */
  readonly joinsCreatedBefore: number;
  /** Messages stored before this go; undefined keeps them. */
  readonly messagesCreatedBefore: number | undefined;
  /**
   * How long an upload may take, ms. Unfinished attachments started longer ago go; so does an
   * attachment started this long before the room's oldest kept message, or before
   * messagesCreatedBefore: its message, sent once the upload ended, is gone (V-171).
   */
  readonly attachmentUploadMs: number;
  /** Now, ms: unfinished attachments started before now − attachmentUploadMs go. */
  readonly now: number;
}

/** How many rows a sweep removed. */
export interface PruneCounts {
  readonly invites: number;
  readonly joins: number;
  readonly messages: number;
  /** Attachment chunks. */
  readonly chunks: number;
}

export interface Store {
  /** ROOM_EXISTS when the id is taken. */
  createRoom(room: NewRoom): Promise<void>;
  getRoom(roomId: Uint8Array): Promise<RoomState | undefined>;
  /** The room and its current members, read in one transaction so they describe the same log length. */
  getRoomAndMembers(roomId: Uint8Array): Promise<RoomAndMembers | undefined>;
  getMember(roomId: Uint8Array, sign: Uint8Array): Promise<MemberRecord | undefined>;
  /** Event records from index `fromIndex` on, in order, at most `limit` (a page never loads the whole log). */
  getEvents(roomId: Uint8Array, fromIndex: number, limit: number): Promise<Uint8Array[]>;
  /** BAD_CHAIN if the log moved, JOIN_STATE if an add's join is not pending (or already added), STALE_EPOCH if the rotation lost a race. */
  appendEvent(append: EventAppend): Promise<void>;

  /**
   * Keeps `checkpoint` as the room's latest if it is for the current log length (BAD_CHAIN if the
   * log moved since it was checked); one for an older or equal position than the stored one is
   * dropped, so the latest always wins.
   */
  putCheckpoint(roomId: Uint8Array, checkpoint: StoredCheckpoint): Promise<void>;
  /** The room's latest checkpoint, if its owner ever made one. */
  getCheckpoint(roomId: Uint8Array): Promise<StoredCheckpoint | undefined>;

  /** INVITE_EXISTS when the key is taken. */
  putInvite(invite: NewInvite): Promise<void>;
  getInvite(roomId: Uint8Array, invitePublicKey: Uint8Array): Promise<InviteState | undefined>;
  /** Counts a bad proof; reaching the limit locks the invite and starts the count again. */
  recordInviteFailure(roomId: Uint8Array, invitePublicKey: Uint8Array, policy: LockoutPolicy): Promise<void>;
  /** Exactly one claim wins: INVITE_USED for the rest, JOIN_STATE if the joiner key already has a pending join. */
  claimInvite(join: NewJoin): Promise<void>;
  /**
   * Stores the joiner's confirmation of an added join (its welcome is then no longer pushed).
   * JOIN_NOT_FOUND when no join matches; JOIN_STATE before the add, or for a different confirmation.
   */
  confirmJoin(roomId: Uint8Array, invitePublicKey: Uint8Array, joinerSign: Uint8Array, confirm: Uint8Array): Promise<void>;
  getJoin(roomId: Uint8Array, joinerSign: Uint8Array): Promise<PendingJoin | undefined>;
  pendingJoinsForIssuer(roomId: Uint8Array, issuer: Uint8Array): Promise<PendingJoin[]>;

  /** STALE_EPOCH unless the epoch is the current one plus one; BAD_ROTATION if the log moved. */
  addRotation(roomId: Uint8Array, expectedLength: number, rotation: NewRotation): Promise<void>;
  /** Rotations from `fromEpoch` on that seal a key to `member`, in epoch order. */
  getRotations(roomId: Uint8Array, fromEpoch: number, member: Uint8Array): Promise<Uint8Array[]>;

  /**
   * Stores messages in one transaction, in the order given, each with the next seq of its room
   * (gapless per room). A resend of a stored message (same sender and counter, same bytes) gets its
   * existing seq with `duplicate` set, so clients may resend after a lost ack; different bytes under
   * a used counter are COUNTER_USED; STALE_EPOCH if the epoch is not current or a rotation is
   * pending; ROOM_NOT_FOUND. A refused message fails alone and changes nothing; the promise rejects
   * only when the transaction itself fails, and then none is stored.
   *
   * `onStored`, where the store can tell the moments apart (the threaded SQLite store at
   * synchronous=FULL), gets the same outcomes as soon as the messages are committed so that a crash
   * of this process cannot undo them, before they are on disk, and after the answer of every read
   * asked before this call (never after this call's own answer, so possibly not at all); the
   * promise resolves once they are as durable as the store is
   * configured to make them. Elsewhere it is never called. The relay fans out on the first moment it
   * learns of and acknowledges on the second (docs/protocol.md §9). If the promise then rejects (the
   * sync failed), the messages stay stored and a resend gets their seqs.
   */
  appendMessages(messages: readonly NewMessage[], onStored?: (outcomes: AppendOutcome[]) => void): Promise<AppendOutcome[]>;
  /**
   * Replaces the message the tombstone names by the tombstone, and drops its attachment's chunks:
   * MESSAGE_NOT_FOUND if the seq holds nothing (pruned), DROP_MISMATCH unless the tombstone
   * describes the stored record exactly and `sender` sent it; a repeat of a drop is accepted again.
   */
  dropMessage(drop: MessageDrop): Promise<void>;
  /** Messages (or their tombstones) with seq > afterSeq and epoch ≥ minEpoch, in seq order, at most `limit`. */
  getMessages(roomId: Uint8Array, afterSeq: number, minEpoch: number, limit: number): Promise<StoredMessage[]>;

  /**
   * Keeps one chunk of an attachment; resolves with the attachment's stored ciphertext bytes.
   * Chunks come in order from 0, the one marked `last` closes the attachment, only its uploader
   * adds to it; a resend of a stored chunk (same bytes) is accepted again; anything else is
   * ATTACHMENT_STATE. ATTACHMENT_TOO_LARGE past either limit; ROOM_NOT_FOUND.
   */
  putAttachmentChunk(chunk: NewChunk): Promise<number>;
  /** Chunk `index` of a closed attachment; ATTACHMENT_NOT_FOUND for an unknown or unfinished one, or past its end. */
  getAttachmentChunk(roomId: Uint8Array, attachmentId: Uint8Array, index: number): Promise<StoredChunk>;
  /** Ciphertext bytes the room's attachments hold, finished or not: what counts against its space. */
  attachmentBytes(roomId: Uint8Array): Promise<number>;

  prune(cutoffs: PruneCutoffs): Promise<PruneCounts>;
  countRooms(): Promise<number>;
  /** Memberships across all rooms (one person in two rooms counts twice). */
  countMembers(): Promise<number>;
  close(): Promise<void>;
}
