// Catching a room up with the relay: one sync at a time per room, each paging until the relay says
// there is no more. A message refused for want of an event or a key the log may still bring is kept
// here and verified once more after the next complete sync.
import { SottoError } from '../errors.js';
import type { MessageRecord } from '../wire/message.js';
import type { ClientContext, ClientParts } from './client-context.js';
import { logLength, type RoomState } from './room-state.js';

const SYNC_PAGE = 1000;

interface Deferred {
  readonly seq: number;
  readonly record: MessageRecord;
  /** The sync count when it was refused: only a sync that starts later may have fetched what it lacked. */
  readonly after: number;
}

export class Sync {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'inbound' | 'receiving' | 'checkpoints'>;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #count = new Map<string, number>();
  readonly #deferred = new Map<string, Deferred[]>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'inbound' | 'receiving' | 'checkpoints'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** Queues a sync of `room` after any already running; resolves when it is done. */
  sync(room: RoomState): Promise<void> {
    const previous = this.#chains.get(room.hex) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#syncNow(room));
    this.#chains.set(room.hex, next);
    return next;
  }

  /** Verifies `record` once more after the next sync (the log or a rotation may lag behind a push). */
  retryAfterSync(room: RoomState, seq: number, record: MessageRecord): void {
    const list = this.#deferred.get(room.hex) ?? [];
    list.push({ seq, record, after: this.#count.get(room.hex) ?? 0 });
    this.#deferred.set(room.hex, list);
    this.#ctx.background(this.sync(room), room);
  }

  async #syncNow(room: RoomState): Promise<void> {
    const count = (this.#count.get(room.hex) ?? 0) + 1;
    this.#count.set(room.hex, count);
    this.#ctx.syncing.add(room.hex);
    try {
      for (;;) {
        const answer = await this.#parts.channel.request((rid) => ({
          type: 'sync', rid, roomId: room.roomId, logFrom: logLength(room), epochFrom: room.epoch + 1, seqFrom: room.syncSeq, limit: SYNC_PAGE,
        }));
        if (answer.type !== 'syncDone') throw new SottoError('UNEXPECTED_FRAME', answer.type);
        if (!answer.more) break;
      }
    } finally {
      this.#ctx.syncing.delete(room.hex);
    }
    this.#parts.checkpoints.consider(room);
    const deferred = this.#deferred.get(room.hex) ?? [];
    const due = deferred.filter((d) => d.after < count);
    this.#deferred.set(room.hex, deferred.filter((d) => d.after >= count));
    // On the inbound chain, so the retries keep their place among the frames still arriving.
    await new Promise<void>((resolve) => this.#parts.inbound.enqueue(async () => {
      for (const d of due) await this.#parts.receiving.verifyDelivered(room, d.seq, d.record, true);
      resolve();
    }));
    await this.#ctx.save();
  }
}
