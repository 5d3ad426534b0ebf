// The worker's narrow view of the protocol client: starts SottoClient on the browser's WebSocket
// and WebCrypto (detectSuite) with noble's Noise primitives, and turns its views into the page's.
import { fromBase64Url } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES, SottoClient } from '../../protocol/client/client.js';
import type { AttachmentFile, TransferOptions } from '../../protocol/client/attachments.js';
import { mentions } from './mentions.js';
import { deviceName, personLabels, type PersonLabel } from './person-labels.js';
import type { ClientEvent, MemberView as ClientMember, RoomView as ClientRoom } from '../../protocol/client/client-events.js';
import type { SocketLike } from '../../protocol/client/connection.js';
import type { ClientPersistence } from '../../protocol/client/persistence.js';
import type { TimelineMessage as ClientMessage } from '../../protocol/client/timeline-fold.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { noblePrimitives } from '../../protocol/noise/index.js';
import { DEFAULT_SETTINGS } from '../../protocol/wire/membership.js';
import type { HistoryView, InvitePreview, MemberView, MessageAction, MessageView, NoticeView, RoomState, RoomView } from './rpc.js';

export type PortRoom = Omit<RoomView, 'lastTime' | 'warnings' | 'restoredNotice' | 'lastMessage'> & { readonly createdTime: number };

export interface ClientPort {
  /** `roomToken`: '' when the person gave none. */
  createRoom(name: string, displayName: string, history: HistoryView, roomToken: string): Promise<string>;
  setHistory(roomId: string, history: HistoryView): Promise<void>;
  renameRoom(roomId: string, name: string): Promise<void>;
  createInvite(roomId: string, ttlMs: number): Promise<{ payload: string; expiresAt: number }>;
  join(payload: string, displayName: string): Promise<string>;
  previewInvite(payload: string): Promise<InvitePreview>;
  send(roomId: string, text: string): Promise<void>;
  act(roomId: string, action: MessageAction, target: string, text: string): Promise<void>;
  /** Seals, uploads and sends a file (docs/protocol.md §9.2). */
  attach(roomId: string, file: AttachmentFile, options: TransferOptions): Promise<void>;
  /** The verified plaintext of the attachment the message `messageKey` carries. */
  fetchAttachment(roomId: string, messageKey: string, options: TransferOptions): Promise<{ bytes: Uint8Array; name: string; mediaType: string }>;
  remove(roomId: string, member: string): Promise<void>;
  setVerified(roomId: string, member: string, verified: boolean): void;
  setRole(roomId: string, member: string, role: 'admin' | 'member'): Promise<void>;
  leave(roomId: string): Promise<void>;
  markRead(roomId: string): void;
  rooms(): PortRoom[];
  /** The last `last` messages, how many there are in all, and the notices among those shown. */
  messages(roomId: string, last: number): { messages: MessageView[]; total: number; notices: NoticeView[] };
  members(roomId: string): MemberView[];
  retrySends(roomId: string): void;
  /** Device links (docs/protocol.md §8.7.1); progress comes as the client's `link` events. */
  linkAsNew(): Promise<string>;
  acceptLink(): Promise<void>;
  linkNewDevice(link: string, roomIds: readonly string[]): Promise<string>;
  confirmLink(): void;
  cancelLink(): Promise<void>;
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
  /** The relay's attachment limit; an older relay that does not say gets the default. */
  readonly maxAttachmentBytes: number;
}

/** GET /config.json on our own origin: the relay's Noise key and the WebSocket path. */
async function fetchConfig(origin: string): Promise<RelayConfig> {
  const response = await fetch(new URL('/config.json', origin), { cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new SottoError('UNAVAILABLE', `config.json: HTTP ${response.status}`);
  const json = (await response.json()) as { relayPublicKey?: unknown; wsPath?: unknown; maxAttachmentBytes?: unknown };
  if (typeof json.relayPublicKey !== 'string' || typeof json.wsPath !== 'string' || !/^\/[A-Za-z0-9/_-]*$/.test(json.wsPath)) {
    throw new SottoError('BAD_VALUE', 'config.json is malformed');
  }
  const relayPublicKey = fromBase64Url(json.relayPublicKey);
  if (relayPublicKey.length !== 32) throw new SottoError('BAD_KEY', 'relay key length');
  const url = new URL(json.wsPath, origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const limit = json.maxAttachmentBytes;
  const maxAttachmentBytes = typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0 ? limit : DEFAULT_MAX_ATTACHMENT_BYTES;
  return { relayPublicKey, wsUrl: url.href, maxAttachmentBytes };
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
function messageKey(m: ClientMessage, index: number): string {
  // With the sender and time: after a restore from a backup, a message the relay lost keeps its
  // old seq until it is stored again, and a new one may already hold that seq.
  return m.seq === undefined ? `pending-${index}` : `${m.seq}-${m.sender}-${m.time}`;
}

function messageView(m: ClientMessage, index: number, persons: ReadonlyMap<string, PersonLabel>, myName?: string): MessageView {
  // The person's label, not the bare name: it tells apart members whose names look alike, and is
  // one name for all of a person's devices (the device is named in the details).
  const person = persons.get(m.sender);
  const senderName = person?.label ?? m.senderLabel;
  return {
    key: messageKey(m, index),
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
    ref: m.pending ? undefined : m.ref,
    replyTo: m.replyTo === undefined || 'missing' in m.replyTo ? m.replyTo
      : { ref: m.replyTo.ref, seq: m.replyTo.seq, senderName: m.replyTo.senderLabel, text: m.replyTo.text, deleted: m.replyTo.deleted },
    reactions: m.reactions,
    edits: m.edits,
    deleted: m.deleted,
    // Its name, type and size only: the key and hash stay in the worker.
    ...(m.attachment === undefined ? {} : { attachment: { name: m.attachment.name, mediaType: m.attachment.mediaType, size: m.attachment.size } }),
    ...(!m.mine && m.attachment === undefined && mentions(m.text, myName) ? { mention: true as const } : {}),
    ...(person !== undefined && person.devices > 1 ? { device: deviceName(m.fingerprint) } : {}),
  };
}

/** Each UI action as the client's call; replies and edits go through the same empty-text check as a send. */
async function act(client: SottoClient, roomId: string, action: MessageAction, target: string, text: string): Promise<void> {
  switch (action) {
    case 'reply':
      await client.reply(roomId, target, text);
      return;
    case 'react':
      await client.react(roomId, target, text);
      return;
    case 'edit':
      await client.edit(roomId, target, text);
      return;
    case 'delete':
      await client.deleteMessage(roomId, target);
      return;
  }
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
  let maxAttachmentBytes = DEFAULT_MAX_ATTACHMENT_BYTES;
  const client = await SottoClient.open({
    suite,
    primitives: noblePrimitives,
    // Fetched on every (re)connect, so a relay that restarted with a new address is found.
    connect: async () => {
      const config = await fetchConfig(options.origin);
      maxAttachmentBytes = config.maxAttachmentBytes;
      return { socket: new WebSocket(config.wsUrl) as unknown as SocketLike, relayPublicKey: config.relayPublicKey };
    },
    ...(options.persistence === undefined ? {} : { persistence: options.persistence }),
    ...(options.imported ? { imported: true } : {}),
    onEvent: options.onEvent,
    maxAttachmentBytes: () => maxAttachmentBytes,
  });
  const me = (roomId: string): string | undefined => {
    try {
      return client.identity(roomId);
    } catch {
      return undefined;
    }
  };
  const myName = (roomId: string): string | undefined => {
    const self = me(roomId);
    return client.members(roomId).find((m) => m.sign === self)?.name;
  };
  return {
    createRoom: (name, displayName, history, roomToken) =>
      client.createRoom(name, displayName, { ...DEFAULT_SETTINGS, history }, roomToken === '' ? undefined : roomToken),
    setHistory: (roomId, history) => client.setHistory(roomId, history),
    async renameRoom(roomId, name) {
      await client.renameRoom(roomId, name);
    },
    async createInvite(roomId, ttlMs) {
      const { link, expiresAt } = await client.createInvite(roomId, ttlMs);
      return { payload: link, expiresAt };
    },
    join: (payload, displayName) => client.join(payload, displayName),
    previewInvite: (payload) => client.previewInvite(payload),
    async send(roomId, text) {
      await client.send(roomId, text);
    },
    act: (roomId, action, target, text) => act(client, roomId, action, target, text),
    async attach(roomId, file, transfer) {
      await client.sendAttachment(roomId, file, transfer);
    },
    async fetchAttachment(roomId, key, transfer) {
      // Delivered messages only: a pending one's attachment is the file the person just chose.
      const found = client.messages(roomId).find((m) => m.seq !== undefined && messageKey(m, 0) === key)?.attachment;
      if (found === undefined) throw new SottoError('ATTACHMENT_NOT_FOUND', 'no such message with an attachment');
      return { bytes: await client.fetchAttachment(roomId, found, transfer), name: found.name, mediaType: found.mediaType };
    },
    remove: (roomId, member) => client.remove(roomId, member),
    setVerified: (roomId, member, verified) => client.setVerified(roomId, member, verified),
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
          // A mention is "@name": without an "@" in any unread text, nothing to fold and count.
          mentions: room.unread === 0 || !client.unreadTextIncludes(room.roomId, '@') ? 0 : client.messages(room.roomId, room.unread)
            .filter((m) => !m.mine && m.attachment === undefined && mentions(m.text, myName(room.roomId))).length,
          createdTime: firstSeen.get(room.roomId)!,
        };
      });
    },
    messages(roomId, last) {
      let pending = 0;
      const name = myName(roomId);
      const members = client.members(roomId);
      const persons = personLabels(members);
      const messages = client.messages(roomId, last).map((m) => messageView(m, m.pending ? pending++ : 0, persons, name));
      const total = client.messageCount(roomId);
      // The notices beside them: from the oldest message shown on, all once the whole history is;
      // naming people as the messages do ("Alice added a device", not one device's label).
      const since = total <= messages.length ? 0 : messages[0]?.time ?? 0;
      const person = new Map(members.map((m) => [m.label, persons.get(m.sign)!.label]));
      const notices = client.notices(roomId).filter((n) => n.time >= since)
        .map((n) => ({ ...n, actor: person.get(n.actor) ?? n.actor, subject: person.get(n.subject) ?? n.subject }));
      return { messages, total, notices };
    },
    members(roomId) {
      const self = me(roomId);
      const members = client.members(roomId);
      const persons = personLabels(members);
      return members.map((m: ClientMember) => ({
        sign: m.sign,
        name: m.label,
        role: m.role,
        fingerprint: m.fingerprint,
        me: m.sign === self,
        verified: m.verified,
        safetyNumber: m.safetyNumber,
        person: m.person,
        personName: persons.get(m.sign)!.label,
        ownPerson: m.ownPerson,
      }));
    },
    // The new device's rooms take the name the offer carries (the person's name on the other device).
    linkAsNew: () => client.linkAsNewDevice(''),
    acceptLink: () => client.acceptLink(),
    linkNewDevice: (link, roomIds) => client.linkNewDevice(link, roomIds),
    confirmLink: () => client.confirmLink(),
    cancelLink: () => client.cancelLink(),
    retrySends: (roomId) => client.retrySends(roomId),
    reconnect: () => client.reconnect(),
    stop: () => client.close(),
  };
}
