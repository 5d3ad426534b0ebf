// Relay frames in: each is handled in arrival order on one chain, and handed to the concept it is
// about. Messages are verified in seq order (the sender chains depend on it), so a deliver that
// arrives ahead of the sync cursor is held until a sync fills the gap.
import { bytesEqual, toHex } from '../bytes.js';
import type { RelayFrame } from '../wire/frames.js';
import type { MessageRecord } from '../wire/message.js';
import type { Tombstone } from '../wire/tombstone.js';
import { errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { verifyAhead } from './message-crypto.js';
import { logLength, type RoomState } from './room-state.js';

type RoomFrame = Extract<RelayFrame, { type: 'deliver' | 'dropped' | 'event' | 'rotation' | 'joinPending' | 'welcomeReady' }>;
type InboundParts = Pick<ClientParts, 'channel' | 'receiving' | 'sync' | 'membership' | 'keys' | 'joiner' | 'issuer' | 'restore'>;

export class Inbound {
  readonly #ctx: ClientContext;
  readonly #parts: InboundParts;
  #chain: Promise<void> = Promise.resolve();
  /** Where device-link mailbox posts go (§8.7.1); they belong to no room. */
  linkData: ((box: Uint8Array, data: Uint8Array) => void) | undefined;
  /** Consecutive deliver frames just received, per room: the page a syncDone closes. */
  #run: { hex: string; seqs: number[] } | undefined;
  /**
   * Delivers that arrived ahead of the sync cursor, by room then seq; a second, different record at
   * one seq is kept too, and called a FORK only once its signature is checked in its turn.
   */
  readonly #held = new Map<string, Map<number, MessageRecord[]>>();
  /**
   * Pushes for a room whose auth is in flight, in arrival order: the relay may push before its
   * answer, and the answer may say the relay was restored (restore.ts), which changes how they read.
   */
  readonly #authenticating = new Map<string, RoomFrame[]>();
  /**
   * Per room, the log length and seq we held when the sync page now running was asked for. The
   * relay reads its head at some moment while answering; a push of something newer (committed by
   * another relay process in between) can reach us before the answer does, so only what we held
   * before asking can show the relay behind (V-112).
   */
  readonly #heldWhenAsked = new Map<string, { readonly logLength: number; readonly lastSeen: number }>();

  constructor(ctx: ClientContext, parts: InboundParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** A frame from the connection: its signature check may start now, its handling waits its turn. */
  receive(frame: RelayFrame): void {
    if (frame.type === 'deliver') this.#verifyAhead(frame.message);
    this.enqueue(() => this.#handleFrame(frame));
  }

  /** Runs `task` after every frame received so far has been handled. */
  enqueue(task: () => Promise<void> | void): void {
    this.#chain = this.#chain.then(task).catch((error: unknown) => this.#ctx.warn(undefined, errorName(error), errorDetail(error)));
  }

  /** Resolves once everything enqueued so far is done. */
  drained(): Promise<void> {
    return this.#chain;
  }

  /** A page never spans connections, nor does an auth. */
  connectionLost(): void {
    this.#run = undefined;
    this.#authenticating.clear();
  }

  /** Others' messages only: our own are told apart by hash and never verified. */
  #verifyAhead(record: MessageRecord): void {
    const room = this.#ctx.rooms.get(toHex(record.roomId));
    if (room !== undefined && !bytesEqual(record.sender, room.me.sign.publicKey)) verifyAhead(this.#ctx.suite, record);
  }

  async #handleFrame(frame: RelayFrame): Promise<void> {
    const { channel } = this.#parts;
    if (frame.type === 'deliver' || frame.type === 'dropped') {
      const hex = toHex(frame.roomId);
      if (this.#run === undefined || this.#run.hex !== hex) this.#run = { hex, seqs: [] };
      this.#run.seqs.push(frame.type === 'deliver' ? frame.seq : frame.tombstone.seq);
    } else if (frame.type !== 'syncDone') {
      this.#run = undefined;
    }
    switch (frame.type) {
      case 'ok':
      case 'error':
      case 'inviteInfo':
      case 'pong':
      case 'attachChunk':
        if (!(await channel.answer(frame)) && frame.type === 'error' && frame.rid === 0) {
          this.#ctx.warn(undefined, 'UNEXPECTED_FRAME', `relay error without a request: ${frame.text}`);
        }
        return;
      case 'linkData':
        this.linkData?.(frame.box, frame.data);
        return;
      case 'busStatus':
        channel.busStatus(frame.reachable);
        return;
      case 'syncDone': {
        const room = this.#ctx.rooms.get(toHex(frame.roomId));
        if (room !== undefined) await this.#closePage(room, frame);
        this.#run = undefined;
        await channel.answer(frame);
        return;
      }
    }
    const room = this.#ctx.rooms.get(toHex(frame.roomId));
    if (room === undefined) return;
    const waiting = this.#authenticating.get(room.hex);
    if (waiting !== undefined) waiting.push(frame);
    else await this.#handleRoomFrame(room, frame);
  }

  /** From now until releaseFrames, the room's pushes wait for its auth answer. */
  holdFrames(room: RoomState): void {
    this.#authenticating.set(room.hex, []);
  }

  /** Handles the pushes that waited for the room's auth answer; call it on the inbound chain. */
  async releaseFrames(room: RoomState): Promise<void> {
    const frames = this.#authenticating.get(room.hex);
    this.#authenticating.delete(room.hex);
    for (const frame of frames ?? []) await this.#handleRoomFrame(room, frame);
  }

  async #handleRoomFrame(room: RoomState, frame: RoomFrame): Promise<void> {
    const { membership, keys, joiner, issuer, receiving } = this.#parts;
    switch (frame.type) {
      case 'deliver':
        return this.onDeliver(room, frame.seq, frame.message);
      case 'dropped':
        return this.#onDropped(room, frame.tombstone);
      case 'event':
        await membership.onEvent(room, frame.event);
        // An add may admit the sender of a message waiting for it.
        if (frame.event.kind === 'add' || frame.event.kind === 'device') await receiving.retryWaiting(room);
        return;
      case 'rotation':
        await keys.onRotation(room, frame.rotation);
        return receiving.retryWaiting(room);
      case 'joinPending':
        this.#ctx.background(issuer.onJoinPending(room, frame.request), room);
        return;
      case 'welcomeReady':
        this.#ctx.background(joiner.onWelcome(room, frame.welcome), room);
        return;
    }
  }

  /** Forgets held deliveries after `seq`: seqs a restored relay lost and may fill with other records. */
  dropHeld(room: RoomState, seq: number): void {
    const held = this.#held.get(room.hex);
    for (const at of held?.keys() ?? []) if (at > seq) held!.delete(at);
  }

  /** A sync page of `room` is being asked for now. */
  askingSync(room: RoomState): void {
    this.#heldWhenAsked.set(room.hex, { logLength: logLength(room), lastSeen: room.lastSeen });
  }

  #closePage(room: RoomState, done: Extract<RelayFrame, { type: 'syncDone' }>): Promise<void> {
    this.#parts.restore.noteHead(room, done);
    const held = this.#heldWhenAsked.get(room.hex) ?? { logLength: logLength(room), lastSeen: room.lastSeen };
    this.#heldWhenAsked.delete(room.hex);
    // A relay restored from a backup is behind by design; restore.ts hands back what it lost.
    if ((done.logLength < held.logLength || done.lastSeq < held.lastSeen) && !this.#parts.restore.restored(room)) {
      this.#ctx.warn(room, 'ROLLBACK', `relay reports log ${done.logLength}, seq ${done.lastSeq}; we have ${logLength(room)}, ${room.lastSeen}`);
    }
    // The relay writes a page and its syncDone in one go, so the delivers right before it are the
    // page; a complete answer (more = 0) means nothing below what we hold is still coming.
    const last = this.#run?.hex === room.hex ? this.#run.seqs[this.#run.seqs.length - 1] : undefined;
    return this.#releaseHeld(room, done.more ? (last ?? room.syncSeq) : Number.MAX_SAFE_INTEGER);
  }

  /**
   * A message at `seq`, pushed, served by a sync or acknowledged to us. `syncSeq` is the cursor:
   * everything up to it has arrived or will never be served to us. A message ahead of it waits
   * until a sync fills the gap, e.g. a push that overtakes the history a reconnect fetches.
   */
  async onDeliver(room: RoomState, seq: number, record: MessageRecord): Promise<void> {
    if (seq > room.syncSeq + 1) {
      let held = this.#held.get(room.hex);
      if (held === undefined) this.#held.set(room.hex, (held = new Map()));
      const here = held.get(seq) ?? [];
      if (!here.some((other) => bytesEqual(other.bytes, record.bytes))) held.set(seq, [...here, record]);
      if (!this.#ctx.syncing.has(room.hex)) this.#ctx.background(this.#parts.sync.sync(room), room);
      return;
    }
    if (seq === room.syncSeq + 1) room.syncSeq = seq;
    await this.#parts.receiving.verifyDelivered(room, seq, record);
    await this.#releaseHeld(room, room.syncSeq);
  }

  /**
   * A tombstone in a sync page, in seq order with the delivers around it: what is held before it
   * goes first, then it takes its seq (§9.1.1).
   */
  async #onDropped(room: RoomState, tombstone: Tombstone): Promise<void> {
    await this.#releaseHeld(room, tombstone.seq - 1);
    if (tombstone.seq > room.syncSeq) room.syncSeq = tombstone.seq;
    await this.#parts.receiving.takeTombstone(room, tombstone);
    await this.#releaseHeld(room, room.syncSeq);
  }

  /** Verifies held messages in seq order: those next to the cursor, and any at or below `limit`. */
  async #releaseHeld(room: RoomState, limit: number): Promise<void> {
    const held = this.#held.get(room.hex);
    while (held !== undefined && held.size > 0) {
      const seq = Math.min(...held.keys());
      if (seq !== room.syncSeq + 1 && seq > limit) return;
      const records = held.get(seq)!;
      held.delete(seq);
      if (seq > room.syncSeq) room.syncSeq = seq;
      for (const record of records) await this.#parts.receiving.verifyDelivered(room, seq, record);
    }
  }
}
