// What a SottoClient tells its UI: typed events and the read-only views they carry.
import type { ErrorName } from '../errors.js';
import type { HistorySetting, Role } from '../wire/membership.js';
import type { JoinState, MessageView, RoomStatus } from './room-state.js';

/**
 * 'stopped': reconnecting gave up after a bounded time (backoff.ts); SottoClient.reconnect() tries again.
 * 'degraded': the relay answers but cannot reach its storage (STORE_UNAVAILABLE): what is queued
 * waits and goes out once it can; 'online' again after the next request that succeeds.
 * 'partial': connected and sending (what is sent is stored), but the relay told this connection
 * it cannot reach its other processes (`busStatus`, V-160): members connected elsewhere get our
 * messages, and we theirs, late; 'online' again when it says so or on a new connection.
 */
export type ConnectionStatus = 'connecting' | 'online' | 'partial' | 'degraded' | 'offline' | 'stopped';

export interface MemberView {
  /** Signing key, hex: the member's identity in this room. */
  readonly sign: string;
  readonly name: string | undefined;
  /** What a UI shows: the name, with a fingerprint suffix where it looks like another's (member-labels.ts). */
  readonly label: string;
  readonly role: Role;
  readonly fingerprint: string;
  /** This person marked this key verified after comparing safety numbers. */
  readonly verified: boolean;
  /** What to compare with this member (fingerprint.ts safetyNumber); our own entry shows our fingerprint twice. */
  readonly safetyNumber: string;
  /**
   * The person this member is a device of (§8.7): the log index that admitted the person. Members
   * sharing it are one person's devices; `ownPerson` marks ours.
   */
  readonly person: number;
  readonly ownPerson: boolean;
}

export interface RoomView {
  readonly roomId: string;
  readonly name: string;
  readonly status: RoomStatus;
  /** Our own join's progress; 'member' once admitted (or for the creator). */
  readonly joinState: JoinState;
  readonly epoch: number;
  readonly role: Role | undefined;
  readonly members: number;
  /** Undefined until we hold a key whose roster we know (a joiner learns it at the next rotation). */
  readonly roomCode: string | undefined;
  /** Others' messages after the last one marked read (`markRead`). */
  readonly unread: number;
  /** Sends are held: the epoch was replaced or ran out, and its successor has not arrived (V-75, V-77). */
  readonly waitingForKey: boolean;
  /** What new members see of earlier messages (§8.6); undefined before we hold the log. */
  readonly history: HistorySetting | undefined;
}

export type ClientEvent =
  /** `movedFrom`: the seq it was shown at, which a relay restored from a backup lost (§10.1). */
  | { readonly type: 'message'; readonly roomId: string; readonly message: MessageView; readonly movedFrom?: number }
  /** The relay was restored from a backup and lost some of this room; what we hold is handed back. Once per room and restore. */
  | { readonly type: 'restored'; readonly roomId: string }
  /** A text of ours is queued (saved, not yet acknowledged); its `message` follows on the ack. */
  | { readonly type: 'pending'; readonly roomId: string; readonly message: MessageView }
  | { readonly type: 'warning'; readonly roomId: string | undefined; readonly error: ErrorName; readonly detail: string; readonly seq?: number }
  | { readonly type: 'members'; readonly roomId: string; readonly members: readonly MemberView[] }
  | { readonly type: 'room'; readonly room: RoomView }
  | { readonly type: 'join'; readonly roomId: string; readonly state: JoinState }
  | { readonly type: 'epoch'; readonly roomId: string; readonly epoch: number; readonly roomCode: string | undefined }
  | { readonly type: 'status'; readonly status: ConnectionStatus }
  /**
   * A device link's progress on either device (§8.7.1): `offer` (the code to compare, the rooms
   * offered), `adding` and `history` (done of total), `done`, or `failed` with the error.
   */
  | { readonly type: 'link'; readonly state: LinkState; readonly code?: string; readonly rooms?: readonly { readonly roomId: string; readonly name: string }[]; readonly done?: number; readonly total?: number; readonly error?: ErrorName };

export type LinkState = 'offer' | 'adding' | 'history' | 'done' | 'failed';

export type ClientListener = (event: ClientEvent) => void;
