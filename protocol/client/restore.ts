// Healing after the relay was restored from a backup (docs/protocol.md §10.1). The relay names, in
// its answer to `auth`, the room's last seq at the restore (0: never restored). Everything up to it
// is what we saw, and is checked as always (a different record there is still a FORK); the seqs
// after it that we saw are gone from the relay and may be filled again by anyone, so our records
// there are released: kept and shown, remembered by hash, and moved to the new seq when the relay
// stores the same record again. Then we hand back what we hold that the relay lost, in the order it
// happened: log events with the rotations they carry, the other rotations, then our own messages.
// The person is told once per room and restore.
import { toHex } from '../bytes.js';
import { SottoError, isSottoError } from '../errors.js';
import type { RelayFrame } from '../wire/frames.js';
import type { MessageRecord } from '../wire/message.js';
import type { Rotation } from '../wire/rotation.js';
import { RETRIES, errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { DEFAULT_KEEP_OWN_RECORDS, DEFAULT_KEEP_ROTATIONS, keepOwn, keepRotation } from './journal.js';
import { messageHash } from './message-crypto.js';
import { expectOk } from './relay-channel.js';
import { eventAt, logLength, type RoomState } from './room-state.js';
import { insertMessage } from './views.js';

type RelayHead = Pick<Extract<RelayFrame, { type: 'syncDone' }>, 'logLength' | 'epoch'>;
type RestoreParts = Pick<ClientParts, 'channel' | 'inbound' | 'sync' | 'drops'>;

/** Errors that mean another member handed the same thing back first: sync and look again. */
const RACED = new Set(['BAD_CHAIN', 'BAD_ROTATION', 'STALE_EPOCH']);

export class Restore {
  readonly #ctx: ClientContext;
  readonly #parts: RestoreParts;
  /** Rooms whose relay said, on the current connection, that it was restored. */
  readonly #restored = new Set<string>();
  /** The relay's log length and epoch per room, from its last syncDone. */
  readonly #heads = new Map<string, RelayHead>();
  /** `room:restore seq` already told to the person in this process: once per room and restore. */
  readonly #told = new Set<string>();

  constructor(ctx: ClientContext, parts: RestoreParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /**
   * The room's restore seq from the auth answer. Runs on the inbound chain before any frame of the
   * room on this connection, so no record at a released seq is checked against what we saw there.
   */
  onRestorePoint(room: RoomState, restoredSeq: number): void {
    if (restoredSeq === 0) {
      this.#restored.delete(room.hex);
      return;
    }
    this.#restored.add(room.hex);
    const journal = room.journal;
    if (journal.restoredSeq === restoredSeq) return;
    journal.restoredSeq = restoredSeq;
    // The backup may predate our drops: each is asked again once what it lost is handed back
    // (a record we dropped goes back only to be dropped again; a repeated drop is answered ok).
    for (const drop of journal.drops.values()) drop.done = false;
    if (room.lastSeen > restoredSeq || room.syncSeq > restoredSeq) {
      for (const [seq, hash] of room.seen) {
        if (seq <= restoredSeq) continue;
        journal.lost.set(toHex(hash), seq);
        room.seen.delete(seq);
      }
      room.lastSeen = Math.max(0, ...[...room.seen.keys()]);
      // From one before the restore seq: the relay serves its record there again, and a different
      // one is a FORK (the prefix check).
      room.syncSeq = Math.max(0, restoredSeq - 1);
      room.waiting.splice(0, room.waiting.length, ...room.waiting.filter((m) => m.seq <= restoredSeq));
      this.#parts.inbound.dropHeld(room, restoredSeq);
      this.#tell(room);
    }
    this.#ctx.saveSoon(room);
  }

  /** Whether the relay told us, on this connection, that the room was restored: being behind is then expected. */
  restored(room: RoomState): boolean {
    return this.#restored.has(room.hex);
  }

  connectionLost(): void {
    this.#restored.clear();
    this.#heads.clear();
  }

  /** What the relay holds of the room, from a syncDone. */
  noteHead(room: RoomState, head: RelayHead): void {
    this.#heads.set(room.hex, { logLength: head.logLength, epoch: head.epoch });
  }

  /** Our own record, acknowledged at `seq`: kept to hand back should the relay lose it. */
  keepOwn(room: RoomState, seq: number, record: MessageRecord): void {
    keepOwn(room.journal, seq, record, this.#ctx.options.keepOwnRecords ?? DEFAULT_KEEP_OWN_RECORDS);
  }

  keepRotation(room: RoomState, rotation: Rotation): void {
    keepRotation(room.journal, rotation, this.#ctx.options.keepRotations ?? DEFAULT_KEEP_ROTATIONS);
  }

  /**
   * A record we had accepted at a seq the relay lost, stored again at `seq`: moved there and shown
   * once. False when it is not one of those (it is then checked as any other).
   */
  replace(room: RoomState, seq: number, record: MessageRecord): boolean {
    const journal = room.journal;
    if (journal.lost.size === 0 || room.seen.has(seq)) return false;
    const hash = messageHash(record.bytes);
    const hex = toHex(hash);
    const oldSeq = journal.lost.get(hex);
    if (oldSeq === undefined) return false;
    journal.lost.delete(hex);
    room.seen.set(seq, hash);
    if (seq > room.lastSeen) room.lastSeen = seq;
    if (journal.own.delete(oldSeq)) this.keepOwn(room, seq, record);
    const sender = toHex(record.sender);
    const at = room.messages.findIndex((m) => m.seq === oldSeq && m.sender === sender);
    if (at >= 0) {
      const moved = { ...room.messages.splice(at, 1)[0]!, seq };
      insertMessage(room, moved);
      this.#ctx.emit({ type: 'message', roomId: room.hex, message: moved, movedFrom: oldSeq });
    }
    this.#ctx.saveSoon(room);
    return true;
  }

  /** After the catch-up sync of a restored room, before its outbox flows: hands back what the relay lost. */
  async heal(room: RoomState): Promise<void> {
    if (!this.#restored.has(room.hex) || room.status !== 'member') return;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#handBackLog(room);
        break;
      } catch (error) {
        if (!RACED.has(errorName(error)) || attempt >= RETRIES) throw error;
        await this.#parts.sync.sync(room);
      }
    }
    await this.#handBackOwn(room);
  }

  /** Log events (each commit with its rotation) and plain rotations, in the order they were made. */
  async #handBackLog(room: RoomState): Promise<void> {
    const head = this.#heads.get(room.hex);
    if (head === undefined) return;
    let { logLength: length, epoch } = head;
    const rotations = room.journal.rotations;
    while (length < logLength(room) || epoch < room.epoch) {
      const next = rotations.get(epoch + 1);
      if (next !== undefined && next.logLength === length) {
        await this.#request(room, (rid) => ({ type: 'rotate', rid, rotation: next }));
        epoch++;
        continue;
      }
      const event = eventAt(room, length);
      if (event === undefined) return; // before our checkpoint, or a rotation we no longer hold
      const commits = event.kind === 'add' || event.kind === 'remove' || event.kind === 'device';
      if (commits && next?.logLength !== length + 1) return;
      if (event.kind === 'add') {
        // The joiner's welcome went with the add and we never held it: only its issuer could.
        this.#ctx.warn(room, 'JOIN_STATE', `the restored relay lost the add at log index ${length}; its admin must add the member again`);
        return;
      }
      await this.#request(room, (rid) => ({ type: 'appendEvent', rid, event, rotation: commits ? next : undefined, welcome: undefined }));
      length++;
      if (commits) epoch++;
    }
    this.#heads.set(room.hex, { logLength: length, epoch });
  }

  /** Our own messages the relay lost, in counter order; each moves to the seq the relay gives it. */
  async #handBackOwn(room: RoomState): Promise<void> {
    const journal = room.journal;
    const lost = [...journal.own.values()]
      .filter((record) => journal.lost.has(toHex(messageHash(record.bytes))))
      .sort((a, b) => a.counter - b.counter);
    for (const record of lost) {
      const conn = this.#parts.channel.conn;
      if (conn === undefined) return;
      try {
        expectOk(await this.#parts.channel.requestOn(conn, (rid) => ({ type: 'send', rid, message: record }), async (answer) => {
          if (answer.type !== 'ok') return;
          this.replace(room, answer.value, record);
          await this.#parts.inbound.onDeliver(room, answer.value, record);
        }));
        // One we had dropped is dropped again before the next goes (§10.1 rule 4, V-199).
        await this.#parts.drops.handedBack(room, record.counter);
      } catch (error) {
        if (isSottoError(error, 'CLOSED') || isSottoError(error, 'TIMEOUT')) return; // the next connection goes on
        // Kept and shown here; the relay will not take it back (its epoch is older than the backup's).
        this.#ctx.warn(room, errorName(error), `message ${record.counter} could not be handed back to the restored relay: ${errorDetail(error)}`);
        for (const [seq, kept] of journal.own) if (kept === record) journal.own.delete(seq);
      }
    }
  }

  async #request(room: RoomState, build: Parameters<ClientParts['channel']['request']>[0]): Promise<void> {
    const conn = this.#parts.channel.conn;
    if (conn === undefined) throw new SottoError('CLOSED');
    // The relay lost only log events or rotations (no message we saw): still worth the one notice.
    this.#tell(room);
    expectOk(await this.#parts.channel.requestOn(conn, build));
    this.#ctx.saveSoon(room);
  }

  #tell(room: RoomState): void {
    const key = `${room.hex}:${room.journal.restoredSeq}`;
    if (this.#told.has(key)) return;
    this.#told.add(key);
    this.#ctx.emit({ type: 'restored', roomId: room.hex });
  }
}
