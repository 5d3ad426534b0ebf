// Sending: content is sealed under the current epoch with the next counter and saved before it is
// transmitted (a counter is never reused across a restart), then the outbox goes out in order, one
// unacknowledged record at a time, and each send resolves with the seq of its ack.
import { toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import type { Content } from '../wire/content.js';
import type { MessageRecord } from '../wire/message.js';
import { RETRIES, errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { epochMessageKey, messageHash, sealMessage } from './message-crypto.js';
import { expectOk } from './relay-channel.js';
import { currentRoster, epochExpired, epochReplaced, latestSeen, rotationPending, type OutboxItem, type RoomState } from './room-state.js';
import { noteSent } from './message-store.js';
import { pendingView, roomView } from './views.js';

const RATE_LIMIT_PAUSE_MS = 1_000;

/** A value that is itself a promise must not be flattened by the operation queue. */
export interface Pending<T> {
  readonly done: Promise<T>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type OutboxParts = Pick<ClientParts, 'channel' | 'inbound' | 'receiving' | 'sync' | 'keys'>;

export class Outbox {
  readonly #ctx: ClientContext;
  readonly #parts: OutboxParts;
  readonly #pumping = new Set<string>();
  /** The sends waiting for their ack, by room and counter. */
  readonly #acks = new Map<string, { resolve: (seq: number) => void; reject: (error: unknown) => void }>();

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

  /** Starts sending the room's outbox unless it is already going or the room is not ready. */
  kickPump(room: RoomState): void {
    if (this.#pumping.has(room.hex) || !this.#ctx.ready.has(room.hex) || room.outbox.length === 0) return;
    this.#pumping.add(room.hex);
    this.#ctx.background(this.#pump(room).finally(() => this.#pumping.delete(room.hex)), room);
  }

  /** The relay stored our record with `counter` at `seq`: its send resolves. */
  acknowledged(room: RoomState, counter: number, seq: number): void {
    const key = `${room.hex}:${counter}`;
    this.#acks.get(key)?.resolve(seq);
    this.#acks.delete(key);
  }

  /** We are out of the room: nothing queued will ever be sent. */
  abandon(room: RoomState): void {
    for (const item of room.outbox.splice(0)) this.#failAck(room, item, new SottoError('NOT_MEMBER', 'no longer in the room'));
  }

  async #seal(room: RoomState, content: Content, counter: number, prevHash: Uint8Array): Promise<MessageRecord> {
    const key = room.epochs.get(room.epoch)?.key;
    if (key === undefined) throw new SottoError('KEY_MISSING', `no key for epoch ${room.epoch}`);
    const seen = latestSeen(room);
    const roster = currentRoster(room)!;
    return sealMessage({
      signer: room.me.sign, roomId: room.roomId, epoch: room.epoch, key: epochMessageKey(key, room.roomId, room.epoch, room.me.sign.publicKey),
      counter, prevHash, seenSeq: seen.seq, seenHash: seen.hash, logLength: roster.length, logHash: roster.headHash, content,
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
      noteSent(room, toHex(prevHash));
    }
    room.lastHash = prevHash;
    await this.#ctx.save();
  }

  /** Sends the outbox in order, one at a time: each counter is acknowledged before the next goes. */
  async #pump(room: RoomState): Promise<void> {
    const { channel, inbound, receiving, sync, keys } = this.#parts;
    let stale = 0;
    while (this.#ctx.ready.has(room.hex) && room.outbox.length > 0) {
      const item = room.outbox[0]!;
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
        stale = 0;
      } catch (error) {
        switch (errorName(error)) {
          case 'STALE_EPOCH':
          case 'COUNTER_USED':
            // A rotation we have not seen yet, or our counter already stored (an earlier copy whose
            // ack was lost): sync fetches either, and the stored copy acknowledges this item.
            if (++stale > RETRIES) return;
            await sync.sync(room);
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
            this.#ctx.warn(room, errorName(error), `message ${item.counter} refused: ${errorDetail(error)}`);
            await this.#ctx.save();
        }
      }
    }
  }

  #failAck(room: RoomState, item: OutboxItem, error: unknown): void {
    const key = `${room.hex}:${item.counter}`;
    this.#acks.get(key)?.reject(error);
    this.#acks.delete(key);
  }
}
