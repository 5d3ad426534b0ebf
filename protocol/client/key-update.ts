// Our own key updates (docs/protocol.md §8.5): replacing this member's per-room signing and
// encryption keys with a signed `update` entry committed together with a new epoch sealed to the
// roster after it, so whoever holds the keys we had (a stolen keystore, an old export) reads nothing
// sealed after it and signs nothing the others accept. Done on a schedule, after a keystore restore,
// and on request. The new keys are saved before the update is sent and used for nothing until it is
// seen committed; until then nothing is sent under the old ones (V-99).
import { bytesEqual, toHex } from '../bytes.js';
import { randomBytes } from '../crypto/random.js';
import type { MemberEvent } from '../wire/membership.js';
import { nextRoster } from '../membership/roster.js';
import { errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { updateEvent } from './events.js';
import { generateMemberKeys } from './member-keys.js';
import { currentRoster, moveName, ownKeysSince, type RoomState } from './room-state.js';
import { rotationPsks } from './epoch-keys.js';
import { buildRotation } from './rotation.js';
import { roomView } from './views.js';

/** Default for SottoClientOptions.keyUpdateIntervalMs: each member replaces its keys in a room weekly. */
export const DEFAULT_KEY_UPDATE_INTERVAL_MS = 7 * 24 * 3600 * 1000;
/** Each room's interval is stretched by up to this fraction, so a room's members do not all update at once. */
const JITTER = 0.1;
/** After a failed update the next try waits this long, doubling per failure up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 60_000;
const RETRY_MAX_MS = 3600_000;

type KeyUpdateParts = Pick<ClientParts, 'channel' | 'membership' | 'keys' | 'outbox'>;

export class KeyUpdates {
  readonly #ctx: ClientContext;
  readonly #parts: KeyUpdateParts;
  readonly #intervalMs: number;
  readonly #running = new Set<string>();
  /**
   * Rooms whose update failed: not tried again before `at` (or a new connection), so a lost race or a
   * relay that keeps refusing costs one attempt per backoff step, never a loop.
   */
  readonly #failed = new Map<string, { readonly at: number; readonly failures: number }>();
  /** Rooms whose unconfirmed update the person was told about: once per update, not per attempt. */
  readonly #told = new Set<string>();
  readonly #jitter = new Map<string, number>();

  constructor(ctx: ClientContext, parts: KeyUpdateParts) {
    this.#ctx = ctx;
    this.#parts = parts;
    this.#intervalMs = ctx.options.keyUpdateIntervalMs ?? DEFAULT_KEY_UPDATE_INTERVAL_MS;
  }

  /** On a fresh connection (RoomBinding.catchUp): an update that failed is tried again at once. */
  afterConnect(room: RoomState): void {
    const failed = this.#failed.get(room.hex);
    if (failed !== undefined) this.#failed.set(room.hex, { at: 0, failures: failed.failures });
    this.maybeUpdate(room);
  }

  /** Starts an update in the background if one is owed, due or unconfirmed (and not backing off). */
  maybeUpdate(room: RoomState): void {
    const now = Date.now();
    const failed = this.#failed.get(room.hex);
    if (this.#running.has(room.hex) || (failed !== undefined && now < failed.at) || !this.#ctx.ready.has(room.hex) || !this.#due(room, now)) return;
    this.#running.add(room.hex);
    const work = this.update(room).then(() => this.#failed.delete(room.hex), (error: unknown) => {
      const failures = (failed?.failures ?? 0) + 1;
      this.#failed.set(room.hex, { at: Date.now() + Math.min(RETRY_FIRST_MS * 2 ** (failures - 1), RETRY_MAX_MS), failures });
      throw error;
    });
    this.#ctx.background(work.finally(() => this.#running.delete(room.hex)), room);
  }

  /**
   * Replaces our keys in `room` and starts the next epoch. Resolves once the update is committed;
   * if the relay never confirms it, the new keys stay saved and the room sends nothing (V-99) until
   * a later connection finds the update committed or commits it.
   */
  async update(room: RoomState): Promise<void> {
    await this.#ctx.exclusive(async () => {
      if (room.status !== 'member') return;
      if (room.keyUpdate === undefined) {
        // Saved before anything is sent: the relay may commit an update whose ack we never see.
        room.keyUpdate = await generateMemberKeys(this.#ctx.suite);
        await this.#ctx.save();
        this.#ctx.emit({ type: 'room', room: roomView(room) });
      }
      const { membership, channel, keys } = this.#parts;
      try {
        await membership.withLogRetry(room, async () => {
          const next = room.keyUpdate;
          // A sync found it committed (its ack was lost; held until its rotation comes, membership.ts), or we are out of the room.
          if (next === undefined || room.status !== 'member' || membership.holdsOwnUpdate(room)) return;
          const roster = currentRoster(room)!;
          const event = await updateEvent(room.me.sign, next, roster);
          const after = nextRoster(roster, event);
          const key = randomBytes(32);
          // Made by the new key: the old one is no member of the roster the rotation is for.
          const psks = rotationPsks(room, undefined, { from: room.me.sign.publicKey, to: next.sign.publicKey });
          const rotation = await buildRotation(this.#ctx.suite, next.sign, after, room.epoch + 1, key, psks);
          await channel.request((rid) => ({ type: 'appendEvent', rid, event, rotation, welcome: undefined }), async () => {
            await membership.acceptEvent(room, event);
            keys.storeEpoch(room, rotation, key, after);
          });
        });
      } catch (error) {
        if (room.keyUpdate !== undefined && !this.#told.has(room.hex)) {
          this.#told.add(room.hex);
          this.#ctx.warn(room, errorName(error), `your key update in this room is not confirmed, so nothing is sent until it is (tried again later): ${errorDetail(error)}`);
        }
        throw error;
      }
    });
  }

  /**
   * An update event the log accepted (membership.ts): the member's name follows it to the new key;
   * if it is ours, our saved new keys take over and the old ones are wiped. An update of our key to
   * keys we never made means someone else holds our keys: we are out of the room, and say so.
   */
  applied(room: RoomState, event: MemberEvent): void {
    const update = event.update!;
    moveName(room, toHex(event.subjectSign), toHex(update.sign));
    if (!bytesEqual(event.subjectSign, room.me.sign.publicKey)) return;
    const next = room.keyUpdate;
    if (next !== undefined && bytesEqual(next.sign.publicKey, update.sign)) {
      const old = room.me;
      room.me = next;
      room.keyUpdate = undefined;
      room.keyUpdateDue = false;
      this.#told.delete(room.hex);
      // The save acceptEvent requests writes the keystore without them. The outbox moves again once
      // the update's epoch is stored (storeEpoch), never under the epoch the update replaced.
      old.signSeed.wipe();
      old.encSecret.wipe();
      return;
    }
    room.status = 'removed';
    this.#ctx.ready.delete(room.hex);
    this.#parts.outbox.abandon(room);
    this.#ctx.warn(room, 'REFLECTED', `your keys in this room were replaced by an update you did not make (log entry ${event.index}): someone holds a copy of your keys, an old export or a stolen keystore`);
  }

  #due(room: RoomState, now: number): boolean {
    if (room.status !== 'member') return false;
    if (room.keyUpdate !== undefined || room.keyUpdateDue) return true;
    if (this.#intervalMs <= 0) return false;
    const since = ownKeysSince(room);
    if (since === undefined) return false;
    // A scheduled update waits for our own invites to run out: they name the key it replaces.
    if ([...room.invites.values()].some((invite) => invite.expiresAt > now)) return false;
    let jitter = this.#jitter.get(room.hex);
    if (jitter === undefined) this.#jitter.set(room.hex, jitter = Math.random() * JITTER);
    return now - since >= this.#intervalMs * (1 + jitter);
  }
}
