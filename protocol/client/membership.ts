// The membership log as this client changes and follows it: removing a member, changing a role,
// leaving, and applying every event the relay serves after the rules (protocol/membership/roster.ts)
// accept it. What an event means for this client (admitted, removed, someone left) is decided here.
import { bytesEqual, toHex } from '../bytes.js';
import { SottoError, isSottoError } from '../errors.js';
import { randomBytes } from '../crypto/random.js';
import { checkHistory, type HistorySetting, type MemberEvent, type Role } from '../wire/membership.js';
import { applyEvent, memberOf, nextRoster, type Roster } from '../membership/roster.js';
import { RETRIES, errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { nextEvent } from './events.js';
import { appendVerified, currentRoster, eventAt, logLength, rosterAt, type RoomState } from './room-state.js';
import { buildRotation } from './rotation.js';
import { rotationPsks } from './epoch-keys.js';
import { memberViews, roomView } from './views.js';

type MembershipParts = Pick<ClientParts, 'channel' | 'sync' | 'outbox' | 'keys' | 'joiner' | 'checkpoints' | 'updates'>;

/** A served log entry, verified against the roster before it, that waits to join the log. */
interface HeldEntry {
  readonly event: MemberEvent;
  /** The roster after it. */
  readonly roster: Roster;
}

/** Our own key update, committed by the relay (its ack never reached us, or this is a sync that found it). */
function ownCommittedUpdate(room: RoomState, event: MemberEvent): boolean {
  const next = room.keyUpdate;
  return event.kind === 'update' && next !== undefined && bytesEqual(event.subjectSign, room.me.sign.publicKey) && bytesEqual(event.update!.sign, next.sign.publicKey);
}

export class Membership {
  readonly #ctx: ClientContext;
  readonly #parts: MembershipParts;
  /** Per room, the log length at which an event beyond the head last made us sync. */
  readonly #gapSyncs = new Map<string, number>();
  /**
   * Per room, our own key update as the relay served it and every entry served after it, verified
   * in order, until the rotation committed with the update arrives (key-schedule.ts). Our keys are
   * the update's only from the step that also stores that epoch, which gives them their chain
   * (§8.5): applied alone, the update made us a key the current epoch has no chain for, and a send
   * in between found none (KEY_MISSING). The relay serves a sync's entries before its rotations,
   * and a hostile one may hold the rotation back; until it comes we stay on the keys we had, which
   * send nothing while the update is unconfirmed (V-99).
   */
  readonly #held = new Map<string, readonly HeldEntry[]>();

  constructor(ctx: ClientContext, parts: MembershipParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** Removes a member; the removal and the rotation that shuts them out apply atomically. */
  async remove(room: RoomState, memberSign: string): Promise<void> {
    await this.#ctx.exclusive(() => this.withLogRetry(room, async () => {
      const roster = currentRoster(room)!;
      const subject = roster.members.get(memberSign.toLowerCase());
      if (subject === undefined) throw new SottoError('NOT_MEMBER', 'no such member');
      const event = await nextEvent(room.me.sign, roster, { kind: 'remove', subjectSign: subject.sign, subjectEnc: subject.enc, role: subject.role });
      const after = nextRoster(roster, event);
      const key = randomBytes(32);
      const rotation = await buildRotation(this.#ctx.suite, room.me.sign, after, room.epoch + 1, key, rotationPsks(room));
      await this.#parts.channel.request((rid) => ({ type: 'appendEvent', rid, event, rotation, welcome: undefined }), async () => {
        await this.acceptEvent(room, event);
        this.#parts.keys.storeEpoch(room, rotation, key, after);
      });
    }));
  }

  async setRole(room: RoomState, memberSign: string, role: Exclude<Role, 'owner'>): Promise<void> {
    await this.#ctx.exclusive(() => this.withLogRetry(room, async () => {
      const roster = currentRoster(room)!;
      const subject = roster.members.get(memberSign.toLowerCase());
      if (subject === undefined) throw new SottoError('NOT_MEMBER', 'no such member');
      const event = await nextEvent(room.me.sign, roster, { kind: 'role', subjectSign: subject.sign, subjectEnc: subject.enc, role });
      await this.append(room, event);
    }));
  }

  /** Changes what new members see of earlier messages (§8.6): an owner's or admin's signed event. */
  async setHistory(room: RoomState, history: HistorySetting): Promise<void> {
    checkHistory(history);
    await this.#ctx.exclusive(() => this.withLogRetry(room, async () => {
      const roster = currentRoster(room)!;
      const self = memberOf(roster, room.me.sign.publicKey)!;
      const event = await nextEvent(room.me.sign, roster, { kind: 'history', subjectSign: self.sign, subjectEnc: self.enc, role: self.role, history });
      await this.append(room, event);
    }));
  }

  async leave(room: RoomState): Promise<void> {
    await this.#ctx.exclusive(() => this.withLogRetry(room, async () => {
      const roster = currentRoster(room)!;
      const self = memberOf(roster, room.me.sign.publicKey)!;
      const event = await nextEvent(room.me.sign, roster, { kind: 'leave', subjectSign: self.sign, subjectEnc: self.enc, role: self.role });
      await this.append(room, event);
    }));
  }

  /** Appends one event of ours that carries no rotation, applying it as the relay's ack arrives. */
  async append(room: RoomState, event: MemberEvent): Promise<void> {
    await this.#parts.channel.request((rid) => ({ type: 'appendEvent', rid, event, rotation: undefined, welcome: undefined }), () => this.acceptEvent(room, event));
  }

  /** Log changes race with other admins: BAD_CHAIN or STALE_EPOCH means sync and build again. */
  async withLogRetry(room: RoomState, change: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await change();
        return;
      } catch (error) {
        if (attempt >= RETRIES || (!isSottoError(error, 'BAD_CHAIN') && !isSottoError(error, 'STALE_EPOCH'))) throw error;
        await this.#parts.sync.sync(room);
      }
    }
  }

  /** The log as served to us: our log, then the entries held behind our own key update. Syncs ask from here. */
  servedLength(room: RoomState): number {
    return logLength(room) + (this.#held.get(room.hex)?.length ?? 0);
  }

  /** Whether our key update is committed and held until its rotation arrives (nothing to send for it again). */
  holdsOwnUpdate(room: RoomState): boolean {
    return this.#held.has(room.hex);
  }

  /** The roster a rotation of log length `length` names when it is the one committed with our held key update. */
  heldUpdateRoster(room: RoomState, length: number): Roster | undefined {
    const update = this.#held.get(room.hex)?.[0];
    return update !== undefined && update.event.index + 1 === length ? update.roster : undefined;
  }

  /**
   * The rotation committed with our held key update is open: the update joins the log (our keys
   * become its keys), `storeEpoch` stores that rotation's epoch, then the entries held after it
   * join in order. No await in between: nothing can run while our key is ahead of its chain.
   */
  releaseOwnUpdate(room: RoomState, storeEpoch: () => void): void {
    const held = this.#held.get(room.hex) ?? [];
    this.#held.delete(room.hex);
    held.forEach(({ event, roster }, i) => {
      this.#commit(room, event, roster);
      if (i === 0) storeEpoch();
    });
  }

  /** An event the relay served: a repeat, one ahead of our log (sync), or the next one. */
  async onEvent(room: RoomState, event: MemberEvent): Promise<void> {
    const held = this.#held.get(room.hex) ?? [];
    const length = logLength(room) + held.length;
    if (event.index < length) {
      // Before our checkpoint we hold no event to compare with (§8.4): nothing to check, nothing to apply.
      const known = eventAt(room, event.index) ?? held[event.index - logLength(room)]?.event;
      if (known === undefined || bytesEqual(known.bytes, event.bytes)) return;
      // A FORK only between two events both valid at that index, the second checked here too.
      try {
        await applyEvent(this.#ctx.suite, this.#servedRosterAt(room, event.index), event);
        this.#ctx.warn(room, 'FORK', `two different signed events at index ${event.index}`);
      } catch (error) {
        this.#ctx.warn(room, errorName(error), `event ${event.index}: ${errorDetail(error)}`);
      }
      return;
    }
    if (event.index > length) {
      // One sync per log length: a relay serving event n+1 but never n must not keep us syncing.
      if (this.#gapSyncs.get(room.hex) === length) {
        this.#ctx.warn(room, 'BAD_CHAIN', `relay serves event ${event.index} but not event ${length}`);
        return;
      }
      this.#gapSyncs.set(room.hex, length);
      this.#ctx.background(this.#parts.sync.sync(room), room);
      return;
    }
    try {
      if (held.length === 0 && !ownCommittedUpdate(room, event)) {
        await this.acceptEvent(room, event);
        return;
      }
      const roster = await applyEvent(this.#ctx.suite, this.#servedRosterAt(room, length), event);
      // Served twice while its check ran (a push and a sync page): held once.
      if (this.servedLength(room) === length) this.#held.set(room.hex, [...(this.#held.get(room.hex) ?? []), { event, roster }]);
    } catch (error) {
      this.#ctx.warn(room, errorName(error), `event ${event.index}: ${errorDetail(error)}`);
    }
  }

  /** The roster after the first `length` entries of the log as served (ours, then those held). */
  #servedRosterAt(room: RoomState, length: number): Roster | undefined {
    const applied = logLength(room);
    return length <= applied ? rosterAt(room, length) : this.#held.get(room.hex)?.[length - applied - 1]?.roster;
  }

  /** Verifies and applies one event (ours after the relay took it, or one the relay served). */
  async acceptEvent(room: RoomState, event: MemberEvent): Promise<void> {
    this.#commit(room, event, await applyEvent(this.#ctx.suite, currentRoster(room), event));
  }

  /** Applies one verified event: `roster` is the roster after it. */
  #commit(room: RoomState, event: MemberEvent, roster: Roster): void {
    appendVerified(room, event, roster);
    const mine = bytesEqual(event.subjectSign, room.me.sign.publicKey);
    // A removal takes one device or a whole person (§8.7): we are out when the roster lost our key.
    const out = memberOf(roster, room.me.sign.publicKey) === undefined;
    switch (event.kind) {
      case 'add':
        room.invites.delete(toHex(event.invitePublicKey!));
        // Our own add makes us a member only with the welcome that names it (joiner.ts).
        if (mine && room.status === 'joining') this.#parts.joiner.admitIfWelcomed(room);
        break;
      case 'remove':
      case 'leave':
        if (out) {
          room.status = event.kind === 'remove' || !mine ? 'removed' : 'left';
          this.#ctx.ready.delete(room.hex);
          this.#parts.outbox.abandon(room);
        } else if (event.kind === 'leave') {
          this.#parts.keys.maybeRotate(room);
        }
        break;
      case 'update':
        this.#parts.updates.applied(room, event);
        break;
      case 'create':
      case 'role':
      case 'history':
      case 'device':
        break;
    }
    this.#ctx.emit({ type: 'members', roomId: room.hex, members: memberViews(room) });
    this.#ctx.emit({ type: 'room', room: roomView(room) });
    this.#ctx.saveSoon(room);
    this.#parts.checkpoints.consider(room);
  }
}
