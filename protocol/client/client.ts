// The client state machine: rooms, the relay connection and everything the relay serves, checked
// before it changes any state. Three kinds of work, kept apart so none can deadlock another:
//   - inbound: every relay frame is handled in arrival order on one chain (#enqueue); a handler
//     only verifies and applies, never waits for the relay;
//   - operations: local changes that allocate counters or extend the log (send, remove, rotate…)
//     run one at a time (#exclusive) and may wait for relay answers;
//   - background: follow-ups a push starts (welcome, admit, sync, rotation) run detached (#spawn).
import { bytesEqual, concat, fromHex, toHex } from '../bytes.js';
import { SottoError, isSottoError, type ErrorName } from '../errors.js';
import { sha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import { Secret } from '../crypto/secret.js';
import { labeled } from '../crypto/signing.js';
import type { Suite } from '../crypto/suite.js';
import type { NoisePrimitives } from '../noise/index.js';
import type { Content } from '../wire/content.js';
import { AUTH_ROLE, type AuthRole, type ClientFrame, type RelayFrame } from '../wire/frames.js';
import { parseInviteLink } from '../wire/invite.js';
import type { JoinConfirm, JoinRequest, Welcome } from '../wire/join.js';
import type { MemberEvent, Role, RoomSettings } from '../wire/membership.js';
import type { MessageRecord } from '../wire/message.js';
import type { Rotation } from '../wire/rotation.js';
import type { ClientEvent, ClientListener, ConnectionStatus, MemberView, RoomView } from './client-events.js';
import { openConnection, type Connection, type SocketLike } from './connection.js';
import { genesisEvent, nextEvent } from './events.js';
import { createInvite as buildInvite, inviteKeyFromToken, verifyInviteInfo } from './invite.js';
import { buildJoinConfirm, buildJoinRequest, buildWelcome, checkJoinConfirm, openJoinRequest, openWelcome } from './join.js';
import { generateMemberKeys } from './member-keys.js';
import { epochMessageKey, messageHash, openMessage, sealMessage, verifyAhead } from './message-crypto.js';
import { SaveQueue, type ClientPersistence } from './persistence.js';
import { receiveMessage } from './receive-message.js';
import { Requests, type Answer } from './requests.js';
import {
  appendVerified, countMessage, currentRoster, latestSeen, newRoomState, rosterAt, rotationPending,
  type MessageView, type OutboxItem, type RoomState,
} from './room-state.js';
import { applyEvent, isAdmin, memberOf, nextRoster, ZERO_HASH, type Roster } from '../membership/roster.js';
import { buildRotation, checkRotationRoster, openRotation, verifyRotationSignature } from './rotation.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { insertMessage, memberViews, messageCount, messageViews, newMessageView, pendingView, roomCodeOf, roomView } from './views.js';

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
  /** Longest a save of what the relay can serve again may wait (SaveQueue.requestLater). */
  readonly lazySaveMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BACKOFF_MS = 5_000;
const DEFAULT_LAZY_SAVE_MS = 1_000;
const FIRST_BACKOFF_MS = 200;
const SYNC_PAGE = 1000;
const RETRIES = 3;
const AGE_CHECK_MS = 60_000;
const RATE_LIMIT_PAUSE_MS = 1_000;
/** Connection failures that retrying may cure: a relay that is down, restarting or slow. */
const TRANSIENT: ReadonlySet<ErrorName> = new Set(['CLOSED', 'TIMEOUT', 'UNAVAILABLE']);

/** A value that is itself a promise must not be flattened by the operation queue. */
interface Pending<T> {
  readonly done: Promise<T>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function expectOk(answer: Answer): number {
  if (answer.type !== 'ok') throw new SottoError('UNEXPECTED_FRAME', `expected ok, got ${answer.type}`);
  return answer.value;
}

function errorName(error: unknown): ErrorName {
  return isSottoError(error) ? error.errorName : 'INTERNAL';
}

function errorDetail(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SottoClient {
  readonly #suite: Suite;
  readonly #options: SottoClientOptions;
  readonly #timeoutMs: number;
  readonly #rooms = new Map<string, RoomState>();
  readonly #listeners = new Set<ClientListener>();
  readonly #requests: Requests;
  readonly #saves: SaveQueue | undefined;
  #conn: Connection | undefined;
  #status: ConnectionStatus = 'offline';
  #closed = false;
  #inbound: Promise<void> = Promise.resolve();
  #ops: Promise<unknown> = Promise.resolve();
  #onlineWaiters: (() => void)[] = [];
  #batch: { conn: Connection; frames: ClientFrame[] } | undefined;
  #wakeBackoff: (() => void) | undefined;
  #ageTimer: ReturnType<typeof setInterval> | undefined;
  #loop: Promise<void> | undefined;
  /** Rooms bound as member and synced on the current connection: their outbox may flow. */
  readonly #ready = new Set<string>();
  readonly #pumping = new Set<string>();
  readonly #rotating = new Set<string>();
  readonly #busy = new Set<string>();
  readonly #syncChains = new Map<string, Promise<void>>();
  readonly #syncCount = new Map<string, number>();
  readonly #deferred = new Map<string, { seq: number; record: MessageRecord; after: number }[]>();
  readonly #acks = new Map<string, { resolve: (seq: number) => void; reject: (error: unknown) => void }>();
  /** Consecutive deliver frames just received, per room: the page a syncDone closes. */
  #run: { hex: string; seqs: number[] } | undefined;
  /** Delivers that arrived ahead of the sync cursor, by room then seq. */
  readonly #held = new Map<string, Map<number, MessageRecord>>();
  /** Rooms with a sync in flight. */
  readonly #syncing = new Set<string>();
  /** Per room, the log length at which an event beyond the head last made us sync. */
  readonly #gapSyncs = new Map<string, number>();

  private constructor(options: SottoClientOptions) {
    this.#suite = options.suite;
    this.#options = options;
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#requests = new Requests(() => this.#conn?.close());
    this.#saves = options.persistence === undefined ? undefined : new SaveQueue(
      options.persistence, () => encodeSnapshot(this.#rooms.values()), options.lazySaveMs ?? DEFAULT_LAZY_SAVE_MS,
    );
    if (options.onEvent !== undefined) this.#listeners.add(options.onEvent);
  }

  /** Loads the persisted state (if any) and starts connecting; does not wait to be online. */
  static async open(options: SottoClientOptions): Promise<SottoClient> {
    const client = new SottoClient(options);
    const snapshot = await options.persistence?.load();
    if (snapshot !== undefined) for (const room of await decodeSnapshot(options.suite, snapshot)) client.#rooms.set(room.hex, room);
    client.#loop = client.#connectLoop();
    client.#ageTimer = setInterval(() => {
      for (const room of client.#rooms.values()) client.#maybeRotate(room);
    }, AGE_CHECK_MS);
    return client;
  }

  // ——— public API ———

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: ClientListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once connected and bound (or rejects with TIMEOUT). */
  whenOnline(timeoutMs = this.#timeoutMs): Promise<void> {
    if (this.#status === 'online') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#onlineWaiters = this.#onlineWaiters.filter((w) => w !== waiter);
        reject(new SottoError('TIMEOUT', 'not online'));
      }, timeoutMs);
      const waiter = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#onlineWaiters.push(waiter);
    });
  }

  async createRoom(name: string, displayName = '', settings?: RoomSettings): Promise<string> {
    const me = await generateMemberKeys(this.#suite);
    const roomId = randomBytes(16);
    const genesis = await genesisEvent(me.sign, me.enc.publicKey, roomId, settings);
    const roster = await applyEvent(this.#suite, undefined, genesis);
    const room = newRoomState(roomId, me, 'member', name, displayName);
    appendVerified(room, genesis, roster);
    room.epochs.set(0, { key: new Secret(randomBytes(32)), rosterHash: roster.headHash, logLength: 1, startedAt: genesis.time, rotationHash: undefined });
    room.epoch = 0;
    await this.#request((rid) => ({ type: 'createRoom', rid, genesis }));
    this.#rooms.set(room.hex, room);
    await this.#save();
    await this.#bindAndSync(room);
    this.#emit({ type: 'room', room: roomView(room) });
    const named = await this.#exclusive(() => this.#enqueueContent(room, { type: 'roomName', time: Date.now(), text: name }));
    if (displayName !== '') {
      this.#background(this.#exclusive(() => this.#enqueueContent(room, { type: 'profile', time: Date.now(), text: displayName })).then((q) => q.done), room);
    }
    await named.done;
    return room.hex;
  }

  /** Registers an invite with the relay and returns the link payload (`#/join/<link>`). */
  async createInvite(roomId: string, ttlMs = 7 * 24 * 3600 * 1000): Promise<{ link: string; expiresAt: number }> {
    const room = this.#memberRoom(roomId);
    const roster = currentRoster(room)!;
    if (!isAdmin(roster, room.me.sign.publicKey)) throw new SottoError('NOT_ADMIN', 'only the owner or an admin invites');
    const expiresAt = Date.now() + ttlMs;
    const created = await buildInvite(this.#suite, room.me.sign, roster, expiresAt);
    room.invites.set(toHex(created.invite.invitePublicKey), { token: new Secret(created.token), expiresAt });
    await this.#save();
    await this.#request((rid) => ({ type: 'registerInvite', rid, invite: created.invite }));
    return { link: created.linkPayload, expiresAt };
  }

  /**
   * Asks to join through an invite link and returns the room id once the relay holds the request.
   * The rest (welcome, confirmation, admission) follows from pushes: watch `join` events.
   */
  async join(link: string, displayName: string): Promise<string> {
    const parsed = parseInviteLink(link);
    const hex = toHex(parsed.roomId);
    if (this.#rooms.has(hex)) throw new SottoError('ROOM_EXISTS', 'already in this room');
    const inviteKey = await inviteKeyFromToken(this.#suite, parsed.token, parsed.roomId);
    const info = await this.#request((rid) => ({ type: 'getInvite', rid, roomId: parsed.roomId, invitePublicKey: inviteKey.publicKey }));
    if (info.type !== 'inviteInfo') throw new SottoError('UNEXPECTED_FRAME', info.type);
    const verified = await verifyInviteInfo(this.#suite, parsed, info.invite, info.events);
    const me = await generateMemberKeys(this.#suite);
    const { request, joiningKey } = await buildJoinRequest(this.#suite, verified, me);
    const room = newRoomState(parsed.roomId, me, 'joining', '', displayName);
    let roster: Roster | undefined;
    for (const event of info.events) {
      roster = await applyEvent(this.#suite, roster, event);
      appendVerified(room, event, roster);
    }
    room.join = {
      token: new Secret(parsed.token), invitePublicKey: inviteKey.publicKey, issuer: verified.invite.issuer,
      joiningKey: new Secret(joiningKey), state: 'requested',
    };
    joiningKey.fill(0);
    this.#rooms.set(hex, room);
    await this.#save();
    try {
      await this.#request((rid) => ({ type: 'joinRequest', rid, request }));
    } catch (error) {
      this.#rooms.delete(hex);
      await this.#save();
      throw error;
    }
    this.#emit({ type: 'join', roomId: hex, state: 'requested' });
    this.#emit({ type: 'room', room: roomView(room) });
    await this.#bindAndSync(room).catch((error: unknown) => this.#warn(room, errorName(error), errorDetail(error)));
    return hex;
  }

  /** Seals and queues a text message; resolves with the relay's seq once it is acknowledged. */
  async send(roomId: string, text: string): Promise<number> {
    const room = this.#memberRoom(roomId);
    const queued = await this.#exclusive(() => this.#enqueueContent(room, { type: 'text', time: Date.now(), text }));
    return queued.done;
  }

  /** Removes a member; the removal and the rotation that shuts them out apply atomically. */
  async remove(roomId: string, memberSign: string): Promise<void> {
    const room = this.#memberRoom(roomId);
    await this.#exclusive(() => this.#withLogRetry(room, async () => {
      const roster = currentRoster(room)!;
      const subject = roster.members.get(memberSign.toLowerCase());
      if (subject === undefined) throw new SottoError('NOT_MEMBER', 'no such member');
      const event = await nextEvent(room.me.sign, roster, { kind: 'remove', subjectSign: subject.sign, subjectEnc: subject.enc, role: subject.role });
      const after = nextRoster(roster, event);
      const key = randomBytes(32);
      const rotation = await buildRotation(this.#suite, room.me.sign, after, room.epoch + 1, key);
      await this.#request((rid) => ({ type: 'appendEvent', rid, event, rotation }), async () => {
        await this.#acceptEvent(room, event);
        this.#storeEpoch(room, rotation, key, after);
      });
    }));
  }

  async setRole(roomId: string, memberSign: string, role: Exclude<Role, 'owner'>): Promise<void> {
    const room = this.#memberRoom(roomId);
    await this.#exclusive(() => this.#withLogRetry(room, async () => {
      const roster = currentRoster(room)!;
      const subject = roster.members.get(memberSign.toLowerCase());
      if (subject === undefined) throw new SottoError('NOT_MEMBER', 'no such member');
      const event = await nextEvent(room.me.sign, roster, { kind: 'role', subjectSign: subject.sign, subjectEnc: subject.enc, role });
      await this.#request((rid) => ({ type: 'appendEvent', rid, event, rotation: undefined }), () => this.#acceptEvent(room, event));
    }));
  }

  async leave(roomId: string): Promise<void> {
    const room = this.#memberRoom(roomId);
    await this.#exclusive(() => this.#withLogRetry(room, async () => {
      const roster = currentRoster(room)!;
      const self = memberOf(roster, room.me.sign.publicKey)!;
      const event = await nextEvent(room.me.sign, roster, { kind: 'leave', subjectSign: self.sign, subjectEnc: self.enc, role: self.role });
      await this.#request((rid) => ({ type: 'appendEvent', rid, event, rotation: undefined }), () => this.#acceptEvent(room, event));
    }));
  }

  /** A new epoch key for the current roster (owner/admin). */
  async rotate(roomId: string): Promise<number> {
    const room = this.#memberRoom(roomId);
    await this.#exclusive(() => this.#rotateWithRetry(room, () => true));
    return room.epoch;
  }

  rooms(): RoomView[] {
    return [...this.#rooms.values()].map(roomView);
  }

  /** The room's messages in order, or only the last `last` of them. */
  messages(roomId: string, last?: number): MessageView[] {
    return messageViews(this.#room(roomId), last);
  }

  messageCount(roomId: string): number {
    return messageCount(this.#room(roomId));
  }

  members(roomId: string): MemberView[] {
    return memberViews(this.#room(roomId));
  }

  /** Marks the room read up to `seq` (default: everything delivered so far); kept in the snapshot. */
  markRead(roomId: string, seq?: number): void {
    const room = this.#room(roomId);
    const upTo = Math.min(seq ?? room.lastSeen, room.lastSeen);
    if (upTo <= room.readSeq) return;
    room.readSeq = upTo;
    this.#saveLater();
  }

  roomCode(roomId: string): string | undefined {
    return roomCodeOf(this.#room(roomId));
  }

  /** This client's signing key in a room, hex: what others see as the sender. */
  identity(roomId: string): string {
    return toHex(this.#room(roomId).me.sign.publicKey);
  }

  /** Stops reconnecting, closes the socket and waits for the last save. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ageTimer);
    this.#wakeBackoff?.();
    this.#conn?.close();
    await this.#loop;
    await this.#inbound;
    await this.#save().catch(() => undefined);
  }

  toJSON(): string {
    return 'SottoClient';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SottoClient(${this.#status}, ${this.#rooms.size} rooms)`;
  }

  // ——— connection lifecycle ———

  async #connectLoop(): Promise<void> {
    let attempt = 0;
    while (!this.#closed) {
      this.#setStatus('connecting');
      let lost: Promise<void> | undefined;
      try {
        const { socket, relayPublicKey } = await this.#options.connect();
        let markLost!: () => void;
        lost = new Promise((resolve) => (markLost = resolve));
        const conn: Connection = await openConnection(socket, relayPublicKey, this.#options.primitives, {
          onFrame: (frame) => {
            if (frame.type === 'deliver') this.#verifyAhead(frame.message);
            this.#enqueue(() => this.#handleFrame(frame));
          },
          onClose: (_info, refused) => this.#enqueue(() => {
            // Otherwise indistinguishable from a flaky network: the relay sent something we refuse.
            if (refused !== undefined) this.#warn(undefined, refused.errorName, `relay connection refused: ${refused.message}`);
            if (this.#conn === conn) this.#dropConnection();
            markLost();
          }),
        });
        this.#conn = conn;
        if (this.#closed) conn.close();
        else {
          await this.#bindAll();
          if (this.#conn === conn) {
            attempt = 0;
            this.#setStatus('online');
            this.#background(this.#catchUpAll());
          }
        }
        await lost;
      } catch (error) {
        // A relay that fails the handshake or serves a bad config is not a flaky network: say so.
        if (isSottoError(error) && !TRANSIENT.has(error.errorName)) this.#warn(undefined, error.errorName, `connecting to the relay: ${error.message}`);
        this.#conn?.close();
        // Only a connection that opened reports its loss; a failed handshake never would.
        if (this.#conn !== undefined) await lost;
      }
      this.#dropConnection();
      if (this.#closed) break;
      const delay = Math.min(this.#options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt++);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay * (0.5 + Math.random() / 2));
        this.#wakeBackoff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeBackoff = undefined;
    }
    this.#setStatus('offline');
  }

  #dropConnection(): void {
    this.#conn = undefined;
    this.#ready.clear();
    this.#run = undefined;
    this.#requests.failAll(new SottoError('CLOSED'));
    if (!this.#closed) this.#setStatus('offline');
  }

  #setStatus(status: ConnectionStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    if (status === 'online') {
      const waiters = this.#onlineWaiters;
      this.#onlineWaiters = [];
      for (const waiter of waiters) waiter();
    }
    this.#emit({ type: 'status', status });
  }

  /** Binds every live room on a fresh connection (all auth frames leave in one message). */
  async #bindAll(): Promise<void> {
    await Promise.all([...this.#rooms.values()].map(async (room) => {
      try {
        await this.#bind(room);
      } catch (error) {
        if (errorName(error) !== 'CLOSED') this.#warn(room, errorName(error), `binding the room: ${errorDetail(error)}`);
      }
    }));
  }

  /** Auth as member, or as joiner while our join is pending; false for rooms we are out of. */
  async #bind(room: RoomState): Promise<AuthRole | undefined> {
    if (room.status === 'left' || room.status === 'removed') return undefined;
    const joinerFirst = room.status === 'joining' && room.join?.state !== 'confirmed';
    const order: AuthRole[] = room.status === 'member' ? ['member'] : joinerFirst ? ['joiner', 'member'] : ['member', 'joiner'];
    let last: unknown;
    for (const role of order) {
      try {
        await this.#auth(room, role);
        return role;
      } catch (error) {
        last = error;
        if (!isSottoError(error, 'NOT_MEMBER') && !isSottoError(error, 'JOIN_NOT_FOUND')) throw error;
      }
    }
    throw last;
  }

  async #auth(room: RoomState, role: AuthRole): Promise<void> {
    const conn = this.#conn;
    if (conn === undefined) throw new SottoError('CLOSED');
    const publicKey = room.me.sign.publicKey;
    const signature = await room.me.sign.sign(labeled('sigSession', concat(conn.handshakeHash, room.roomId, Uint8Array.of(AUTH_ROLE[role]), publicKey)));
    expectOk(await this.#requestOn(conn, (rid) => ({ type: 'auth', rid, roomId: room.roomId, role, publicKey, signature })));
  }

  async #catchUpAll(): Promise<void> {
    await Promise.all([...this.#rooms.values()].map((room) => this.#catchUp(room)));
  }

  /** After binding: sync, then let the outbox flow, then see whether a rotation is due. */
  async #catchUp(room: RoomState): Promise<void> {
    if (room.status !== 'member' && room.status !== 'joining') return;
    if (room.status === 'joining' && room.join?.state !== 'confirmed') return;
    const conn = this.#conn;
    try {
      await this.#sync(room);
    } catch (error) {
      if (!isSottoError(error, 'NOT_AUTHENTICATED') && !isSottoError(error, 'CLOSED')) this.#warn(room, errorName(error), `sync: ${errorDetail(error)}`);
      return;
    }
    if (room.status !== 'member' || conn === undefined || this.#conn !== conn) return;
    this.#ready.add(room.hex);
    this.#kickPump(room);
    this.#maybeRotate(room);
  }

  /** For a room this client just created or asked to join while online. */
  async #bindAndSync(room: RoomState): Promise<void> {
    if (this.#conn === undefined) return; // the next connection binds every room
    const role = await this.#bind(room);
    if (role === 'member') await this.#catchUp(room);
  }

  // ——— requests ———

  #enqueue(task: () => Promise<void> | void): void {
    this.#inbound = this.#inbound.then(task).catch((error: unknown) => this.#warn(undefined, errorName(error), errorDetail(error)));
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#ops.then(operation);
    this.#ops = result.catch(() => undefined);
    return result;
  }

  /** Runs detached; a failure becomes a warning instead of an unhandled rejection. */
  #background(work: Promise<unknown>, room?: RoomState): void {
    work.catch((error: unknown) => {
      if (!isSottoError(error, 'CLOSED')) this.#warn(room, errorName(error), errorDetail(error));
    });
  }

  /** Waits to be online first (up to the request timeout), then sends. */
  async #request(build: (rid: number) => ClientFrame, onAnswer?: (answer: Answer) => Promise<void> | void): Promise<Answer> {
    await this.whenOnline();
    const conn = this.#conn;
    if (conn === undefined) throw new SottoError('CLOSED');
    return this.#requestOn(conn, build, onAnswer);
  }

  #requestOn(conn: Connection, build: (rid: number) => ClientFrame, onAnswer?: (answer: Answer) => Promise<void> | void): Promise<Answer> {
    if (this.#conn !== conn) return Promise.reject(new SottoError('CLOSED'));
    const rid = this.#requests.nextRid();
    const answer = this.#requests.expect(rid, this.#timeoutMs, onAnswer);
    this.#transmit(conn, build(rid));
    return answer;
  }

  /** Frames queued in one tick leave as one WebSocket message. */
  #transmit(conn: Connection, frame: ClientFrame): void {
    if (this.#batch !== undefined && this.#batch.conn === conn) {
      this.#batch.frames.push(frame);
      return;
    }
    this.#batch = { conn, frames: [frame] };
    queueMicrotask(() => {
      const batch = this.#batch;
      this.#batch = undefined;
      if (batch === undefined) return;
      try {
        batch.conn.send(batch.frames);
      } catch {
        // A closed connection fails every request through onClose; nothing else to do here.
      }
    });
  }

  // ——— inbound ———

  /** Others' messages only: our own are told apart by hash and never verified. */
  #verifyAhead(record: MessageRecord): void {
    const room = this.#rooms.get(toHex(record.roomId));
    if (room !== undefined && !bytesEqual(record.sender, room.me.sign.publicKey)) verifyAhead(this.#suite, record);
  }

  async #handleFrame(frame: RelayFrame): Promise<void> {
    if (frame.type === 'deliver') {
      const hex = toHex(frame.roomId);
      if (this.#run === undefined || this.#run.hex !== hex) this.#run = { hex, seqs: [] };
      this.#run.seqs.push(frame.seq);
    } else if (frame.type !== 'syncDone') {
      this.#run = undefined;
    }
    switch (frame.type) {
      case 'ok':
      case 'error':
      case 'inviteInfo':
      case 'pong':
        if (!(await this.#requests.answer(frame)) && frame.type === 'error' && frame.rid === 0) {
          this.#warn(undefined, 'UNEXPECTED_FRAME', `relay error without a request: ${frame.text}`);
        }
        return;
      case 'syncDone': {
        const room = this.#rooms.get(toHex(frame.roomId));
        if (room !== undefined) await this.#closePage(room, frame);
        this.#run = undefined;
        await this.#requests.answer(frame);
        return;
      }
    }
    const room = this.#rooms.get(toHex(frame.roomId));
    if (room === undefined) return;
    switch (frame.type) {
      case 'deliver':
        return this.#onDeliver(room, frame.seq, frame.message);
      case 'event':
        return this.#onEvent(room, frame.event);
      case 'rotation':
        return this.#onRotation(room, frame.rotation);
      case 'joinPending':
        this.#background(this.#onJoinPending(room, frame.request), room);
        return;
      case 'welcomeReady':
        this.#background(this.#onWelcome(room, frame.welcome), room);
        return;
      case 'joinConfirmed':
        this.#background(this.#onJoinConfirmed(room, frame.confirm), room);
        return;
    }
  }

  #closePage(room: RoomState, done: Extract<RelayFrame, { type: 'syncDone' }>): Promise<void> {
    if (done.logLength < room.events.length || done.lastSeq < room.lastSeen) {
      this.#warn(room, 'ROLLBACK', `relay reports log ${done.logLength}, seq ${done.lastSeq}; we have ${room.events.length}, ${room.lastSeen}`);
    }
    // The relay writes a page and its syncDone in one go, so the delivers right before it are the
    // page; a complete answer (more = 0) means nothing below what we hold is still coming.
    const last = this.#run?.hex === room.hex ? this.#run.seqs[this.#run.seqs.length - 1] : undefined;
    return this.#releaseHeld(room, done.more ? (last ?? room.syncSeq) : Number.MAX_SAFE_INTEGER);
  }

  /**
   * Messages are verified in seq order (the sender chains depend on it). `syncSeq` is the cursor:
   * everything up to it has arrived or will never be served to us. A message ahead of it waits
   * until a sync fills the gap, e.g. a push that overtakes the history a reconnect fetches.
   */
  async #onDeliver(room: RoomState, seq: number, record: MessageRecord): Promise<void> {
    if (seq > room.syncSeq + 1) {
      let held = this.#held.get(room.hex);
      if (held === undefined) this.#held.set(room.hex, (held = new Map()));
      const other = held.get(seq);
      if (other === undefined) held.set(seq, record);
      else if (!bytesEqual(other.bytes, record.bytes)) this.#warn(room, 'FORK', `two different messages at seq ${seq}`, seq);
      if (!this.#syncing.has(room.hex)) this.#background(this.#sync(room), room);
      return;
    }
    if (seq === room.syncSeq + 1) room.syncSeq = seq;
    await this.#verifyDelivered(room, seq, record, false);
    await this.#releaseHeld(room, room.syncSeq);
  }

  /** Verifies held messages in seq order: those next to the cursor, and any at or below `limit`. */
  async #releaseHeld(room: RoomState, limit: number): Promise<void> {
    const held = this.#held.get(room.hex);
    while (held !== undefined && held.size > 0) {
      const seq = Math.min(...held.keys());
      if (seq !== room.syncSeq + 1 && seq > limit) return;
      const record = held.get(seq)!;
      held.delete(seq);
      if (seq > room.syncSeq) room.syncSeq = seq;
      await this.#verifyDelivered(room, seq, record, false);
    }
  }

  async #verifyDelivered(room: RoomState, seq: number, record: MessageRecord, retried: boolean): Promise<void> {
    const receipt = await receiveMessage(this.#suite, room, seq, record);
    switch (receipt.kind) {
      case 'duplicate':
        return;
      case 'own':
        await this.#acceptOwn(room, seq, record, receipt.hash);
        return;
      case 'rejected':
        if (receipt.retry && !retried) {
          const list = this.#deferred.get(room.hex) ?? [];
          list.push({ seq, record, after: this.#syncCount.get(room.hex) ?? 0 });
          this.#deferred.set(room.hex, list);
          this.#background(this.#sync(room), room);
          return;
        }
        this.#warn(room, receipt.error, receipt.detail, seq);
        return;
      case 'accepted':
        this.#acceptMessage(room, seq, record, receipt.hash, receipt.content, receipt.warnings);
        return;
    }
  }

  #acceptMessage(room: RoomState, seq: number, record: MessageRecord, hash: Uint8Array, content: Content, warnings: readonly ErrorName[]): void {
    const sender = toHex(record.sender);
    room.senders.set(sender, { counter: record.counter, hash });
    this.#noteSeen(room, seq, hash, record.epoch);
    this.#applyContent(room, seq, record, content, warnings);
    for (const warning of warnings) this.#warn(room, warning, `seq ${seq}`, seq);
    this.#saveSoon(room);
    this.#maybeRotate(room);
  }

  #noteSeen(room: RoomState, seq: number, hash: Uint8Array, epoch: number): void {
    room.seen.set(seq, hash);
    if (seq > room.lastSeen) room.lastSeen = seq;
    countMessage(room, epoch);
  }

  #applyContent(room: RoomState, seq: number, record: MessageRecord, content: Content, warnings: readonly ErrorName[]): void {
    const sender = toHex(record.sender);
    switch (content.type) {
      case 'text': {
        const view = newMessageView(room, seq, record.epoch, record.sender, content.text, content.time, warnings);
        insertMessage(room, view);
        this.#emit({ type: 'message', roomId: room.hex, message: view });
        return;
      }
      case 'profile':
        room.names.set(sender, content.text);
        this.#emit({ type: 'members', roomId: room.hex, members: memberViews(room) });
        return;
      case 'roomName': {
        const roster = currentRoster(room);
        if (roster === undefined || !isAdmin(roster, record.sender)) return; // only owners and admins name the room
        room.name = content.text;
        this.#emit({ type: 'room', room: roomView(room) });
        return;
      }
    }
  }

  /** Our own record: acknowledged now, or served back by a sync after the ack was lost. */
  async #acceptOwn(room: RoomState, seq: number, record: MessageRecord, hash: Uint8Array): Promise<void> {
    if (room.seen.has(seq)) return;
    // By counter, not hash: the relay keeps one record per counter, and the stored one wins.
    const at = room.outbox.findIndex((item) => item.counter === record.counter);
    let content: Content;
    if (at >= 0) {
      const [item] = room.outbox.splice(at, 1);
      content = item!.content;
      if (record.counter === room.counter) room.lastHash = hash;
    } else {
      const epoch = room.epochs.get(record.epoch);
      if (epoch === undefined) return;
      content = await openMessage(this.#suite, record, epochMessageKey(epoch.key, room.roomId, record.epoch, record.sender));
    }
    this.#noteSeen(room, seq, hash, record.epoch);
    this.#applyContent(room, seq, record, content, []);
    const key = `${room.hex}:${record.counter}`;
    this.#acks.get(key)?.resolve(seq);
    this.#acks.delete(key);
    this.#saveSoon(room);
    this.#maybeRotate(room);
  }

  async #onEvent(room: RoomState, event: MemberEvent): Promise<void> {
    if (event.index < room.events.length) {
      if (!bytesEqual(room.events[event.index]!.bytes, event.bytes)) this.#warn(room, 'FORK', `two different events at index ${event.index}`);
      return;
    }
    if (event.index > room.events.length) {
      // One sync per log length: a relay serving event n+1 but never n must not keep us syncing.
      if (this.#gapSyncs.get(room.hex) === room.events.length) {
        this.#warn(room, 'BAD_CHAIN', `relay serves event ${event.index} but not event ${room.events.length}`);
        return;
      }
      this.#gapSyncs.set(room.hex, room.events.length);
      this.#background(this.#sync(room), room);
      return;
    }
    try {
      await this.#acceptEvent(room, event);
    } catch (error) {
      this.#warn(room, errorName(error), `event ${event.index}: ${errorDetail(error)}`);
    }
  }

  /** Verifies and applies one event (ours after the relay took it, or one the relay served). */
  async #acceptEvent(room: RoomState, event: MemberEvent): Promise<void> {
    const roster = await applyEvent(this.#suite, currentRoster(room), event);
    appendVerified(room, event, roster);
    const mine = bytesEqual(event.subjectSign, room.me.sign.publicKey);
    switch (event.kind) {
      case 'add':
        room.invites.delete(toHex(event.invitePublicKey!));
        room.joins.delete(toHex(event.subjectSign));
        if (mine && room.status === 'joining') {
          room.status = 'member';
          room.join!.state = 'member';
          this.#emit({ type: 'join', roomId: room.hex, state: 'member' });
          this.#background(this.#becomeMember(room), room);
        }
        break;
      case 'remove':
      case 'leave':
        if (mine) {
          room.status = event.kind === 'remove' ? 'removed' : 'left';
          this.#ready.delete(room.hex);
          for (const item of room.outbox.splice(0)) this.#failAck(room, item, new SottoError('NOT_MEMBER', 'no longer in the room'));
        } else if (event.kind === 'leave') {
          this.#maybeRotate(room);
        }
        break;
      case 'create':
      case 'role':
        break;
    }
    this.#emit({ type: 'members', roomId: room.hex, members: memberViews(room) });
    this.#emit({ type: 'room', room: roomView(room) });
    this.#saveSoon(room);
  }

  async #onRotation(room: RoomState, rotation: Rotation): Promise<void> {
    const known = room.epochs.get(rotation.epoch);
    if (known !== undefined) {
      if (known.rotationHash !== undefined && !bytesEqual(known.rotationHash, sha256(rotation.bytes))) {
        this.#warn(room, 'FORK', `two different rotations to epoch ${rotation.epoch}`);
      }
      return;
    }
    const roster = rosterAt(room, rotation.logLength);
    if (roster === undefined) {
      this.#warn(room, 'BAD_ROTATION', `rotation ${rotation.epoch} names log length ${rotation.logLength}; we have ${room.events.length}`);
      return;
    }
    let key: Uint8Array;
    try {
      checkRotationRoster(rotation, roster);
      await verifyRotationSignature(this.#suite, rotation);
      key = await openRotation(rotation, room.me);
    } catch (error) {
      this.#warn(room, errorName(error), `rotation ${rotation.epoch}: ${errorDetail(error)}`);
      return;
    }
    this.#storeEpoch(room, rotation, key, roster);
  }

  #storeEpoch(room: RoomState, rotation: Rotation, key: Uint8Array, roster: Roster): void {
    room.epochs.set(rotation.epoch, {
      key: new Secret(key), rosterHash: roster.headHash, logLength: roster.length, startedAt: rotation.time, rotationHash: sha256(rotation.bytes),
    });
    key.fill(0);
    if (rotation.epoch > room.epoch) room.epoch = rotation.epoch;
    this.#emit({ type: 'epoch', roomId: room.hex, epoch: room.epoch, roomCode: roomCodeOf(room) });
    this.#saveSoon(room);
    this.#kickPump(room);
  }

  // ——— sync ———

  /** One sync at a time per room; each pages until the relay says there is no more. */
  #sync(room: RoomState): Promise<void> {
    const previous = this.#syncChains.get(room.hex) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#syncNow(room));
    this.#syncChains.set(room.hex, next);
    return next;
  }

  async #syncNow(room: RoomState): Promise<void> {
    const count = (this.#syncCount.get(room.hex) ?? 0) + 1;
    this.#syncCount.set(room.hex, count);
    this.#syncing.add(room.hex);
    try {
      for (;;) {
        const answer = await this.#request((rid) => ({
          type: 'sync', rid, roomId: room.roomId, logFrom: room.events.length, epochFrom: room.epoch + 1, seqFrom: room.syncSeq, limit: SYNC_PAGE,
        }));
        if (answer.type !== 'syncDone') throw new SottoError('UNEXPECTED_FRAME', answer.type);
        if (!answer.more) break;
      }
    } finally {
      this.#syncing.delete(room.hex);
    }
    const deferred = this.#deferred.get(room.hex) ?? [];
    const due = deferred.filter((d) => d.after < count);
    this.#deferred.set(room.hex, deferred.filter((d) => d.after >= count));
    await new Promise<void>((resolve) => this.#enqueue(async () => {
      for (const d of due) await this.#verifyDelivered(room, d.seq, d.record, true);
      resolve();
    }));
    await this.#save();
  }

  // ——— joiner ———

  /** Welcome → joinConfirm. Re-pushed after every joiner auth, so it must be idempotent. */
  async #onWelcome(room: RoomState, welcome: Welcome): Promise<void> {
    const join = room.join;
    if (join === undefined || (join.state !== 'requested' && join.state !== 'welcomed') || this.#busy.has(room.hex)) return;
    this.#busy.add(room.hex);
    try {
      if (join.state === 'requested') {
        const payload = await openWelcome(this.#suite, welcome, join.issuer, join.joiningKey.expose(), join.token.expose());
        room.epochs.set(payload.epoch, {
          key: new Secret(payload.epochKey), rosterHash: payload.rosterHash, logLength: undefined, startedAt: Date.now(), rotationHash: undefined,
        });
        payload.epochKey.fill(0);
        room.epoch = payload.epoch;
        room.name = payload.roomName;
        for (const entry of payload.names) room.names.set(toHex(entry.member), entry.name);
        join.state = 'welcomed';
        this.#emit({ type: 'join', roomId: room.hex, state: 'welcomed' });
        // The epoch key is on disk before we confirm: a restart must not lose what we confirmed.
        await this.#save();
      }
      const confirm = await buildJoinConfirm(room.me.sign, welcome, join.joiningKey.expose(), join.token.expose());
      try {
        await this.#request((rid) => ({ type: 'joinConfirm', rid, confirm }));
      } catch (error) {
        // A confirmation from before a lost ack is already stored; ours differs only in its nonce.
        if (!isSottoError(error, 'JOIN_STATE')) throw error;
      }
      // Our add event may already have made us a member while the confirmation was in flight.
      if (join.state === 'welcomed') {
        join.state = 'confirmed';
        this.#emit({ type: 'join', roomId: room.hex, state: 'confirmed' });
        this.#emit({ type: 'room', room: roomView(room) });
        await this.#save();
      }
    } finally {
      this.#busy.delete(room.hex);
    }
  }

  /** Our add event arrived: bind as member, catch up, announce our name. */
  async #becomeMember(room: RoomState): Promise<void> {
    await this.#save();
    if (this.#conn !== undefined) {
      await this.#auth(room, 'member');
      await this.#catchUp(room);
    }
    if (room.displayName !== '') {
      const queued = await this.#exclusive(() => this.#enqueueContent(room, { type: 'profile', time: Date.now(), text: room.displayName }));
      this.#background(queued.done, room);
    }
  }

  // ——— issuer ———

  async #onJoinPending(room: RoomState, request: JoinRequest): Promise<void> {
    const key = `${room.hex}:${toHex(request.joinerSign)}`;
    if (room.status !== 'member' || this.#busy.has(key)) return;
    this.#busy.add(key);
    try {
      const handled = room.joins.get(toHex(request.joinerSign));
      // Pushed again only while the relay lacks our welcome: resend the very same bytes.
      const welcome = handled?.welcome ?? await this.#answerJoin(room, request);
      if (welcome === undefined) return;
      await this.#request((rid) => ({ type: 'welcome', rid, welcome }));
    } finally {
      this.#busy.delete(key);
    }
  }

  async #answerJoin(room: RoomState, request: JoinRequest): Promise<Welcome | undefined> {
    const invite = room.invites.get(toHex(request.invitePublicKey));
    if (invite === undefined) {
      this.#warn(room, 'INVITE_NOT_FOUND', 'join request for an invite we did not issue');
      return undefined;
    }
    if (invite.expiresAt <= Date.now()) {
      this.#warn(room, 'INVITE_EXPIRED', 'join request for an expired invite');
      return undefined;
    }
    const inviteKey = await inviteKeyFromToken(this.#suite, invite.token.expose(), room.roomId);
    const joiningKey = await openJoinRequest(this.#suite, request, room.me.enc, inviteKey);
    const epoch = room.epochs.get(room.epoch)!;
    const names = [...room.names].map(([sign, name]) => ({ member: fromHex(sign), name }));
    const welcome = await buildWelcome(room.me.sign, request, joiningKey, invite.token.expose(), {
      epoch: room.epoch, epochKey: epoch.key.expose(), rosterHash: epoch.rosterHash ?? ZERO_HASH, roomName: room.name, names,
    });
    room.joins.set(toHex(request.joinerSign), { request, joiningKey: new Secret(joiningKey), welcome, welcomeEpoch: room.epoch });
    joiningKey.fill(0);
    await this.#save();
    return welcome;
  }

  async #onJoinConfirmed(room: RoomState, confirm: JoinConfirm): Promise<void> {
    const joiner = toHex(confirm.joinerSign);
    const key = `${room.hex}:${joiner}`;
    const handled = room.joins.get(joiner);
    if (handled === undefined) {
      // A copy of a confirmation whose add has completed (the relay pushes it and also serves it as
      // pending work) is no anomaly; one for someone we never admitted is.
      if (memberOf(currentRoster(room)!, confirm.joinerSign) === undefined) {
        this.#warn(room, 'JOIN_NOT_FOUND', 'confirmation for a join we did not answer');
      }
      return;
    }
    const invite = room.invites.get(toHex(handled.request.invitePublicKey));
    if (invite === undefined || this.#busy.has(key)) return;
    this.#busy.add(key);
    try {
      await checkJoinConfirm(this.#suite, confirm, handled.welcome, handled.joiningKey.expose(), invite.token.expose());
      await this.#exclusive(async () => {
        await this.#withLogRetry(room, async () => {
          const roster = currentRoster(room)!;
          if (memberOf(roster, handled.request.joinerSign) !== undefined) return;
          const event = await nextEvent(room.me.sign, roster, {
            kind: 'add', subjectSign: handled.request.joinerSign, subjectEnc: handled.request.joinerEnc, role: 'member',
            invitePublicKey: handled.request.invitePublicKey,
          });
          await this.#request((rid) => ({ type: 'appendEvent', rid, event, rotation: undefined }), () => this.#acceptEvent(room, event));
        });
        // A welcome from an older epoch leaves the new member without the current key: rotate.
        if (handled.welcomeEpoch !== room.epoch) await this.#rotateWithRetry(room, () => true);
      });
    } finally {
      this.#busy.delete(key);
    }
  }

  // ——— sending ———

  #memberRoom(roomId: string): RoomState {
    const room = this.#room(roomId);
    if (room.status !== 'member') throw new SottoError('NOT_MEMBER', `room status is ${room.status}`);
    return room;
  }

  #room(roomId: string): RoomState {
    const room = this.#rooms.get(roomId.toLowerCase());
    if (room === undefined) throw new SottoError('ROOM_NOT_FOUND');
    return room;
  }

  /** Seals under the current epoch, persists (the counter is spent from here on), then queues. */
  async #enqueueContent(room: RoomState, content: Content): Promise<Pending<number>> {
    if (room.status !== 'member') throw new SottoError('NOT_MEMBER', `room status is ${room.status}`);
    const counter = room.counter + 1;
    const record = await this.#seal(room, content, counter, room.lastHash);
    room.counter = counter;
    room.lastHash = messageHash(record.bytes);
    room.sentHashes.add(toHex(room.lastHash));
    const item: OutboxItem = { counter, content, record };
    room.outbox.push(item);
    const done = new Promise<number>((resolve, reject) => this.#acks.set(`${room.hex}:${counter}`, { resolve, reject }));
    await this.#save();
    const pending = pendingView(room, item);
    if (pending !== undefined && room.outbox.includes(item)) this.#emit({ type: 'pending', roomId: room.hex, message: pending });
    this.#kickPump(room);
    return { done };
  }

  async #seal(room: RoomState, content: Content, counter: number, prevHash: Uint8Array): Promise<MessageRecord> {
    const epoch = room.epochs.get(room.epoch);
    if (epoch === undefined) throw new SottoError('KEY_MISSING', `no key for epoch ${room.epoch}`);
    const seen = latestSeen(room);
    return sealMessage({
      signer: room.me.sign, roomId: room.roomId, epoch: room.epoch, key: epochMessageKey(epoch.key, room.roomId, room.epoch, room.me.sign.publicKey),
      counter, prevHash, seenSeq: seen.seq, seenHash: seen.hash, content,
    });
  }

  /**
   * Everything still unacknowledged, sealed again under the current epoch with the same counters
   * (the relay refused them, so those counters were never stored) and a fresh prevHash chain.
   */
  async #reseal(room: RoomState): Promise<void> {
    if (room.outbox.length === 0 || room.outbox[0]!.record.epoch === room.epoch) return;
    let prevHash = room.outbox[0]!.record.prevHash;
    for (const item of room.outbox) {
      item.record = await this.#seal(room, item.content, item.counter, prevHash);
      prevHash = messageHash(item.record.bytes);
      room.sentHashes.add(toHex(prevHash));
    }
    room.lastHash = prevHash;
    await this.#save();
  }

  #kickPump(room: RoomState): void {
    if (this.#pumping.has(room.hex) || !this.#ready.has(room.hex) || room.outbox.length === 0) return;
    this.#pumping.add(room.hex);
    this.#background(this.#pump(room).finally(() => this.#pumping.delete(room.hex)), room);
  }

  /** Sends the outbox in order, one at a time: each counter is acknowledged before the next goes. */
  async #pump(room: RoomState): Promise<void> {
    let stale = 0;
    while (this.#ready.has(room.hex) && room.outbox.length > 0) {
      const item = room.outbox[0]!;
      if (item.record.epoch !== room.epoch) {
        await this.#exclusive(() => this.#reseal(room));
        continue;
      }
      if (rotationPending(room)) {
        // Sends would be refused until someone rotates; an owner or admin does it now.
        if (!isAdmin(currentRoster(room)!, room.me.sign.publicKey)) return;
        await this.#exclusive(() => this.#rotateWithRetry(room, () => rotationPending(room)));
        if (rotationPending(room)) return;
        continue;
      }
      const conn = this.#conn;
      if (conn === undefined) return;
      const record = item.record;
      try {
        const answer = await this.#requestOn(conn, (rid) => ({ type: 'send', rid, message: record }), async (a) => {
          if (a.type !== 'ok') return;
          await this.#acceptOwn(room, a.value, record, messageHash(record.bytes));
          // The relay never pushes our own message back, so the ack is where the cursor passes it.
          await this.#onDeliver(room, a.value, record);
        });
        expectOk(answer);
        stale = 0;
      } catch (error) {
        switch (errorName(error)) {
          case 'STALE_EPOCH':
          case 'COUNTER_USED':
            // A rotation we have not seen yet, or our counter already stored (an earlier copy whose
            // ack was lost): sync fetches either, and the stored copy acknowledges this item.
            if (++stale > RETRIES) return;
            await this.#sync(room);
            continue;
          case 'RATE_LIMITED':
            await sleep(RATE_LIMIT_PAUSE_MS);
            continue;
          case 'CLOSED':
          case 'TIMEOUT':
            return;
          default:
            if (room.outbox[0] === item) room.outbox.shift();
            this.#failAck(room, item, error);
            this.#warn(room, errorName(error), `message ${item.counter} refused: ${errorDetail(error)}`);
            await this.#save();
        }
      }
    }
  }

  #failAck(room: RoomState, item: OutboxItem, error: unknown): void {
    const key = `${room.hex}:${item.counter}`;
    this.#acks.get(key)?.reject(error);
    this.#acks.delete(key);
  }

  // ——— rotation ———

  #rotationDue(room: RoomState): boolean {
    const roster = currentRoster(room);
    if (room.status !== 'member' || roster === undefined || !isAdmin(roster, room.me.sign.publicKey)) return false;
    if (rotationPending(room)) return true;
    if ((room.epochCounts.get(room.epoch) ?? 0) >= roster.settings.rotateEveryMessages) return true;
    const started = room.epochs.get(room.epoch)?.startedAt;
    return started !== undefined && Date.now() - started >= roster.settings.rotateAfterSeconds * 1000;
  }

  #maybeRotate(room: RoomState): void {
    if (this.#rotating.has(room.hex) || !this.#ready.has(room.hex) || !this.#rotationDue(room)) return;
    this.#rotating.add(room.hex);
    this.#background(this.#exclusive(() => this.#rotateWithRetry(room, () => this.#rotationDue(room))).finally(() => this.#rotating.delete(room.hex)), room);
  }

  /** Rotates while `stillNeeded`; a lost race (STALE_EPOCH) or a moved log means sync and look again. */
  async #rotateWithRetry(room: RoomState, stillNeeded: () => boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (!stillNeeded()) return;
      const roster = currentRoster(room)!;
      const epoch = room.epoch + 1;
      const key = randomBytes(32);
      const rotation = await buildRotation(this.#suite, room.me.sign, roster, epoch, key);
      try {
        await this.#request((rid) => ({ type: 'rotate', rid, rotation }), () => this.#storeEpoch(room, rotation, key, roster));
        return;
      } catch (error) {
        if (attempt >= RETRIES || (!isSottoError(error, 'STALE_EPOCH') && !isSottoError(error, 'BAD_ROTATION'))) throw error;
        await this.#sync(room);
      }
    }
  }

  /** Log changes race with other admins: BAD_CHAIN or STALE_EPOCH means sync and build again. */
  async #withLogRetry(room: RoomState, change: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await change();
        return;
      } catch (error) {
        if (attempt >= RETRIES || (!isSottoError(error, 'BAD_CHAIN') && !isSottoError(error, 'STALE_EPOCH'))) throw error;
        await this.#sync(room);
      }
    }
  }

  // ——— events and persistence ———

  #emit(event: ClientEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not stop the state machine.
      }
    }
  }

  #warn(room: RoomState | undefined, error: ErrorName, detail: string, seq?: number): void {
    this.#emit({ type: 'warning', roomId: room?.hex, error, detail, ...(seq === undefined ? {} : { seq }) });
  }

  #save(): Promise<void> {
    return this.#saves?.request() ?? Promise.resolve();
  }

  /**
   * Saves what `room` just learned, without waiting for it. While the room syncs, what arrives is
   * covered by the save that ends the sync (or one within lazySaveMs): a save writes the whole
   * state, and one per message made a long catch-up quadratic.
   */
  #saveSoon(room: RoomState): void {
    this.#unawaited(this.#syncing.has(room.hex) ? this.#saves?.requestLater() : this.#save());
  }

  /** For what the relay serves again if it is lost (a sync page's messages, a read mark). */
  #saveLater(): void {
    this.#unawaited(this.#saves?.requestLater());
  }

  /** A save nobody awaits still reports its failure. */
  #unawaited(save: Promise<void> | undefined): void {
    save?.catch((error: unknown) => this.#warn(undefined, errorName(error), `saving: ${errorDetail(error)}`));
  }
}
