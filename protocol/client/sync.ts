// Catching a room up with the relay: one sync at a time per room, each paging until the relay says
// there is no more. Syncs are counted per room, so what waits for the log (receiving.ts) can tell a
// sync that started after it arrived, and has fetched all the relay will serve, from one before.
import { SottoError } from '../errors.js';
import type { ClientContext, ClientParts } from './client-context.js';
import { forgetKeysBefore, type RoomState } from './room-state.js';

const SYNC_PAGE = 1000;

export class Sync {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'inbound' | 'receiving' | 'checkpoints' | 'membership'>;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #count = new Map<string, number>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'inbound' | 'receiving' | 'checkpoints' | 'membership'>) {
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

  /** How many syncs of `room` have started. */
  started(room: RoomState): number {
    return this.#count.get(room.hex) ?? 0;
  }

  async #syncNow(room: RoomState): Promise<void> {
    // Every message of an epoch before this one that the relay holds arrives in this sync.
    const epochAtStart = room.epoch;
    const count = (this.#count.get(room.hex) ?? 0) + 1;
    this.#count.set(room.hex, count);
    this.#ctx.syncing.add(room.hex);
    try {
      for (;;) {
        const answer = await this.#parts.channel.request((rid) => {
          this.#parts.inbound.askingSync(room);
          return {
            // From the log as served: entries held behind our own key update are not asked again.
            type: 'sync', rid, roomId: room.roomId, logFrom: this.#parts.membership.servedLength(room), epochFrom: room.epoch + 1, seqFrom: room.syncSeq, limit: SYNC_PAGE,
          } as const;
        });
        if (answer.type !== 'syncDone') throw new SottoError('UNEXPECTED_FRAME', answer.type);
        if (!answer.more) break;
      }
    } finally {
      this.#ctx.syncing.delete(room.hex);
    }
    this.#parts.checkpoints.consider(room);
    // On the inbound chain, so the retries keep their place among the frames still arriving.
    await new Promise<void>((resolve) => this.#parts.inbound.enqueue(async () => {
      await this.#parts.receiving.afterSync(room, count);
      // Every record of ours the relay holds has arrived and moved our counters (adopt.ts).
      room.journal.adopting = false;
      resolve();
    }));
    forgetKeysBefore(room, epochAtStart);
    await this.#ctx.save();
  }
}
