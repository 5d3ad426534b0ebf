// Our drops (docs/protocol.md §9.1.1): once the relay acknowledged our delete, it is asked to drop the
// deleted message's ciphertext for our tombstone. The request is durable like a queued message: kept
// in the room's journal and saved before it goes, so one that fails for now (the connection lost, a
// rate limit, the relay's storage away) goes again on the next connection and after a restart, and
// one the relay refuses for good is let go with a warning that says the ciphertext stays. A drop the
// relay took stays noted while its record is kept, so a relay restored from a backup that lost the
// drop is asked again (restore.ts; a repeated drop is answered ok).
import { errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { Backoff, pause } from './backoff.js';
import { DEFAULT_SEND_GIVE_UP_MS } from './outbox.js';
import { expectOk } from './relay-channel.js';
import type { PendingDrop } from './journal.js';
import type { DeliveredMessage, RoomState } from './room-state.js';
import { droppableRecords, ownDrop, type OwnRecord } from './tombstones.js';

/** Refusals that say only that this connection cannot take it now: the next one asks again. */
const NEXT_CONNECTION: ReadonlySet<string> = new Set(['CLOSED', 'TIMEOUT', 'NOT_AUTHENTICATED', 'UNAVAILABLE']);
/** Refusals that pass with time on the same connection: asked again after a backoff. */
const AGAIN_SOON: ReadonlySet<string> = new Set(['RATE_LIMITED', 'STORE_UNAVAILABLE']);

export class Drops {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel'>;
  /** Rooms whose drops are being asked for now, and those asked to go once more after. */
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();
  readonly #pauses = new Set<() => void>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** The relay acknowledged our delete of `target`: its drop is saved, then asked for. */
  async add(room: RoomState, target: DeliveredMessage): Promise<void> {
    const counter = target.counter;
    // A record no longer kept (older than our last keepOwnRecords), or sent under a key we since
    // replaced: the relay takes a drop from no one now. Its ciphertext stays until retention, as
    // before drops existed, and opens for no one who read it (each wiped its key, V-79).
    if (counter === undefined || room.journal.drops.has(counter) || !droppableRecords(room).has(counter)) return;
    room.journal.drops.set(counter, { time: target.time, attachmentId: target.attachment?.id, done: false });
    await this.#ctx.save();
    await this.flush(room);
  }

  /** Asks the relay for every drop of `room` it has not taken yet, oldest first, on the current connection. */
  async flush(room: RoomState): Promise<void> {
    if (this.#running.has(room.hex)) {
      this.#again.add(room.hex);
      return;
    }
    this.#running.add(room.hex);
    try {
      do {
        this.#again.delete(room.hex);
        await this.#ask(room);
      } while (this.#again.has(room.hex));
    } finally {
      this.#running.delete(room.hex);
    }
  }

  /** Wakes every drop pausing between retries, e.g. when the client closes. */
  wake(): void {
    for (const wake of this.#pauses) wake();
  }

  /**
   * A record of ours a restored relay lost, just handed back (restore.ts): if we had dropped it, it
   * is dropped again at once, before anything else goes, so its ciphertext is back for a moment only.
   */
  async handedBack(room: RoomState, counter: number): Promise<void> {
    const pending = room.journal.drops.get(counter);
    const own = droppableRecords(room).get(counter);
    if (pending === undefined || pending.done || own === undefined) return;
    await this.#askOne(room, counter, pending, own, this.#backoff());
  }

  async #ask(room: RoomState): Promise<void> {
    const drops = room.journal.drops;
    const backoff = this.#backoff();
    const kept = droppableRecords(room);
    for (const counter of [...drops.keys()].sort((a, b) => a - b)) {
      const pending = drops.get(counter)!;
      const own = kept.get(counter);
      // Its record aged out of the journal (or our key was replaced since): nothing to ask, nor to ask again after a restore.
      if (own === undefined) {
        drops.delete(counter);
        this.#ctx.saveSoon(room);
        continue;
      }
      if (!pending.done && !(await this.#askOne(room, counter, pending, own, backoff))) return;
    }
  }

  /** Asks one drop until the relay takes or refuses it; false when it must wait for the next connection. */
  async #askOne(room: RoomState, counter: number, pending: PendingDrop, own: OwnRecord, backoff: Backoff): Promise<boolean> {
    const drop = await ownDrop(room, own, pending);
    for (;;) {
      const conn = this.#parts.channel.conn;
      if (conn === undefined) return false;
      try {
        expectOk(await this.#parts.channel.requestOn(conn, (rid) => ({ type: 'drop', rid, ...drop })));
        pending.done = true;
        backoff.reset();
        this.#ctx.saveSoon(room);
        return true;
      } catch (error) {
        const name = errorName(error);
        if (NEXT_CONNECTION.has(name)) return false;
        if (AGAIN_SOON.has(name)) {
          if (!(await this.#pause(backoff))) return false;
          continue;
        }
        room.journal.drops.delete(counter);
        this.#ctx.saveSoon(room);
        this.#ctx.warn(room, name, `the relay refused to drop your deleted message ${counter}, so its ciphertext stays there until the room’s retention removes it (no member who read it can open it again): ${errorDetail(error)}`);
        return true;
      }
    }
  }

  #backoff(): Backoff {
    return new Backoff({ firstMs: 250, maxMs: 30_000, giveUpMs: this.#ctx.options.sendGiveUpMs ?? DEFAULT_SEND_GIVE_UP_MS });
  }

  /** Waits before asking again; false once the time bound is spent (the next connection asks again). */
  async #pause(backoff: Backoff): Promise<boolean> {
    const delay = backoff.next();
    if (delay === undefined) return false;
    const wait = pause(delay);
    this.#pauses.add(wait.wake);
    await wait.done;
    this.#pauses.delete(wait.wake);
    return true;
  }
}
