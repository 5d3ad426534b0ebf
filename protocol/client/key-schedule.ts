// The room's epoch keys over time: when an owner or admin rotates (message count, age, a departure),
// making and sending a rotation, and opening the rotations the relay serves. The pure building and
// checking of a rotation is rotation.ts; this file decides when, and stores what results.
import { bytesEqual } from '../bytes.js';
import { isSottoError } from '../errors.js';
import { sha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import type { Rotation } from '../wire/rotation.js';
import { isAdmin, type Roster } from '../membership/roster.js';
import { pause } from './backoff.js';
import { RETRIES, errorDetail, errorName, isRetryable, type ClientContext, type ClientParts } from './client-context.js';
import { currentRoster, epochExpired, logLength, rosterAt, rotationPending, type RoomState } from './room-state.js';
import { epochFromKey, keepNewestInitSecret, ownRotationPsk, rotationPsks } from './epoch-keys.js';
import { buildRotation, checkRotationRoster, openRotation, verifyRotationSignature } from './rotation.js';
import { roomCodeOf } from './views.js';

/** First pause before a rotation whose connection or store went away is tried again; it doubles. */
const ROTATION_PAUSE_MS = 1000;

export class KeySchedule {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'sync' | 'outbox' | 'joiner' | 'restore' | 'membership'>;
  readonly #rotating = new Set<string>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'sync' | 'outbox' | 'joiner' | 'restore' | 'membership'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** Starts a rotation in the background if this client should make one now. */
  maybeRotate(room: RoomState): void {
    if (this.#rotating.has(room.hex) || !this.#ctx.ready.has(room.hex) || !this.#rotationDue(room)) return;
    this.#rotating.add(room.hex);
    this.#ctx.background(
      this.#ctx.exclusive(() => this.rotateWithRetry(room, () => this.#rotationDue(room))).finally(() => this.#rotating.delete(room.hex)),
      room,
    );
  }

  /**
   * Rotates while `stillNeeded`; a lost race (STALE_EPOCH) or a moved log means sync and look again.
   * So does a lost connection or an unreachable store, after a pause: the rotation may have been
   * committed without its answer, and the sync shows it (we open our own entry as any member does).
   * Run it as an operation (ClientContext.exclusive): it extends the epoch sequence.
   */
  async rotateWithRetry(room: RoomState, stillNeeded: () => boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (!stillNeeded()) return;
      const roster = currentRoster(room)!;
      const epoch = room.epoch + 1;
      const key = randomBytes(32);
      const rotation = await buildRotation(this.#ctx.suite, room.me.sign, roster, epoch, key, rotationPsks(room));
      try {
        await this.#parts.channel.request((rid) => ({ type: 'rotate', rid, rotation }), () => this.storeEpoch(room, rotation, key, roster));
        return;
      } catch (error) {
        const retryable = isRetryable(error);
        if (attempt >= RETRIES || (!retryable && !isSottoError(error, 'STALE_EPOCH') && !isSottoError(error, 'BAD_ROTATION'))) throw error;
        if (retryable) {
          await pause(ROTATION_PAUSE_MS * 2 ** attempt).done;
          await this.#parts.channel.whenOnline();
        }
        await this.#parts.sync.sync(room);
      }
    }
  }

  /** A rotation the relay served: checked against the roster it names, then its key stored. */
  async onRotation(room: RoomState, rotation: Rotation): Promise<void> {
    const known = room.epochs.get(rotation.epoch);
    if (known !== undefined) {
      if (known.rotationHash !== undefined && !bytesEqual(known.rotationHash, sha256(rotation.bytes))) {
        // A FORK only between two rotations both signed, the second checked here too.
        await verifyRotationSignature(this.#ctx.suite, rotation).then(
          () => this.#ctx.warn(room, 'FORK', `two different signed rotations to epoch ${rotation.epoch}`),
          (error: unknown) => this.#ctx.warn(room, errorName(error), `rotation ${rotation.epoch}: ${errorDetail(error)}`),
        );
      }
      return;
    }
    // The rotation committed with our own key update, which waits for it to join the log (membership.ts):
    // sealed to the roster after the update, so our entry is for the update's keys.
    const heldRoster = this.#parts.membership.heldUpdateRoster(room, rotation.logLength);
    const roster = heldRoster ?? rosterAt(room, rotation.logLength);
    const keys = heldRoster === undefined ? room.me : room.keyUpdate!;
    if (roster === undefined) {
      // Committed with an entry held behind our update: a sync serves it again once that is in the log.
      if (rotation.logLength <= this.#parts.membership.servedLength(room)) return;
      this.#ctx.warn(room, 'BAD_ROTATION', `rotation ${rotation.epoch} names log length ${rotation.logLength}; we have ${logLength(room)}`);
      return;
    }
    const psk = ownRotationPsk(room, rotation);
    if (psk === undefined) {
      // Our entry opens only with the previous epoch's init secret: fetch that epoch's rotation
      // first (a sync asks from our epoch on). Within a sync nothing more is asked: no loop.
      if (!this.#ctx.syncing.has(room.hex) && this.#ctx.ready.has(room.hex)) this.#ctx.background(this.#parts.sync.sync(room), room);
      return;
    }
    let key: Uint8Array;
    try {
      checkRotationRoster(rotation, roster);
      await verifyRotationSignature(this.#ctx.suite, rotation);
      key = await openRotation(rotation, keys, psk);
    } catch (error) {
      this.#ctx.warn(room, errorName(error), `rotation ${rotation.epoch}: ${errorDetail(error)}`);
      return;
    } finally {
      psk.fill(0);
    }
    // Our update and its epoch in one step; a held update released meanwhile (a second copy of the rotation) was stored then.
    if (heldRoster === undefined) this.storeEpoch(room, rotation, key, roster);
    else if (this.#parts.membership.heldUpdateRoster(room, rotation.logLength) === heldRoster) {
      this.#parts.membership.releaseOwnUpdate(room, () => this.storeEpoch(room, rotation, key, roster));
    } else key.fill(0);
  }

  /** Derives the rotation's epoch from `key` (epoch-keys.ts), which it wipes. */
  storeEpoch(room: RoomState, rotation: Rotation, key: Uint8Array, roster: Roster): void {
    room.epochs.set(rotation.epoch, epochFromKey(key, {
      roomId: room.roomId, epoch: rotation.epoch, roster, startedAt: rotation.time, rotationHash: sha256(rotation.bytes),
    }));
    this.#parts.restore.keepRotation(room, rotation);
    if (rotation.epoch > room.epoch) room.epoch = rotation.epoch;
    keepNewestInitSecret(room);
    this.#ctx.emit({ type: 'epoch', roomId: room.hex, epoch: room.epoch, roomCode: roomCodeOf(room) });
    this.#ctx.saveSoon(room);
    if (room.status === 'joining') this.#parts.joiner.admitIfWelcomed(room);
    this.#parts.outbox.kickPump(room);
    // A complete sync from now on fetches the older epochs' last messages and then forgets their
    // keys (V-76). One running now covers it at its end, or the next one does.
    if (room.status === 'member' && !this.#ctx.syncing.has(room.hex) && this.#ctx.ready.has(room.hex)) {
      this.#ctx.background(this.#parts.sync.sync(room), room);
    }
  }

  #rotationDue(room: RoomState): boolean {
    const roster = currentRoster(room);
    // Owners and admins rotate on schedule; any member does when its own send is held (outbox.ts).
    if (room.status !== 'member' || roster === undefined || !isAdmin(roster, room.me.sign.publicKey)) return false;
    return rotationPending(room) || epochExpired(room, Date.now());
  }
}
