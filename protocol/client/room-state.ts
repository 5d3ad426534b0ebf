// What a client knows about one room, and the small pure questions asked of it. Mutated only by
// the client state machine, always after a verification has fully succeeded.
import { bytesEqual, toHex } from '../bytes.js';
import type { ErrorName } from '../errors.js';
import type { Secret } from '../crypto/secret.js';
import type { Content, RefKind } from '../wire/content.js';
import type { AttachmentView } from './attachment-view.js';
import type { Checkpoint } from '../wire/checkpoint.js';
import type { MemberEvent } from '../wire/membership.js';
import type { MessageRecord } from '../wire/message.js';
import type { MemberKeys } from './member-keys.js';
import { newJournal, type Journal } from './journal.js';
import { ZERO_HASH, eventHash, memberOf, nextRoster, type Roster } from '../membership/roster.js';
import type { SenderState } from './sender-chain.js';
import { wipeChain, type SenderChain } from './sender-ratchet.js';
import type { WaitingMessage } from './waiting.js';
import { safeName } from './display-name.js';

export type RoomStatus = 'joining' | 'member' | 'left' | 'removed';
/** Requested until the issuer's add, checked against our welcome, makes us a member (§8.2). */
export type JoinState = 'requested' | 'member';

export interface EpochInfo {
  /**
   * Each sender's key chain, by hex signing key (sender-ratchet.ts): the epoch key itself is wiped
   * once they are derived (epoch-keys.ts). Undefined once the epoch was replaced and every message
   * of it the relay still holds was read (forgetKeysBefore): a keystore stolen later opens none of
   * its ciphertext.
   */
  chains: Map<string, SenderChain> | undefined;
  /** The epoch's room code (§6), derived from its key before the key was wiped. */
  readonly code: string;
  /**
   * I_e (§6), which opens our entry of the next rotation; kept for the newest epoch only
   * (keepNewestInitSecret), so a stolen keystore reopens no earlier rotation.
   */
  initSecret: Secret | undefined;
  /** Roster the key was made for (the genesis hash for epoch 0). */
  readonly rosterHash: Uint8Array;
  /** Log length that roster had. */
  readonly logLength: number;
  /** When the epoch began (issuer's clock), for the age trigger. */
  readonly startedAt: number;
  /** H(rotation bytes), to tell a repeated rotation from a conflicting one; undefined for epoch 0 and welcomes. */
  readonly rotationHash: Uint8Array | undefined;
}

export interface MessageView {
  /** The relay's position in the room; undefined while the message is pending. */
  readonly seq: number | undefined;
  readonly epoch: number;
  /** Sender's signing key, hex. */
  readonly sender: string;
  readonly senderName: string | undefined;
  /** What a UI shows as the sender: the name, with a fingerprint suffix where it looks like another's (member-labels.ts). */
  readonly senderLabel: string;
  readonly fingerprint: string;
  readonly text: string;
  /** Sender's clock, ms. */
  readonly time: number;
  readonly mine: boolean;
  /** Marks on this message; each is its sender's claim or doing, never an alarm about the relay. */
  readonly warnings: readonly ErrorName[];
  /** With a GAP mark: how many of the sender's messages right before this one never arrived, after a sync. */
  readonly missing?: number;
  /** Ours, sealed and saved but not acknowledged by the relay yet: listed after everything delivered. */
  readonly pending: boolean;
  /**
   * From before our add, shared with us by the member who added us (§8.6): its label. The relay's
   * record of it never reached us; that member vouches for it, not its sender's signature.
   */
  readonly sharedBy?: string;
  /** Pending, and retrying gave up after a bounded time (backoff.ts): "Not sent — Retry" (SottoClient.retrySends). */
  readonly failed?: boolean;
  /**
   * The counter of its signed header: with the sender, what replies, reactions, edits and deletes
   * name it by (§9.1). Absent for shared history (§8.6) and for messages kept before it was.
   */
  readonly counter?: number;
  /** A reply, reaction, edit or delete: which, and the message it names (`refKey`). */
  readonly about?: { readonly kind: RefKind; readonly target: string };
  /** Deleted by its author (§9.1): its text, and the texts of its edits, are wiped. */
  readonly deleted?: boolean;
  /** An attachment's reference (§9.2); `text` is then its file name. */
  readonly attachment?: AttachmentView;
  /** A rename by an owner or admin (§9.3, room-name.ts): the room's new name, shown as a notice, not a message. */
  readonly renamed?: string;
}

/** How a message is named within the room (§9.1): its sender (hex) and counter. */
export function refKey(sender: string, counter: number): string {
  return `${sender}:${counter}`;
}

/** A message the relay stored and this client verified (or sent and saw acknowledged). */
export interface DeliveredMessage extends MessageView {
  readonly seq: number;
  readonly pending: false;
}

/** A sealed message the relay has not acknowledged yet; `record` is replaced if it must be resealed. */
export interface OutboxItem {
  readonly counter: number;
  readonly content: Content;
  record: MessageRecord;
  /** Retrying gave up; the pump waits for the person's Retry (or the next start). Not saved. */
  failed?: boolean;
}

export interface IssuedInvite {
  readonly token: Secret;
  readonly expiresAt: number;
}

/** This client's own join, as the joiner. */
export interface OwnJoin {
  readonly token: Secret;
  readonly invitePublicKey: Uint8Array;
  readonly issuer: Uint8Array;
  readonly joiningKey: Secret;
  state: JoinState;
}

export interface LogBase {
  readonly checkpoint: Checkpoint;
  readonly roster: Roster;
}

export interface RoomState {
  readonly roomId: Uint8Array;
  readonly hex: string;
  /** Our current keys in the room; replaced when our key update commits (§8.5, key-update.ts). */
  me: MemberKeys;
  /**
   * The keys of our key update, made and saved before it was sent: kept until the update is seen
   * committed (then they become `me`), so a lost ack never leaves us holding only replaced keys.
   * While set, nothing is sent under the old keys (V-99).
   */
  keyUpdate: MemberKeys | undefined;
  /** A key update is owed regardless of the schedule: set when the keystore was restored from an export. */
  keyUpdateDue: boolean;
  status: RoomStatus;
  name: string;
  /** The display name this client announces in the room. */
  displayName: string;
  /**
   * Where the log we hold starts: the owner's checkpoint a joiner started from (§8.4), with its
   * roster; undefined when we hold the whole log from the genesis.
   */
  base: LogBase | undefined;
  /**
   * The verified membership log after the base: events[i] is the event at index logBase + i. Read it
   * through eventAt, rosterAt and logLength, which know the base.
   */
  readonly events: MemberEvent[];
  /** The roster after the last event we hold; undefined before any (currentRoster then reads the base's). */
  roster: Roster | undefined;
  /**
   * The roster at every ROSTER_STRIDE-th event after the base (keptRosters[k] at length
   * logBase + (k + 1)·ROSTER_STRIDE): a roster per event would hold events × members entries, gigabytes
   * for a large room's years of key updates. rosterAt replays from the nearest.
   */
  readonly keptRosters: Roster[];
  /**
   * Kept by appendVerified, so what is asked for every event and message costs the same at 100 or
   * 100,000 events: the log index of the latest leave and of the latest add, removal or key update
   * we hold (-1 if none), and the log indices at which each key (hex) was admitted.
   */
  latestLeave: number;
  latestReplacing: number;
  readonly admitted: Map<string, number[]>;
  readonly epochs: Map<number, EpochInfo>;
  /** Highest epoch whose key we hold; -1 before a joiner is welcomed. */
  epoch: number;
  /** Messages seen per epoch: the count trigger for rotation. */
  readonly epochCounts: Map<number, number>;
  /** Our own chain: last counter used and the hash of that record. */
  counter: number;
  lastHash: Uint8Array;
  /** Hashes of every record we sealed, to tell our own messages from reflected ones. */
  readonly sentHashes: Set<string>;
  readonly senders: Map<string, SenderState>;
  /** seq → message hash of what we accepted. */
  readonly seen: Map<number, Uint8Array>;
  /** Highest accepted seq (what our messages name as seen). */
  lastSeen: number;
  /** Highest seq received at all: where the next sync starts. */
  syncSeq: number;
  readonly messages: DeliveredMessage[];
  /** Highest seq the person has read here (their own messages aside): what unread counts start from. */
  readSeq: number;
  /** Display names by hex signing key, sanitized (V-18): changed only through `setName`. */
  readonly names: Map<string, string>;
  /** Counts `setName` calls, so views can keep members' labels until a name changes. */
  namesVersion: number;
  /**
   * Members this person marked verified after comparing safety numbers (hex signing keys). A key
   * update gives a member a new key, which is not in here: the notice says so (notices.ts).
   */
  readonly verified: Set<string>;
  readonly outbox: OutboxItem[];
  /** Messages that cannot be checked yet, in seq order (waiting.ts); saved, so a restart keeps them. */
  readonly waiting: WaitingMessage[];
  readonly invites: Map<string, IssuedInvite>;
  join: OwnJoin | undefined;
  /**
   * A device being linked into this room (§8.7.1): the psk of our entry in our device add's
   * rotation. In memory only, never saved: a link interrupted by a restart is started again.
   */
  linkedSecret?: Secret;
  /** What we keep to hand back to a relay restored from a backup (journal.ts, restore.ts). */
  journal: Journal;
}

export function newRoomState(roomId: Uint8Array, me: MemberKeys, status: RoomStatus, name: string, displayName: string): RoomState {
  return {
    roomId, hex: toHex(roomId), me, keyUpdate: undefined, keyUpdateDue: false, status, name, displayName,
    base: undefined, events: [], roster: undefined, keptRosters: [], latestLeave: -1, latestReplacing: -1, admitted: new Map(), epochs: new Map(), epoch: -1, epochCounts: new Map(),
    counter: 0, lastHash: ZERO_HASH, sentHashes: new Set(), senders: new Map(), seen: new Map(), lastSeen: 0, syncSeq: 0,
    messages: [], readSeq: 0, names: new Map(), namesVersion: 0, verified: new Set(), outbox: [], waiting: [], invites: new Map(), join: undefined, journal: newJournal(),
  };
}

/**
 * Every name from the network enters here: a member's profile, the welcome's names, a snapshot
 * written before V-18. Stored sanitized, so views, the snapshot and the welcome we later send agree.
 */
export function setName(room: RoomState, sign: string, name: string): void {
  room.names.set(sign, safeName(name));
  room.namesVersion++;
}

/**
 * A member's key update (§8.5): its name now belongs to the new key. Moved, not copied, so the old
 * key's entry does not make the member look like two people with one name (member-labels.ts).
 */
export function moveName(room: RoomState, from: string, to: string): void {
  const name = room.names.get(from);
  if (name === undefined) return;
  room.names.delete(from);
  room.names.set(to, name);
  room.namesVersion++;
}

/** Log length of the base: 0 without a checkpoint. */
export function logBase(room: RoomState): number {
  return room.base?.roster.length ?? 0;
}

/** How many events the log we hold covers, the checkpointed ones included. */
export function logLength(room: RoomState): number {
  return logBase(room) + room.events.length;
}

/** The event at `index`; undefined past the head or before our base. */
export function eventAt(room: RoomState, index: number): MemberEvent | undefined {
  const base = logBase(room);
  return index >= base ? room.events[index - base] : undefined;
}

export function currentRoster(room: RoomState): Roster | undefined {
  return room.roster ?? room.base?.roster;
}

export const ROSTER_STRIDE = 128;

/** The last roster rosterAt replayed to, per room: asked again at once more often than not. */
const replayed = new WeakMap<RoomState, Roster>();

/** The roster at log length `length`; undefined before our base or past our head. */
export function rosterAt(room: RoomState, length: number): Roster | undefined {
  const base = logBase(room);
  if (length === logLength(room)) return currentRoster(room);
  if (length < base || length > logLength(room) || length < 1) return undefined;
  // The log only grows, so a roster at a length below the head never changes.
  const cached = replayed.get(room);
  if (cached !== undefined && cached.length === length) return cached;
  const k = Math.floor((length - base) / ROSTER_STRIDE);
  // Each event was verified when it was appended: replaying applies its rules again, not its signature.
  let roster = k === 0 ? room.base?.roster : room.keptRosters[k - 1];
  for (let i = k * ROSTER_STRIDE; i < length - base; i++) roster = nextRoster(roster, room.events[i]!);
  if (roster !== undefined) replayed.set(room, roster);
  return roster;
}

/** The log's head hash at length `length` (what a message names, §5.1); undefined before our base or past our head. */
export function headHashAt(room: RoomState, length: number): Uint8Array | undefined {
  const base = logBase(room);
  if (room.base !== undefined && length === base) return room.base.roster.headHash;
  const event = length > base ? room.events[length - base - 1] : undefined;
  return event === undefined ? undefined : eventHash(event);
}

/** Appends an event already checked with applyEvent against the current roster. */
export function appendVerified(room: RoomState, event: MemberEvent, roster: Roster): void {
  const index = logLength(room);
  room.events.push(event);
  room.roster = roster;
  if (room.events.length % ROSTER_STRIDE === 0) room.keptRosters.push(roster);
  if (event.kind === 'leave') room.latestLeave = index;
  if (event.kind === 'add' || event.kind === 'remove' || event.kind === 'update' || event.kind === 'device') room.latestReplacing = index;
  const admitted = event.kind === 'create' || event.kind === 'add' || event.kind === 'device' ? event.subjectSign : event.kind === 'update' ? event.update!.sign : undefined;
  if (admitted !== undefined) {
    const hex = toHex(admitted);
    room.admitted.set(hex, [...(room.admitted.get(hex) ?? []), index]);
  }
}

/**
 * Whether `sign` could hold epoch `epoch`'s key: a member at some log length between the roster the
 * key was made for and the roster the next epoch was made for (joiners admitted mid-epoch get the
 * key in their welcome; a removal always ends the epoch).
 */
export function memberDuringEpoch(room: RoomState, sign: Uint8Array, epoch: number): boolean {
  let end = logLength(room);
  for (const [e, info] of room.epochs) {
    if (e > epoch && info.logLength < end) end = info.logLength;
  }
  const start = Math.max(room.epochs.get(epoch)?.logLength ?? 1, logBase(room), 1);
  if (start > end) return false;
  // A member at some length in [start, end]: at the end (almost always, so one lookup), at the
  // start, or admitted by an event in between.
  const at = (length: number): boolean => {
    const roster = rosterAt(room, length);
    return roster !== undefined && memberOf(roster, sign) !== undefined;
  };
  if (at(end) || at(start)) return true;
  return (room.admitted.get(toHex(sign)) ?? []).some((index) => index >= start && index < end);
}

/** A key ever admitted by the log (create, add, device, or a member's key update), or a member at our checkpoint. */
export function everMember(room: RoomState, sign: Uint8Array): boolean {
  if (room.base !== undefined && memberOf(room.base.roster, sign) !== undefined) return true;
  return room.admitted.has(toHex(sign));
}

/** The keys our updates replaced (hex), per room, until the log or our key changes. */
const pastKeysCache = new WeakMap<RoomState, { readonly length: number; readonly me: MemberKeys; readonly keys: ReadonlySet<string> }>();

/**
 * Our current signing key or one our key updates replaced (§8.5), found by following the log's
 * updates back from the current key: records under an old key of ours are ours too. Asked for every
 * message received, so the walk over the log is kept until the log or our key changes.
 */
export function isOwnKey(room: RoomState, sign: Uint8Array): boolean {
  if (bytesEqual(room.me.sign.publicKey, sign)) return true;
  let cached = pastKeysCache.get(room);
  if (cached === undefined || cached.length !== room.events.length || cached.me !== room.me) {
    const keys = new Set<string>();
    let key = room.me.sign.publicKey;
    for (let i = room.events.length - 1; i >= 0; i--) {
      const e = room.events[i]!;
      if (e.kind !== 'update' || !bytesEqual(e.update!.sign, key)) continue;
      key = e.subjectSign;
      keys.add(toHex(key));
    }
    cached = { length: room.events.length, me: room.me, keys };
    pastKeysCache.set(room, cached);
  }
  return cached.keys.has(toHex(sign));
}

/** When our current keys entered the log (their create, add or update event); undefined before that. */
export function ownKeysSince(room: RoomState): number | undefined {
  const me = room.me.sign.publicKey;
  for (let i = room.events.length - 1; i >= 0; i--) {
    const e = room.events[i]!;
    const introduced = e.kind === 'update' ? e.update!.sign : e.kind === 'create' || e.kind === 'add' || e.kind === 'device' ? e.subjectSign : undefined;
    if (introduced !== undefined && bytesEqual(introduced, me)) return e.time;
  }
  return undefined;
}

/**
 * A leave after the roster our key was made for: a leave commits no rotation, so the room waits
 * (the relay refuses sends) until a member makes one.
 */
export function rotationPending(room: RoomState): boolean {
  return room.latestLeave >= keyRosterLength(room);
}

/**
 * An add, a removal or a key update after the roster our key was made for: each committed with the
 * rotation to a newer epoch, which we have not been served yet. Our epoch is replaced, so nothing
 * may be sealed under it any more (V-75): a withholding relay must not get a removed member's key,
 * or one a member replaced because it may be stolen (§8.5), used.
 */
export function epochReplaced(room: RoomState): boolean {
  return room.latestReplacing >= keyRosterLength(room);
}

/** Log length of the roster the current key was made for; a key from our welcome was current at our add. */
function keyRosterLength(room: RoomState): number {
  const known = room.epochs.get(room.epoch)?.logLength;
  if (known !== undefined) return known;
  const added = room.events.findIndex((e) => (e.kind === 'add' || e.kind === 'device') && bytesEqual(e.subjectSign, room.me.sign.publicKey));
  return added === -1 ? logLength(room) : logBase(room) + added + 1;
}

/** Whether we accepted this exact record at any seq. */
export function seenAnywhere(room: RoomState, hash: Uint8Array): boolean {
  for (const seen of room.seen.values()) if (bytesEqual(seen, hash)) return true;
  return false;
}

export function latestSeen(room: RoomState): { seq: number; hash: Uint8Array } {
  const hash = room.seen.get(room.lastSeen);
  return hash === undefined ? { seq: 0, hash: ZERO_HASH } : { seq: room.lastSeen, hash };
}

export function countMessage(room: RoomState, epoch: number): void {
  room.epochCounts.set(epoch, (room.epochCounts.get(epoch) ?? 0) + 1);
}

/**
 * Forgets (wipes) the keys of every epoch before `epoch`, the forward secrecy between epochs
 * (docs/protocol.md §8.3, V-76). Called after a complete sync that began once `epoch` was current:
 * the relay takes no message under an older epoch after the newer rotation commits, so that sync
 * fetched every message of the older epochs the relay holds, and they are decrypted and stored.
 * Returns how many keys it forgot.
 */
export function forgetKeysBefore(room: RoomState, epoch: number): number {
  let forgotten = 0;
  for (const [e, info] of room.epochs) {
    if (e >= epoch || info.chains === undefined) continue;
    for (const chain of info.chains.values()) wipeChain(chain);
    info.chains = undefined;
    forgotten++;
  }
  return forgotten;
}

/**
 * The current epoch has reached its lifetime (the room's settings, capped by V-11): it takes no more
 * messages (V-77). A relay that withholds every later rotation can therefore keep a member on an
 * epoch for at most that long.
 */
export function epochExpired(room: RoomState, now: number): boolean {
  const roster = currentRoster(room);
  if (roster === undefined) return false;
  if ((room.epochCounts.get(room.epoch) ?? 0) >= roster.settings.rotateEveryMessages) return true;
  const started = room.epochs.get(room.epoch)?.startedAt;
  return started !== undefined && now - started >= roster.settings.rotateAfterSeconds * 1000;
}

/** Nothing can be sent until a newer epoch arrives or is made: what the person is told (RoomView). */
export function waitingForKey(room: RoomState, now: number): boolean {
  return room.status === 'member' && (room.keyUpdate !== undefined || epochReplaced(room) || rotationPending(room) || epochExpired(room, now));
}
