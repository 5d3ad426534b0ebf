// The owner's side of checkpoints (docs/protocol.md §8.4): every `checkpointEvery` events the owner's
// client signs the roster at its log head and hands it to the relay, so joiners of a long room start
// from it instead of a log that no longer fits one frame. Only the owner: a joiner can check nothing
// but the owner key its link names.
import { bytesEqual } from '../bytes.js';
import { isSottoError } from '../errors.js';
import { buildCheckpoint } from '../membership/checkpoint.js';
import type { Roster } from '../membership/roster.js';
import type { ClientContext, ClientParts } from './client-context.js';
import { currentRoster, type RoomState } from './room-state.js';

/** A joiner then replays at most this many events after the checkpoint (~230 KB, well inside a frame). */
export const DEFAULT_CHECKPOINT_EVERY = 1000;

export class Checkpointer {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel'>;
  /**
   * Per room, the log length of the last checkpoint made in this session. Not persisted: after a
   * restart the first trigger makes one early, which costs one signature and the relay keeps the newest.
   */
  readonly #made = new Map<string, number>();
  readonly #busy = new Set<string>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /**
   * Called after a complete sync and after each event accepted outside a sync (during one, the sync's
   * end decides once for the whole page run instead of racing each event).
   */
  consider(room: RoomState): void {
    if (room.status !== 'member' || this.#ctx.syncing.has(room.hex) || this.#busy.has(room.hex)) return;
    const roster = currentRoster(room);
    if (roster === undefined || !bytesEqual(roster.owner, room.me.sign.publicKey)) return;
    const every = this.#ctx.options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    if (roster.length - (this.#made.get(room.hex) ?? 0) < every) return;
    this.#busy.add(room.hex);
    this.#ctx.background(this.#make(room, roster).finally(() => this.#busy.delete(room.hex)), room);
  }

  async #make(room: RoomState, roster: Roster): Promise<void> {
    const checkpoint = await buildCheckpoint(room.me.sign, roster);
    try {
      await this.#parts.channel.request((rid) => ({ type: 'checkpoint', rid, checkpoint }));
      this.#made.set(room.hex, roster.length);
    } catch (error) {
      // The log moved on while it travelled: the trigger that event brings checkpoints the new head.
      if (!isSottoError(error, 'BAD_CHAIN')) throw error;
    }
  }
}
