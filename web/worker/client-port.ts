// The worker's narrow view of the protocol client: starts SottoClient on the browser's WebSocket
// and WebCrypto (detectSuite) with noble's Noise primitives, and turns its views into the page's.
import { fromBase64Url } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { SottoClient } from '../../protocol/client/client.js';
import type { ClientEvent, MemberView as ClientMember, RoomView as ClientRoom } from '../../protocol/client/client-events.js';
import type { SocketLike } from '../../protocol/client/connection.js';
import type { ClientPersistence } from '../../protocol/client/persistence.js';
import type { MessageView as ClientMessage } from '../../protocol/client/room-state.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { noblePrimitives } from '../../protocol/noise/index.js';
import { DEFAULT_SETTINGS } from '../../protocol/wire/membership.js';
import type { HistoryView, InvitePreview, MemberView, MessageView, NoticeView, RoomState, RoomView } from './rpc.js';

export type PortRoom = Omit<RoomView, 'lastTime' | 'warnings' | 'restoredNotice'> & { readonly createdTime: number };

export interface ClientPort {
  /** `roomToken`: '' when the person gave none. */
  createRoom(name: string, displayName: string, history: HistoryView, roomToken: string): Promise<string>;
  setHistory(roomId: string, history: HistoryView): Promise<void>;
  createInvite(roomId: string, ttlMs: number): Promise<{ payload: string; expiresAt: number }>;
  join(payload: string, displayName: string): Promise<string>;
  previewInvite(payload: string): Promise<InvitePreview>;
  send(roomId: string, text: string): Promise<void>;
  remove(roomId: string, member: string): Promise<void>;
  setRole(roomId: string, member: string, role: 'admin' | 'member'): Promise<void>;
  leave(roomId: string): Promise<void>;
  markRead(roomId: string): void;
  rooms(): PortRoom[];
  /** The last `last` messages, how many there are in all, and the notices among those shown. */
  messages(roomId: string, last: number): { messages: MessageView[]; total: number; notices: NoticeView[] };
  members(roomId: string): MemberView[];
  retrySends(roomId: string): void;
  reconnect(): void;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly persistence: ClientPersistence | undefined;
  /** The page's origin: /config.json and the WebSocket are same-origin. */
  readonly origin: string;
  readonly onEvent: (event: ClientEvent) => void;
  /** The keystore was just imported (SottoClientOptions.imported). */
  readonly imported: boolean;
}

interface RelayConfig {
  readonly relayPublicKey: Uint8Array;
  readonly wsUrl: string;
}

/** GET /config.json on our own origin: the relay's Noise key and the WebSocket path. */
async function fetchConfig(origin: string): Promise<RelayConfig> {
  const response = await fetch(new URL('/config.json', origin), { cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new SottoError('UNAVAILABLE', `config.json: HTTP ${response.status}`);
  const json = (await response.json()) as { relayPublicKey?: unknown; wsPath?: unknown };
  if (typeof json.relayPublicKey !== 'string' || typeof json.wsPath !== 'string' || !/^\/[A-Za-z0-9/_-]*$/.test(json.wsPath)) {
    throw new SottoError('BAD_VALUE', 'config.json is malformed');
  }
  const relayPublicKey = fromBase64Url(json.relayPublicKey);
  if (relayPublicKey.length !== 32) throw new SottoError('BAD_KEY', 'relay key length');
  const url = new URL(json.wsPath, origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return { relayPublicKey, wsUrl: url.href };
}

function roomState(room: ClientRoom): RoomState {
  switch (room.status) {
    case 'member':
      return 'active';
    case 'joining':
      return room.joinState === 'requested' ? 'waiting' : 'joining';
    case 'left':
      return 'left';
    case 'removed':
      return 'removed';
  }
}

/** `index` counts pending messages only: they have no seq to key them by. */
function messageView(m: ClientMessage, index: number): MessageView {
  // The label, not the bare name: it tells apart members whose names look alike.
  const senderName = m.senderLabel;
  return {
    // With the sender and time: after a restore from a backup, a message the relay lost keeps its
    // old seq until it is stored again, and a new one may already hold that seq.
    key: m.seq === undefined ? `pending-${index}` : `${m.seq}-${m.sender}-${m.time}`,
    seq: m.seq,
    sender: m.sender,
    senderName,
    fingerprint: m.fingerprint,
    time: m.time,
    text: m.text,
    own: m.mine,
    pending: m.pending,
    failed: m.failed === true,
    warning: m.warnings.length === 0 ? undefined : m.warnings.map((w) => describeMark(w, m, senderName)).join(' '),
    sharedBy: m.sharedBy,
  };
}

/**
 * A mark on one message, in words that name its sender: what the sender's own signed header
 * claims, or how its stream arrived, never proof that the relay lied.
 */
function describeMark(name: string, m: ClientMessage, senderName: string): string {
  switch (name) {
    case 'GAP': {
      const count = m.missing ?? 1;
      return `${count} ${count === 1 ? 'message' : 'messages'} from ${senderName} before this one ${count === 1 ? 'is' : 'are'} missing.`;
    }
    case 'SENDER_CONFLICT':
      return `${senderName}’s device sent this out of line with its earlier messages.`;
    case 'SEEN_DIFFERENT':
      return `${senderName}’s device saw a different message earlier in this room.`;
    case 'LOG_DIFFERENT':
      return `${senderName}’s device saw a different member list.`;
    default:
      return `Verification warning: ${name}.`;
  }
}

export async function startClient(options: StartOptions): Promise<ClientPort> {
  const suite = await detectSuite();
  const firstSeen = new Map<string, number>();
  const client = await SottoClient.open({
    suite,
    primitives: noblePrimitives,
    // Fetched on every (re)connect, so a relay that restarted with a new address is found.
    connect: async () => {
      const config = await fetchConfig(options.origin);
      return { socket: new WebSocket(config.wsUrl) as unknown as SocketLike, relayPublicKey: config.relayPublicKey };
    },
    ...(options.persistence === undefined ? {} : { persistence: options.persistence }),
    ...(options.imported ? { imported: true } : {}),
    onEvent: options.onEvent,
  });
  const me = (roomId: string): string | undefined => {
    try {
      return client.identity(roomId);
    } catch {
      return undefined;
    }
  };
  return {
    createRoom: (name, displayName, history, roomToken) =>
      client.createRoom(name, displayName, { ...DEFAULT_SETTINGS, history }, roomToken === '' ? undefined : roomToken),
    setHistory: (roomId, history) => client.setHistory(roomId, history),
    async createInvite(roomId, ttlMs) {
      const { link, expiresAt } = await client.createInvite(roomId, ttlMs);
      return { payload: link, expiresAt };
    },
    join: (payload, displayName) => client.join(payload, displayName),
    previewInvite: (payload) => client.previewInvite(payload),
    async send(roomId, text) {
      await client.send(roomId, text);
    },
    remove: (roomId, member) => client.remove(roomId, member),
    setRole: (roomId, member, role) => client.setRole(roomId, member, role),
    leave: (roomId) => client.leave(roomId),
    markRead: (roomId) => client.markRead(roomId),
    rooms() {
      return client.rooms().map((room) => {
        if (!firstSeen.has(room.roomId)) firstSeen.set(room.roomId, Date.now());
        return {
          id: room.roomId,
          name: room.name,
          role: room.role,
          state: roomState(room),
          detail: undefined,
          code: room.roomCode,
          epoch: room.epoch,
          memberCount: room.members,
          unread: room.unread,
          waitingForKey: room.waitingForKey,
          history: room.history,
          createdTime: firstSeen.get(room.roomId)!,
        };
      });
    },
    messages(roomId, last) {
      let pending = 0;
      const messages = client.messages(roomId, last).map((m) => messageView(m, m.pending ? pending++ : 0));
      const total = client.messageCount(roomId);
      // The notices beside them: from the oldest message shown on, all once the whole history is.
      const since = total <= messages.length ? 0 : messages[0]?.time ?? 0;
      return { messages, total, notices: client.notices(roomId).filter((n) => n.time >= since) };
    },
    members(roomId) {
      const self = me(roomId);
      return client.members(roomId).map((m: ClientMember) => ({
        sign: m.sign,
        name: m.label,
        role: m.role,
        fingerprint: m.fingerprint,
        me: m.sign === self,
      }));
    },
    retrySends: (roomId) => client.retrySends(roomId),
    reconnect: () => client.reconnect(),
    stop: () => client.close(),
  };
}
