// Sending: content is sealed under the current epoch with the next counter and saved before it is
// transmitted (a counter is never reused across a restart), then the outbox goes out in order, one
// unacknowledged record at a time, and each send resolves with the seq of its ack. A refusal that
// may pass (a rotation not seen yet, a rate limit) is retried with backoff.ts; after sendGiveUpMs
// of those the messages are marked "Not sent" and wait for the person's Retry (retry()).
import { toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { Content } from '../wire/content.js';
import type { MessageRecord } from '../wire/message.js';
import { Backoff, pause } from './backoff.js';
import { errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { messageHash, sealMessage } from './message-crypto.js';
import { expectOk } from './relay-channel.js';
import { currentRoster, epochExpired, epochReplaced, latestSeen, rotationPending, type OutboxItem, type RoomState } from './room-state.js';
import { retireChain, takeMessageKey } from './sender-ratchet.js';
import { noteSent } from './message-store.js';
import { pendingView, roomView } from './views.js';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;
/** Refusals in a row after which queued messages are marked "Not sent" (default 2 minutes). */
export const DEFAULT_SEND_GIVE_UP_MS = 2 * 60_000;

/** A value that is itself a promise must not be flattened by the operation queue. */
export interface Pending<T> {
  readonly done: Promise<T>;
}

type OutboxParts = Pick<ClientParts, 'channel' | 'inbound' | 'receiving' | 'sync' | 'keys'>;

export class Outbox {
  readonly #ctx: ClientContext;
  readonly #parts: OutboxParts;
  readonly #pumping = new Set<string>();
  /** The sends waiting for their ack, by room and counter. */
  readonly #acks = new Map<string, { resolve: (seq: number) => void; reject: (error: unknown) => void }>();
  /** Per room, how long its head message has been refused. */
  readonly #backoffs = new Map<string, Backoff>();
  /** Ends the pauses running now (closing: the pumps then find their rooms not ready and stop). */
  readonly #pauses = new Set<() => void>();

  constructor(ctx: ClientContext, parts: OutboxParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /**
   * Seals under the current epoch, persists (the counter is spent from here on), then queues.
   * Run it as an operation (ClientContext.exclusive): it allocates a counter.
   */
  async enqueueContent(room: RoomState, content: Content): Promise<Pending<number>> {
    if (room.status !== 'member') throw new SottoError('NOT_MEMBER', `room status is ${room.status}`);
    // An imported keystore seals nothing before a complete sync has moved its counters past
    // everything the relay holds from its keys (adopt.ts): no counter is used twice.
    if (room.journal.adopting) await this.#parts.sync.sync(room);
    const counter = room.counter + 1;
    const record = await this.#seal(room, content, counter, room.lastHash);
    room.counter = counter;
    room.lastHash = messageHash(record.bytes);
    room.sentHashes.add(toHex(room.lastHash));
    noteSent(room, toHex(room.lastHash));
    const item: OutboxItem = { counter, content, record };
    room.outbox.push(item);
    const done = new Promise<number>((resolve, reject) => this.#acks.set(`${room.hex}:${counter}`, { resolve, reject }));
    await this.#ctx.save();
    const pending = pendingView(room, item);
    if (pending !== undefined && room.outbox.includes(item)) this.#ctx.emit({ type: 'pending', roomId: room.hex, message: pending });
    this.kickPump(room);
    return { done };
  }

  /** Starts sending the room's outbox unless it is already going, the room is not ready or its messages wait for Retry. */
  kickPump(room: RoomState): void {
    if (this.#pumping.has(room.hex) || !this.#ctx.ready.has(room.hex) || room.outbox.length === 0 || room.outbox[0]!.failed === true) return;
    this.#pumping.add(room.hex);
    this.#ctx.background(this.#pump(room).finally(() => this.#pumping.delete(room.hex)), room);
  }

  /** The relay stored our record with `counter` at `seq`: its send resolves. */
  acknowledged(room: RoomState, counter: number, seq: number): void {
    const key = `${room.hex}:${counter}`;
    this.#acks.get(key)?.resolve(seq);
    this.#acks.delete(key);
  }

  /** The person's Retry: messages marked "Not sent" go again, with a fresh time bound. */
  retry(room: RoomState): void {
    this.#backoff(room).reset();
    this.#mark(room, false);
    this.kickPump(room);
  }

  /** We are out of the room: nothing queued will ever be sent. */
  abandon(room: RoomState): void {
    for (const item of room.outbox.splice(0)) this.#failAck(room, item, new SottoError('NOT_MEMBER', 'no longer in the room'));
  }

  /** Seals with the next key of our own chain in the current epoch, which moves on past it (§9). */
  async #seal(room: RoomState, content: Content, counter: number, prevHash: Uint8Array): Promise<MessageRecord> {
    const chains = room.epochs.get(room.epoch)?.chains;
    const me = toHex(room.me.sign.publicKey);
    const mine = chains?.get(me);
    if (chains === undefined || mine === undefined) throw new SottoError('KEY_MISSING', `no sending key for epoch ${room.epoch}`);
    const taken = takeMessageKey(mine, mine.next);
    const seen = latestSeen(room);
    const roster = currentRoster(room)!;
    let record: MessageRecord;
    try {
      record = await sealMessage({
        signer: room.me.sign, roomId: room.roomId, epoch: room.epoch, key: taken.messageKey, index: mine.next,
        counter, prevHash, seenSeq: seen.seq, seenHash: seen.hash, logLength: roster.length, logHash: roster.headHash, content,
      });
    } finally {
      taken.messageKey.fill(0);
    }
    chains.set(me, taken.chain);
    retireChain(mine, taken.chain);
    return record;
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
      noteSent(room, toHex(prevHash));
    }
    room.lastHash = prevHash;
    await this.#ctx.save();
  }

  /** Sends the outbox in order, one at a time: each counter is acknowledged before the next goes. */
  async #pump(room: RoomState): Promise<void> {
    const { channel, inbound, receiving, sync, keys } = this.#parts;
    while (this.#ctx.ready.has(room.hex) && room.outbox.length > 0) {
      const item = room.outbox[0]!;
      if (item.failed === true) return;
      if (room.keyUpdate !== undefined) {
        // Our key update is unconfirmed: nothing goes out under the keys it replaces (V-99); the
        // key of the epoch it starts, once stored (storeEpoch), kicks this pump again.
        this.#ctx.emit({ type: 'room', room: roomView(room) });
        return;
      }
      if (item.record.epoch !== room.epoch) {
        await this.#ctx.exclusive(() => this.#reseal(room));
        continue;
      }
      if (epochReplaced(room)) {
        // The newer epoch's rotation exists; fetch it rather than send under a replaced key (V-75).
        // Storing its key kicks this pump again.
        await sync.sync(room);
        if (epochReplaced(room)) {
          this.#ctx.emit({ type: 'room', room: roomView(room) });
          return;
        }
        continue;
      }
      if (rotationPending(room) || epochExpired(room, Date.now())) {
        // A leave's rotation, or one the epoch's lifetime calls for (V-77): nothing goes out under
        // this epoch, and any member may start the next one (V-71), so we do.
        const stillNeeded = (): boolean => rotationPending(room) || epochExpired(room, Date.now());
        this.#ctx.emit({ type: 'room', room: roomView(room) });
        await this.#ctx.exclusive(() => keys.rotateWithRetry(room, stillNeeded));
        if (stillNeeded()) return;
        continue;
      }
      const conn = channel.conn;
      if (conn === undefined) return;
      const record = item.record;
      try {
        const answer = await channel.requestOn(conn, (rid) => ({ type: 'send', rid, message: record }), async (a) => {
          if (a.type !== 'ok') return;
          await receiving.acceptOwn(room, a.value, record, messageHash(record.bytes));
          // The relay never pushes our own message back, so the ack is where the cursor passes it.
          await inbound.onDeliver(room, a.value, record);
        });
        expectOk(answer);
        this.#backoff(room).reset();
      } catch (error) {
        switch (errorName(error)) {
          case 'STALE_EPOCH':
          case 'COUNTER_USED':
          case 'SENDER_MISMATCH':
            // A rotation we have not seen yet, or our counter already stored (an earlier copy whose
            // ack was lost): sync fetches either, and the stored copy acknowledges this item. Our
            // key update committing while this send was in flight: it is resealed under the new key.
            if (!(await this.#waitToRetry(room))) return;
            await sync.sync(room);
            continue;
          case 'RATE_LIMITED':
          case 'STORE_UNAVAILABLE':
            // Nothing was stored: the same record goes again, and a copy that was stored after all
            // (its COMMIT outlived the connection) is answered with its seq.
            if (!(await this.#waitToRetry(room))) return;
            continue;
          case 'CLOSED':
          case 'TIMEOUT':
            return;
          default:
            if (room.outbox[0] === item) room.outbox.shift();
            this.#failAck(room, item, error);
            this.#ctx.warn(room, errorName(error), `message ${item.counter} refused: ${errorDetail(error)}`);
            await this.#ctx.save();
        }
      }
    }
  }

  #backoff(room: RoomState): Backoff {
    let backoff = this.#backoffs.get(room.hex);
    if (backoff === undefined) {
      const giveUpMs = this.#ctx.options.sendGiveUpMs ?? DEFAULT_SEND_GIVE_UP_MS;
      this.#backoffs.set(room.hex, (backoff = new Backoff({ firstMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS, giveUpMs })));
    }
    return backoff;
  }

  /** Waits before the next try; false (and the queue marked "Not sent") once the time bound is spent. */
  async #waitToRetry(room: RoomState): Promise<boolean> {
    const delay = this.#backoff(room).next();
    if (delay === undefined) {
      this.#mark(room, true);
      return false;
    }
    const wait = pause(delay);
    this.#pauses.add(wait.wake);
    await wait.done;
    this.#pauses.delete(wait.wake);
    return true;
  }

  /** Wakes every pump pausing between retries, e.g. when the client closes. */
  wake(): void {
    for (const wake of this.#pauses) wake();
  }

  /** Marks every queued message "Not sent" (or clears the mark) and shows it. */
  #mark(room: RoomState, failed: boolean): void {
    for (const item of room.outbox) {
      if ((item.failed === true) === failed) continue;
      item.failed = failed;
      const view = pendingView(room, item);
      if (view !== undefined) this.#ctx.emit({ type: 'pending', roomId: room.hex, message: view });
    }
  }

  #failAck(room: RoomState, item: OutboxItem, error: unknown): void {
    const key = `${room.hex}:${item.counter}`;
    this.#acks.get(key)?.reject(error);
    this.#acks.delete(key);
  }
}
