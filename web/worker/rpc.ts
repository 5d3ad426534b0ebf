// The page ↔ worker protocol. The page sends requests with ids and gets one response per id; the
// worker also pushes view events. Everything here is plain structured-cloneable data: no key
// bytes, no secrets except what the person typed (a passphrase, a display name, a message) on its
// way in, and on its way out an invite link, a device link (a one-time public key) and a recovery
// key (all meant to be shown).

import type { InvitePreview as ClientInvitePreview } from '../../protocol/client/invite.js';
import type { NoticeView as ClientNoticeView } from '../../protocol/client/notices.js';

export type Role = 'owner' | 'admin' | 'member';
export type RoomState = 'active' | 'joining' | 'waiting' | 'removed' | 'left' | 'failed';
/**
 * 'stopped': reconnecting gave up after a bounded time; the `reconnect` call tries again.
 * 'degraded': the relay answers but cannot reach its storage; queued messages wait.
 * 'partial': sending works, but the relay cannot reach its other processes; others hear us late.
 */
export type ConnectionState = 'connecting' | 'online' | 'partial' | 'degraded' | 'offline' | 'stopped';
export type KeystoreState = 'absent' | 'locked' | 'unlocked' | 'ephemeral';

export interface RoomView {
  /** Room id, hex. */
  readonly id: string;
  readonly name: string;
  readonly role: Role | undefined;
  readonly state: RoomState;
  /** Why a join failed or the room was closed, for people. */
  readonly detail: string | undefined;
  readonly unread: number;
  /** The current epoch's room code ("ABCD-EFGH"), once we hold the epoch key. */
  readonly code: string | undefined;
  readonly epoch: number;
  /** Time of the newest message, ms (for ordering the list). */
  readonly lastTime: number;
  readonly memberCount: number;
  /** Verification warnings seen in this room that the person has not dismissed. */
  readonly warnings: number;
  /** What is written waits for the room's new key (the current one was replaced or ran out). */
  readonly waitingForKey: boolean;
  /** Said once after the relay was restored from a backup and lost some of this room. */
  readonly restoredNotice: string | undefined;
  /** What new members see of earlier messages; undefined until the room's log is here. */
  readonly history: HistoryView | undefined;
  /** The newest message, for the room list's preview line; undefined in an empty room. */
  readonly lastMessage: LastMessage | undefined;
  /** Unread messages that mention this device's member ("@Name"). */
  readonly mentions: number;
}

export interface LastMessage {
  readonly senderName: string;
  /** Its text, or "File: name" for an attachment. */
  readonly text: string;
  readonly time: number;
  readonly own: boolean;
}

/** A room's history setting for new members (docs/protocol.md §8.6). */
export interface HistoryView {
  readonly mode: 'join' | 'last' | 'all';
  /** 'last' only: how many messages; 0 otherwise. */
  readonly count: number;
}

export interface MessageView {
  /** Stable key within the room. */
  readonly key: string;
  /** Undefined while pending. */
  readonly seq: number | undefined;
  /** Sender signing key, hex. */
  readonly sender: string;
  readonly senderName: string;
  readonly fingerprint: string;
  /** Sender's clock, ms. */
  readonly time: number;
  readonly text: string;
  readonly own: boolean;
  /** Saved on this device but not yet acknowledged by the relay (listed last). */
  readonly pending: boolean;
  /** Pending, and retrying gave up: shown "Not sent — Retry" (the `retrySends` call). */
  readonly failed: boolean;
  /** A verification note on this message (e.g. a gap before it). */
  readonly warning: string | undefined;
  /** From before we joined, shared with us by this member (their label): their word, not the sender's signature. */
  readonly sharedBy: string | undefined;
  /** What Reply, React, Edit and Delete name it by (`sender:counter`); undefined when it cannot be named (pending, shared history). */
  readonly ref: string | undefined;
  /** A reply: the message it quotes as that reads now, or `missing` when this device does not hold it. */
  readonly replyTo: Quote | { readonly ref: string; readonly missing: true } | undefined;
  /** Each emoji with how many reacted and who (labels); `mine` when we did. */
  readonly reactions: readonly { readonly emoji: string; readonly count: number; readonly by: readonly string[]; readonly mine: boolean }[];
  /** The texts it had before its latest edit, oldest first (kept on this device); empty if never edited. */
  readonly edits: readonly { readonly text: string; readonly time: number }[];
  /** Deleted by its sender: shown as "This message was deleted.", its text wiped here. */
  readonly deleted: boolean;
  /** A file or image (docs/protocol.md §9.2): what the page shows before fetching it; `text` is its name. */
  readonly attachment?: AttachmentInfo;
  /** It names this device's member as "@Name". */
  readonly mention?: true;
  /** Which of its person's devices sent it ("device 1a2b 3c4d"), when that person has several here. */
  readonly device?: string;
}

/** One message "Search messages" found; `key` finds it in the room's timeline. */
export interface SearchHit {
  readonly roomId: string;
  readonly roomName: string;
  readonly key: string;
  readonly senderName: string;
  readonly text: string;
  readonly time: number;
}

export interface AttachmentInfo {
  readonly name: string;
  readonly mediaType: string;
  /** Bytes. */
  readonly size: number;
}

export interface Quote {
  readonly ref: string;
  /** Where "jump to" goes; undefined while the quoted message is ours and pending. */
  readonly seq: number | undefined;
  readonly senderName: string;
  readonly text: string;
  readonly deleted: boolean;
}

/** What the person does to a message: reply (text), react (emoji, '' withdraws), edit (text), delete. */
export type MessageAction = 'reply' | 'react' | 'edit' | 'delete';

export interface MemberView {
  readonly sign: string;
  readonly name: string;
  readonly role: Role;
  readonly fingerprint: string;
  readonly me: boolean;
  /** Marked verified on this device after comparing safety numbers (for this key). */
  readonly verified: boolean;
  /** Ours and theirs, for "Verify" (fingerprint.ts safetyNumber). */
  readonly safetyNumber: string;
  /** The person this member is a device of (docs/protocol.md §8.7): members sharing it are one person. */
  readonly person: number;
  /** What the person is shown as: one label for all their devices. */
  readonly personName: string;
  /** A device of our own person (this one or another). */
  readonly ownPerson: boolean;
}

/** A device link's progress on either device (docs/protocol.md §8.7.1). */
export interface LinkProgress {
  /** 'offer': the code to compare and the rooms offered; 'adding' rooms and 'history' messages: done of total. */
  readonly state: 'offer' | 'adding' | 'history' | 'done' | 'failed';
  readonly code?: string;
  readonly rooms?: readonly { readonly roomId: string; readonly name: string }[];
  readonly done?: number;
  readonly total?: number;
  /** 'failed': why, as a stable name and in words. */
  readonly error?: RpcError;
}

/** A timeline notice (protocol/client/notices.ts): what the signed log and the epochs say happened. */
export type NoticeView = ClientNoticeView;

export interface WarningView {
  readonly roomId: string | undefined;
  /** Stable error name (BAD_SIGNATURE, GAP, FORK, UNKNOWN_SENDER, …). */
  readonly code: string;
  readonly text: string;
  /** The client's technical detail (which record, which seq), for whoever investigates. */
  readonly detail: string;
  readonly time: number;
  /** How many times in a row this same warning arrived. */
  readonly count: number;
}

export interface InviteView {
  readonly roomId: string;
  /** The full fragment payload: the page builds `origin + '/#/join/' + payload`. */
  readonly payload: string;
  readonly expiresAt: number;
}

/** What an invite link leads to, checked before joining (protocol/client/invite.ts). */
export type InvitePreview = ClientInvitePreview;

export interface InitResult {
  readonly keystore: KeystoreState;
  /** Whether the keystore (stored, or open) can be opened with a recovery key. */
  readonly recoveryKey: boolean;
  readonly suite: string;
}

/** Method name → [params, result]. */
export interface Api {
  init: [Record<string, never>, InitResult];
  /** zxcvbn's estimate for a new passphrase, for the strength meter (the same rule the worker applies). */
  passphraseStrength: [{ passphrase: string }, { acceptable: boolean; guessesLog10: number; advice: string }];
  /**
   * First visit: make a new keystore under this passphrase. The result is the recovery key, the
   * one secret the page receives: it is there to be shown once and saved by the person.
   */
  createKeystore: [{ passphrase: string }, { recoveryKey: string }];
  /** Returning: open the stored keystore. Fails with WRONG_PASSPHRASE and changes nothing. */
  unlock: [{ passphrase: string }, void];
  /** Forgotten passphrase: open with the recovery key and set a new passphrase. */
  unlockWithRecoveryKey: [{ recoveryKey: string; passphrase: string }, void];
  changePassphrase: [{ current: string; next: string }, void];
  /** A new recovery key replaces the old one (which stops working); shown once like the first. */
  newRecoveryKey: [{ passphrase: string }, { recoveryKey: string }];
  /** Stops the client (its last save lands first) and drops every key from memory. */
  lock: [Record<string, never>, void];
  /** Deletes everything Sotto stored on this device; `confirm` must be the word the person typed. */
  forget: [{ confirm: string }, void];
  /** Keys in memory only; nothing is written to IndexedDB. */
  ephemeral: [Record<string, never>, void];
  /** `roomToken`: an operator's room-creation token, when the relay asked for one. */
  createRoom: [{ name: string; displayName: string; history: HistoryView; roomToken?: string }, { roomId: string }];
  /** Owner/admin: what new members see of earlier messages, announced to every member by a signed log event. */
  setHistory: [{ roomId: string; history: HistoryView }, void];
  /** Owner/admin: the room's new name, sent encrypted to every member (docs/protocol.md §9.3); settles on the relay's ack. */
  renameRoom: [{ roomId: string; name: string }, void];
  createInvite: [{ roomId: string; ttlMs: number }, InviteView];
  join: [{ payload: string; displayName: string }, { roomId: string }];
  /** Checks a link with the relay (the same checks as a join) and says what it leads to. */
  previewInvite: [{ payload: string }, InvitePreview];
  send: [{ roomId: string; text: string }, void];
  /** Reply, React, Edit or Delete on the message `target` (a MessageView's `ref`); settles on the relay's ack. */
  act: [{ roomId: string; action: MessageAction; target: string; text: string }, void];
  /**
   * Seals and uploads a file, then sends it; progress comes as `transfer` events under the page's
   * `transfer` id, and `cancelTransfer` stops it (CANCELLED). Resolves once the message is acknowledged.
   */
  attach: [{ roomId: string; transfer: string; bytes: Uint8Array; name: string; mediaType: string }, void];
  /** Downloads and verifies the attachment of a delivered message: its bytes only after the check (ATTACHMENT_CORRUPT otherwise). */
  fetchAttachment: [{ roomId: string; messageKey: string; transfer: string }, { bytes: Uint8Array; name: string; mediaType: string }];
  cancelTransfer: [{ transfer: string }, void];
  /** Text search over this device's decrypted history: one room, or every room when `roomId` is empty. */
  search: [{ query: string; roomId: string }, SearchHit[]];
  remove: [{ roomId: string; member: string }, void];
  /** Marks a member verified after comparing safety numbers, or clears it (this device only). */
  setVerified: [{ roomId: string; member: string; verified: boolean }, void];
  setRole: [{ roomId: string; member: string; role: 'admin' | 'member' }, void];
  leave: [{ roomId: string }, void];
  rooms: [Record<string, never>, RoomView[]];
  /**
   * The last `last` messages of the room (a page renders a window, not all of a long history), and
   * the timeline's notices from the oldest of them on (all once the whole history is shown).
   */
  messages: [{ roomId: string; last: number }, { messages: MessageView[]; total: number; notices: NoticeView[] }];
  members: [{ roomId: string }, MemberView[]];
  warnings: [{ roomId: string }, WarningView[]];
  markRead: [{ roomId: string }, void];
  /** The sealed keystore file (already encrypted under the passphrase). */
  exportKeystore: [Record<string, never>, { bytes: Uint8Array; name: string }];
  /** What importing the file would change, before anything is replaced: the person confirms first. */
  previewImport: [{ bytes: Uint8Array; passphrase: string }, ImportPreview];
  /** Replaces the stored keystore with a file, after checking it opens with `passphrase`. */
  importKeystore: [{ bytes: Uint8Array; passphrase: string }, void];
  /**
   * On a new device: starts a device link; the page shows `origin + '/#/link/' + payload` and its QR
   * code. The one-time key lives in the worker's memory only; `link` events bring the code.
   */
  linkAsNew: [Record<string, never>, { payload: string }];
  /** On the new device, once the person confirmed the code: take the offered rooms. */
  acceptLink: [Record<string, never>, void];
  /** On an existing device: answers the link shown on the new device, offering these rooms; the code to compare. */
  linkNewDevice: [{ link: string; roomIds: string[] }, { code: string }];
  /** On the existing device, once the person confirmed the code: add the device and send the history. */
  confirmLink: [Record<string, never>, void];
  /** Stops the link on this device and tells the other one (LINK_CANCELLED on both). */
  cancelLink: [Record<string, never>, void];
  /** Sends again the room's messages marked "Not sent". */
  retrySends: [{ roomId: string }, void];
  /** Reconnects now after reconnecting stopped. */
  reconnect: [Record<string, never>, void];
}

export interface ImportPreview {
  /** Names of the rooms in the file. */
  readonly rooms: string[];
  /** Names of the rooms this device holds now that the file does not: lost here by the import. */
  readonly lost: string[];
}

export type Method = keyof Api;
export type Params<M extends Method> = Api[M][0];
export type Result<M extends Method> = Api[M][1];

export interface RequestMessage<M extends Method = Method> {
  readonly kind: 'request';
  readonly id: number;
  readonly method: M;
  readonly params: Params<M>;
}

export interface RpcError {
  /** Stable name: a SottoError name or one of the worker's own (WRONG_PASSPHRASE, LOCKED, …). */
  readonly code: string;
  readonly message: string;
}

export type ResponseMessage =
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: RpcError };

/** Pushed by the worker whenever a view changes; the page re-reads what it shows. */
export type ViewEvent =
  | { readonly type: 'progress'; readonly phase: 'derive'; readonly fraction: number }
  | { readonly type: 'status'; readonly state: ConnectionState; readonly detail: string | undefined }
  | { readonly type: 'rooms' }
  | { readonly type: 'messages'; readonly roomId: string }
  | { readonly type: 'members'; readonly roomId: string }
  /** Warnings without a room (the connection, saving) go to the page's banner. */
  | { readonly type: 'warning'; readonly warning: WarningView }
  /** Another tab handed this tab an invite link (web/worker/handoff.ts). */
  | { readonly type: 'invite'; readonly payload: string }
  /** An upload or download under way: plaintext bytes done of the total. */
  | { readonly type: 'transfer'; readonly transfer: string; readonly done: number; readonly total: number }
  /** A device link's progress, on the new device and the existing one alike. */
  | { readonly type: 'link'; readonly link: LinkProgress }
  | { readonly type: 'fatal'; readonly text: string };

export interface EventMessage {
  readonly kind: 'event';
  readonly event: ViewEvent;
}

export type WorkerMessage = ResponseMessage | EventMessage;

/** The word a person types to confirm "Forget this device" (checked by the page and the worker). */
export const FORGET_CONFIRMATION = 'forget';

/** Worker-side error names that are not protocol errors. */
export const WORKER_ERRORS = {
  WRONG_PASSPHRASE: 'That passphrase does not open this keystore.',
  WEAK_PASSPHRASE: 'That passphrase is too easy to guess.',
  WRONG_RECOVERY_KEY: 'That recovery key does not open this keystore.',
  BAD_RECOVERY_KEY: 'That is not a whole recovery key: check it for a typo or a missing group.',
  NO_RECOVERY_KEY: 'This keystore has no recovery key. It was made before recovery keys existed; make one in Settings once you are in.',
  LOCKED: 'Unlock first.',
  KEYSTORE_EXISTS: 'A keystore already exists on this device.',
  NO_KEYSTORE: 'There is no keystore on this device.',
  BAD_REQUEST: 'The request was malformed.',
  STORAGE: 'The browser refused to store the keystore.',
  UNKNOWN_ROOM: 'No such room.',
  IN_USE: 'Sotto is already open in another tab or window. Close it there, then try again.',
  NOT_CONFIRMED: 'Type the word shown to confirm.',
  CANCELLED: 'Cancelled.',
  LINK_OPEN: 'A device link is already under way on this device (it goes on when you leave its screen). Let it finish, or cancel it, then start this one.',
} as const;
