// SottoClient, the one client state machine the browser worker, the headless client and the bench
// drive: rooms, the relay connection and everything the relay serves, checked before it changes
// any state. This file is its public surface and the wiring of its parts; each concept is its own
// module (see client-context.ts for how they share state and run work without deadlocking).
import { toHex } from '../bytes.js';
import { randomBytes } from '../crypto/random.js';
import type { Suite } from '../crypto/suite.js';
import type { NoisePrimitives } from '../noise/index.js';
import type { HistorySetting, Role, RoomSettings } from '../wire/membership.js';
import type { RefKind } from '../wire/content.js';
import { refContent } from './message-actions.js';
import { renameContent } from './room-name.js';
import type { TimelineMessage } from './timeline-fold.js';
import { applyEvent } from '../membership/roster.js';
import { ClientContext, type ClientParts } from './client-context.js';
import type { ClientListener, ConnectionStatus, MemberView, RoomView } from './client-events.js';
import type { SocketLike } from './connection.js';
import { safeName } from './display-name.js';
import { Connector } from './connector.js';
import { epochFromKey } from './epoch-keys.js';
import { genesisEvent } from './events.js';
import { Inbound } from './inbound.js';
import { Issuer } from './issuer.js';
import type { InvitePreview } from './invite.js';
import { noticeViews, type NoticeView } from './notices.js';
import { Joiner } from './joiner.js';
import { DeviceLinker } from './device-linker.js';
import { KeySchedule } from './key-schedule.js';
import { KeyUpdates } from './key-update.js';
import { generateMemberKeys } from './member-keys.js';
import { Membership } from './membership.js';
import { Drops } from './drops.js';
import { Outbox } from './outbox.js';
import { downloadAttachment, uploadAttachment, type AttachmentFile, type TransferOptions } from './attachments.js';
import { attachmentRefOf, type AttachmentView } from './attachment-view.js';
import type { ClientPersistence } from './persistence.js';
import { Receiving } from './receiving.js';
import { Checkpointer } from './checkpointer.js';
import { RelayChannel } from './relay-channel.js';
import { Restore } from './restore.js';
import { markImported } from './adopt.js';
import { RoomBinding } from './room-binding.js';
import { appendVerified, newRoomState } from './room-state.js';
import { joinRecords, LAYOUT_VERSION } from './record-layout.js';
import { decodeSnapshotJson } from './snapshot.js';
import { Sync } from './sync.js';
import { memberViews, messageCount, messageViews, roomCodeOf, roomView } from './views.js';

export interface SottoClientOptions {
  readonly suite: Suite;
  readonly primitives: NoisePrimitives;
  /**
   * A new socket to the relay's WebSocket endpoint and the relay's static Noise key (pinned, or
   * from the relay's /config.json); called on every (re)connect, so a relay that moved is found.
   */
  readonly connect: () => Promise<{ readonly socket: SocketLike; readonly relayPublicKey: Uint8Array }>;
  /** Undefined: nothing survives the process (ephemeral client). */
  readonly persistence?: ClientPersistence;
  readonly onEvent?: ClientListener;
  readonly requestTimeoutMs?: number;
  readonly maxBackoffMs?: number;
  /** Failing to reconnect for this long stops trying until reconnect() (default 15 minutes). */
  readonly reconnectGiveUpMs?: number;
  /** Failing to get a message stored for this long marks it "Not sent" until retrySends() (default 2 minutes). */
  readonly sendGiveUpMs?: number;
  /** How long a join keeps asking while the connection or the relay's storage is away (default 1 minute). */
  readonly joinGiveUpMs?: number;
  /** Longest a save of what the relay can serve again may wait (SaveQueue.requestLater). */
  readonly lazySaveMs?: number;
  /** Seqs per history chunk record in the keystore (record-layout.ts); default 128. */
  readonly historyChunk?: number;
  /** Messages per room that may wait for the log or a key before the oldest is dropped (default 1,000). */
  readonly maxWaitingMessages?: number;
  /** How far one message may move a sender's key chain on (default 10,000, the longest epoch V-11 allows). */
  readonly maxMessageKeySkip?: number;
  /** Keys of not-yet-arrived messages kept per sender chain for late deliveries (default 1,000). */
  readonly maxSkippedMessageKeys?: number;
  /** As a room's owner, make a checkpoint once the log is this many events past the last (§8.4); default 1,000. */
  readonly checkpointEvery?: number;
  /**
   * Replace this client's keys in each room (§8.5) once they are this old, stretched by up to 10 %
   * per room; default 7 days (DEFAULT_KEY_UPDATE_INTERVAL_MS); 0 turns the schedule off.
   */
  readonly keyUpdateIntervalMs?: number;
  /** Own acknowledged records kept per room to hand back to a relay restored from a backup (default 1,000). */
  readonly keepOwnRecords?: number;
  /** Rotations kept per room for the same (default 64). */
  readonly keepRotations?: number;
  /**
   * The persisted snapshot was just imported from an export the person chose, which may be older
   * than what its keys sent since: its rooms adopt those records as their own (adopt.ts).
   */
  readonly imported?: boolean;
  /** The relay's attachment limit as last heard (its config.json says it; default 25 MiB): larger files are refused before uploading. */
  readonly maxAttachmentBytes?: () => number;
}

const AGE_CHECK_MS = 60_000;
export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

export class SottoClient {
  readonly #ctx: ClientContext;
  readonly #parts: ClientParts;
  readonly #connector: Connector;
  readonly #linker: DeviceLinker;
  readonly #maxAttachmentBytes: () => number;
  #closed = false;
  #ageTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(options: SottoClientOptions) {
    const ctx = new ClientContext(options);
    // Getters, because the parts call one another: each is reached only after all are built.
    const parts: ClientParts = {
      get channel() { return channel; },
      get binding() { return binding; },
      get inbound() { return inbound; },
      get receiving() { return receiving; },
      get sync() { return sync; },
      get outbox() { return outbox; },
      get drops() { return drops; },
      get keys() { return keys; },
      get updates() { return updates; },
      get membership() { return membership; },
      get joiner() { return joiner; },
      get issuer() { return issuer; },
      get checkpoints() { return checkpoints; },
      get restore() { return restore; },
    };
    const channel = new RelayChannel(ctx);
    const binding = new RoomBinding(ctx, parts);
    const inbound = new Inbound(ctx, parts);
    const receiving = new Receiving(ctx, parts);
    const sync = new Sync(ctx, parts);
    const outbox = new Outbox(ctx, parts);
    const drops = new Drops(ctx, parts);
    const keys = new KeySchedule(ctx, parts);
    const updates = new KeyUpdates(ctx, parts);
    const membership = new Membership(ctx, parts);
    const joiner = new Joiner(ctx, parts);
    const issuer = new Issuer(ctx, parts);
    const checkpoints = new Checkpointer(ctx, parts);
    const restore = new Restore(ctx, parts);
    this.#ctx = ctx;
    this.#parts = parts;
    this.#connector = new Connector(ctx, parts);
    this.#linker = new DeviceLinker(ctx, parts);
    this.#maxAttachmentBytes = options.maxAttachmentBytes ?? ((): number => DEFAULT_MAX_ATTACHMENT_BYTES);
  }

  /** Loads the persisted state (if any) and starts connecting; does not wait to be online. */
  static async open(options: SottoClientOptions): Promise<SottoClient> {
    const client = new SottoClient(options);
    const ctx = client.#ctx;
    const records = await options.persistence?.load();
    if (records !== undefined) {
      const stored = joinRecords(records);
      const decoded = await decodeSnapshotJson(options.suite, stored.snapshot);
      for (const room of decoded.rooms) ctx.rooms.set(room.hex, room);
      if (options.imported === true) {
        // Another copy of these keys may be in other hands and may have sent since the export: its
        // records are adopted as ours (adopt.ts), and every room replaces its keys on the first
        // connection (§8.5). Written at once, so both survive a stop before that connection.
        markImported(decoded.rooms);
        for (const room of decoded.rooms) if (room.status === 'member') room.keyUpdateDue = true;
        await ctx.save();
      }
      ctx.outdated.push(...decoded.outdated);
      ctx.store.loaded(decoded.rooms, stored);
      // A keystore made before this records layout is rewritten in it at once, in one atomic save.
      if (stored.layout < LAYOUT_VERSION) await ctx.save();
      // Said once per room at start: the room is kept, but this version cannot take part in it.
      for (const room of decoded.outdated) {
        ctx.warn(undefined, 'BAD_VERSION', `“${room.name}” was made by an older version of Sotto (protocol 1), which this one cannot open; its history stays in your keystore`);
      }
    }
    client.#connector.start();
    client.#ageTimer = setInterval(() => {
      for (const room of ctx.rooms.values()) {
        client.#parts.keys.maybeRotate(room);
        client.#parts.updates.maybeUpdate(room);
      }
    }, AGE_CHECK_MS);
    return client;
  }

  get status(): ConnectionStatus {
    return this.#parts.channel.status;
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: ClientListener): () => void {
    this.#ctx.listeners.add(listener);
    return () => this.#ctx.listeners.delete(listener);
  }

  /** Resolves once connected and bound (or rejects with TIMEOUT). */
  whenOnline(timeoutMs?: number): Promise<void> {
    return this.#parts.channel.whenOnline(timeoutMs);
  }

  /** `roomToken`: the operator's room-creation token, for a relay that asks for one (ROOM_TOKEN_REQUIRED). */
  async createRoom(name: string, displayName = '', settings?: RoomSettings, roomToken?: string): Promise<string> {
    const ctx = this.#ctx;
    const { channel, binding, outbox } = this.#parts;
    const me = await generateMemberKeys(ctx.suite);
    const roomId = randomBytes(16);
    const genesis = await genesisEvent(me.sign, me.enc.publicKey, roomId, settings);
    const roster = await applyEvent(ctx.suite, undefined, genesis);
    // Shown sanitized at once, as every member (we too, on the ack) stores it from the network.
    const room = newRoomState(roomId, me, 'member', safeName(name), displayName);
    appendVerified(room, genesis, roster);
    room.epochs.set(0, epochFromKey(randomBytes(32), { roomId, epoch: 0, roster, startedAt: genesis.time, rotationHash: undefined }));
    room.epoch = 0;
    await channel.request((rid) => ({ type: 'createRoom', rid, genesis, ...(roomToken === undefined ? {} : { roomToken }) }));
    ctx.rooms.set(room.hex, room);
    await ctx.save();
    await binding.bindAndSync(room);
    ctx.emit({ type: 'room', room: roomView(room) });
    const named = await ctx.exclusive(() => outbox.enqueueContent(room, { type: 'roomName', time: Date.now(), text: name }));
    if (displayName !== '') {
      ctx.background(ctx.exclusive(() => outbox.enqueueContent(room, { type: 'profile', time: Date.now(), text: displayName })).then((q) => q.done), room);
    }
    await named.done;
    return room.hex;
  }

  /** Registers an invite with the relay and returns the link payload (`#/join/<link>`). */
  async createInvite(roomId: string, ttlMs = 7 * 24 * 3600 * 1000): Promise<{ link: string; expiresAt: number }> {
    return this.#parts.issuer.createInvite(this.#ctx.memberRoom(roomId), ttlMs);
  }

  /** What an invite link leads to, verified, before joining (nothing is sent but the lookup). */
  async previewInvite(link: string): Promise<InvitePreview> {
    return this.#parts.joiner.preview(link);
  }

  /**
   * Asks to join through an invite link and returns the room id once the relay holds the request.
   * The rest (welcome, confirmation, admission) follows from pushes: watch `join` events.
   */
  async join(link: string, displayName: string): Promise<string> {
    return this.#parts.joiner.join(link, displayName);
  }

  /** Seals and queues a text message; resolves with the relay's seq once it is acknowledged. */
  async send(roomId: string, text: string): Promise<number> {
    const room = this.#ctx.memberRoom(roomId);
    const queued = await this.#ctx.exclusive(() => this.#parts.outbox.enqueueContent(room, { type: 'text', time: Date.now(), text }));
    return queued.done;
  }

  /** Replies to the message `target` names (`sender:counter`, a view's `ref`), quoting it (§9.1). */
  async reply(roomId: string, target: string, text: string): Promise<number> {
    return this.#refer(roomId, 'reply', target, text);
  }

  /** Our reaction to `target`, replacing any earlier one of ours; '' withdraws it. */
  async react(roomId: string, target: string, emoji: string): Promise<number> {
    return this.#refer(roomId, 'reaction', target, emoji);
  }

  /** A new text for our message `target` (NOT_AUTHOR for another's); the earlier ones stay on each device. */
  async edit(roomId: string, target: string, text: string): Promise<number> {
    return this.#refer(roomId, 'edit', target, text);
  }

  /**
   * Deletes our message `target` for everyone: each member wipes its text (NOT_AUTHOR for another's).
   * Once the relay acknowledges the delete, it is asked to drop the message's ciphertext and
   * attachment for our tombstone (§9.1.1, receiving.ts).
   */
  async deleteMessage(roomId: string, target: string): Promise<number> {
    return this.#refer(roomId, 'delete', target, '');
  }

  /** Renames the room for every member (an owner or admin only, NOT_ADMIN otherwise; V-150); resolves once the relay holds it. */
  async renameRoom(roomId: string, name: string): Promise<number> {
    const room = this.#ctx.memberRoom(roomId);
    const queued = await this.#ctx.exclusive(() => this.#parts.outbox.enqueueContent(room, renameContent(room, name)));
    return queued.done;
  }

  async #refer(roomId: string, kind: RefKind, target: string, text: string): Promise<number> {
    const room = this.#ctx.memberRoom(roomId);
    const queued = await this.#ctx.exclusive(() => this.#parts.outbox.enqueueContent(room, refContent(room, kind, target, text)));
    return queued.done;
  }

  /** Seals and uploads a file (§9.2), then sends its reference as a message; resolves with that message's seq. */
  async sendAttachment(roomId: string, file: AttachmentFile, options?: TransferOptions): Promise<number> {
    const room = this.#ctx.memberRoom(roomId);
    const attachment = await uploadAttachment(this.#parts.channel, room.roomId, file, this.#maxAttachmentBytes(), options);
    const queued = await this.#ctx.exclusive(() => this.#parts.outbox.enqueueContent(room, { type: 'attachment', time: Date.now(), attachment }));
    return queued.done;
  }

  /** Downloads, verifies and opens an attachment a message of the room carries (§9.2, V-139). */
  fetchAttachment(roomId: string, attachment: AttachmentView, options?: TransferOptions): Promise<Uint8Array> {
    const room = this.#ctx.memberRoom(roomId);
    return downloadAttachment(this.#parts.channel, room.roomId, attachmentRefOf(attachment), options);
  }


  /**
   * On a new device: starts a device link (§8.7.1) and returns the payload of `#/link/<payload>`.
   * A `link` event with state `offer` brings the code to compare; then `acceptLink`.
   */
  async linkAsNewDevice(displayName: string): Promise<string> {
    return this.#linker.startAsNew(displayName);
  }

  /** On the new device, once its person confirmed the code: take the offered rooms (all by default). */
  async acceptLink(roomIds?: readonly string[]): Promise<void> {
    await this.#linker.accept(roomIds);
  }

  /** On an existing device: answers a link shown on the new device, offering `roomIds`; returns the code to compare. */
  async linkNewDevice(link: string, roomIds: readonly string[]): Promise<string> {
    return this.#linker.startAsExisting(link, roomIds);
  }

  /** On the existing device, once its person confirmed the code: the device is added and the history sent. */
  confirmLink(): void {
    this.#linker.confirm();
  }

  /** Stops the link in progress on this device, either end, and tells the other device (LINK_CANCELLED on both). */
  async cancelLink(): Promise<void> {
    await this.#linker.cancel();
  }

  /**
   * Removes a member. A device of our own person goes alone; another person goes with every device
   * (§8.7). The removal and the rotation that shuts them out apply atomically.
   */
  async remove(roomId: string, memberSign: string): Promise<void> {
    await this.#parts.membership.remove(this.#ctx.memberRoom(roomId), memberSign);
  }

  async setRole(roomId: string, memberSign: string, role: Exclude<Role, 'owner'>): Promise<void> {
    await this.#parts.membership.setRole(this.#ctx.memberRoom(roomId), memberSign, role);
  }

  /** What new members see of earlier messages (owner/admin; §8.6). */
  async setHistory(roomId: string, history: HistorySetting): Promise<void> {
    await this.#parts.membership.setHistory(this.#ctx.memberRoom(roomId), history);
  }

  async leave(roomId: string): Promise<void> {
    await this.#parts.membership.leave(this.#ctx.memberRoom(roomId));
  }

  /** A new epoch key for the current roster (owner/admin). */
  async rotate(roomId: string): Promise<number> {
    const room = this.#ctx.memberRoom(roomId);
    await this.#ctx.exclusive(() => this.#parts.keys.rotateWithRetry(room, () => true));
    return room.epoch;
  }

  /** Replaces our keys in the room and starts a new epoch (§8.5); resolves once committed. */
  async updateKeys(roomId: string): Promise<number> {
    const room = this.#ctx.memberRoom(roomId);
    await this.#parts.updates.update(room);
    return room.epoch;
  }

  rooms(): RoomView[] {
    return [...this.#ctx.rooms.values()].map(roomView);
  }

  /** The room's messages in order, or only the last `last` of them. */
  messages(roomId: string, last?: number): TimelineMessage[] {
    return messageViews(this.#ctx.room(roomId), last);
  }

  messageCount(roomId: string): number {
    return messageCount(this.#ctx.room(roomId));
  }

  /**
   * Whether any message after the read mark (an edit of one too: it comes after its target) holds
   * `needle` in its text: a scan of the raw texts, so a UI can skip folding thousands of unread
   * messages when none of them can match (docs/performance.md, "Opening a room with replies").
   */
  unreadTextIncludes(roomId: string, needle: string): boolean {
    const room = this.#ctx.room(roomId);
    for (let i = room.messages.length - 1; i >= 0 && room.messages[i]!.seq > room.readSeq; i--) {
      if (room.messages[i]!.text.includes(needle)) return true;
    }
    return false;
  }

  members(roomId: string): MemberView[] {
    return memberViews(this.#ctx.room(roomId));
  }

  /**
   * Marks a member verified (after comparing safety numbers) or clears it; kept in the keystore.
   * Bound to the key: a key update (§8.5) leaves the new key unverified and its notice says so.
   */
  setVerified(roomId: string, memberSign: string, verified: boolean): void {
    const room = this.#ctx.room(roomId);
    if (verified) room.verified.add(memberSign);
    else room.verified.delete(memberSign);
    this.#ctx.saveLater();
    this.#ctx.emit({ type: 'members', roomId: room.hex, members: memberViews(room) });
  }

  /** The timeline's notices (joined, left, removed, role changed, new room code), oldest first. */
  notices(roomId: string): readonly NoticeView[] {
    return noticeViews(this.#ctx.room(roomId));
  }

  /** Marks the room read up to `seq` (default: everything delivered so far); kept in the snapshot. */
  markRead(roomId: string, seq?: number): void {
    const room = this.#ctx.room(roomId);
    const upTo = Math.min(seq ?? room.lastSeen, room.lastSeen);
    if (upTo <= room.readSeq) return;
    room.readSeq = upTo;
    this.#ctx.saveLater();
  }

  roomCode(roomId: string): string | undefined {
    return roomCodeOf(this.#ctx.room(roomId));
  }

  /** This client's signing key in a room, hex: what others see as the sender. */
  identity(roomId: string): string {
    return toHex(this.#ctx.room(roomId).me.sign.publicKey);
  }

  /** The person's Retry: reconnects now if reconnecting had stopped (status 'stopped'), or was backing off. */
  reconnect(): void {
    if (!this.#closed) this.#connector.reconnect();
  }

  /** The person's Retry on messages marked "Not sent": tries them again, with a fresh time bound. */
  retrySends(roomId: string): void {
    this.#parts.outbox.retry(this.#ctx.memberRoom(roomId));
  }

  /** Stops reconnecting, closes the socket and waits for the last save. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ageTimer);
    await this.#connector.stop();
    this.#parts.outbox.wake();
    this.#parts.drops.wake();
    await this.#parts.inbound.drained();
    await this.#ctx.save().catch(() => undefined);
  }

  toJSON(): string {
    return 'SottoClient';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SottoClient(${this.status}, ${this.#ctx.rooms.size} rooms)`;
  }
}
