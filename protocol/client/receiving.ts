// Receiving a message the relay stored: the pure checks (receive-message.ts) give a verdict, and an
// accepted one is applied here in one synchronous step: the sender's chain, the seen seq, and
// what the content changes (a text shown, a name, the room's name). A message that cannot be
// checked yet waits (waiting.ts) until an event, a rotation or a sync brings what it lacks; a hole
// in a sender's counters is shown on the message after it once a sync has not filled it.
import { bytesEqual, toHex } from '../bytes.js';
import type { ErrorName } from '../errors.js';
import type { Content } from '../wire/content.js';
import { attachmentField, listedText } from './attachment-view.js';
import type { HistoryShare } from '../wire/history-share.js';
import { judgeShare } from './history-sharing.js';
import { takeHistoryEntries } from './history-entries.js';
import { isListed } from './timeline-fold.js';
import type { MessageRecord } from '../wire/message.js';
import { errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { openMessage } from './message-crypto.js';
import { receiveMessage, type ChainMove, type Receipt } from './receive-message.js';
import { DEFAULT_RATCHET_LIMITS, retireChain, takeMessageKey, type KeyTaken, type RatchetLimits } from './sender-ratchet.js';
import { countMessage, refKey, setName, type RoomState } from './room-state.js';
import { noteHistory } from './message-store.js';
import type { CounterHole } from './sender-chain.js';
import { aboutOf, insertMessage, memberViews, newMessageView, roomView } from './views.js';
import { applyDelete, keepDeleted } from './deletion.js';
import { applyRename, renamedTo } from './room-name.js';
import { applyTombstone, judgeTombstone } from './tombstones.js';
import type { Tombstone } from '../wire/tombstone.js';
import { adoptOwn } from './adopt.js';
import { DEFAULT_MAX_WAITING, Waiting } from './waiting.js';

/** A hole in one sender's counters, right before the message at `seq`, not yet shown. */
interface OpenHole {
  readonly sender: string;
  readonly seq: number;
  readonly hole: CounterHole;
  /** Counters in the hole that arrived late (a reordered delivery). */
  filled: number;
  /** Syncs started before it opened: a later one has fetched all the relay will serve. */
  readonly after: number;
}

export class Receiving {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'sync' | 'outbox' | 'drops' | 'keys' | 'restore'>;
  readonly #waiting: Waiting;
  readonly #holes = new Map<string, OpenHole[]>();
  readonly #limits: RatchetLimits;

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'sync' | 'outbox' | 'drops' | 'keys' | 'restore'>) {
    this.#ctx = ctx;
    this.#parts = parts;
    this.#waiting = new Waiting(ctx.options.maxWaitingMessages ?? DEFAULT_MAX_WAITING);
    this.#limits = {
      maxSkip: ctx.options.maxMessageKeySkip ?? DEFAULT_RATCHET_LIMITS.maxSkip,
      maxSkippedKeys: ctx.options.maxSkippedMessageKeys ?? DEFAULT_RATCHET_LIMITS.maxSkippedKeys,
    };
  }

  async verifyDelivered(room: RoomState, seq: number, record: MessageRecord): Promise<void> {
    // One we accepted before the relay was restored, stored again under a new seq.
    if (this.#parts.restore.replace(room, seq, record)) return;
    if (this.#waiting.hasSender(room, record.sender)) {
      this.#wait(room, seq, record, 'UNKNOWN_SENDER', `seq ${seq} waits behind an earlier message of its sender`);
      return;
    }
    const receipt = await receiveMessage(this.#ctx.suite, room, seq, record, false, this.#limits);
    if (receipt.kind === 'wait') this.#wait(room, seq, record, receipt.error, receipt.detail);
    else await this.#apply(room, seq, record, receipt);
  }

  /**
   * A tombstone a sync served in place of a deleted message (tombstones.ts, V-154). Behind an
   * earlier message of its sender that waits, it waits too (V-197): applied first, it would move the
   * sender's counters past that message, which would then read as a stale counter, SENDER_CONFLICT,
   * for nothing its sender did.
   */
  async takeTombstone(room: RoomState, tombstone: Tombstone): Promise<void> {
    if (this.#waiting.hasSender(room, tombstone.sender)) {
      const detail = `the tombstone at seq ${tombstone.seq} waits behind an earlier message of its sender`;
      const pushedOut = this.#waiting.add(room, { seq: tombstone.seq, tombstone, error: 'UNKNOWN_SENDER', detail, after: this.#parts.sync.started(room), told: false });
      if (pushedOut !== undefined) this.#ctx.warn(room, pushedOut.error, `${pushedOut.detail}; dropped, too many messages waiting`, pushedOut.seq);
      return;
    }
    await this.#applyTombstone(room, tombstone);
  }

  async #applyTombstone(room: RoomState, tombstone: Tombstone): Promise<void> {
    const verdict = await judgeTombstone(this.#ctx.suite, room, tombstone);
    if (verdict.kind === 'rejected') this.#ctx.warn(room, verdict.error, verdict.detail, tombstone.seq);
    if (verdict.kind !== 'accepted') return;
    const view = applyTombstone(room, tombstone, this.#limits);
    this.#ctx.emit({ type: 'message', roomId: room.hex, message: view });
    this.#ctx.saveSoon(room);
  }

  /**
   * Checks the waiting messages of `room` again, in seq order. `syncCount`: the number of the sync
   * that just completed, after which a message that arrived before it and still lacks something is
   * told once (and keeps waiting); undefined after an event or a rotation.
   */
  async retryWaiting(room: RoomState, syncCount?: number): Promise<void> {
    const blocked: Uint8Array[] = [];
    for (const m of this.#waiting.take(room)) {
      if (m.tombstone !== undefined) {
        // It waits only behind its sender's messages, each told for itself.
        if (blocked.some((s) => bytesEqual(s, m.tombstone.sender))) this.#waiting.add(room, m);
        else await this.#applyTombstone(room, m.tombstone);
        continue;
      }
      const synced = syncCount !== undefined && m.after < syncCount;
      const receipt = blocked.some((s) => bytesEqual(s, m.record.sender))
        ? undefined
        : await receiveMessage(this.#ctx.suite, room, m.seq, m.record, synced, this.#limits);
      if (receipt === undefined || receipt.kind === 'wait') {
        if (receipt !== undefined) {
          m.error = receipt.error;
          m.detail = receipt.detail;
        }
        if (synced && !m.told) {
          m.told = true;
          this.#ctx.warn(room, m.error, m.detail, m.seq);
        }
        blocked.push(m.record.sender);
        this.#waiting.add(room, m);
        continue;
      }
      await this.#apply(room, m.seq, m.record, receipt);
    }
  }

  /** After sync number `count` of `room`: retries, shows the holes it did not fill, syncs again for what arrived meanwhile. */
  async afterSync(room: RoomState, count: number): Promise<void> {
    await this.retryWaiting(room, count);
    const holes = this.#holes.get(room.hex) ?? [];
    this.#holes.set(room.hex, holes.filter((h) => h.after >= count));
    for (const h of holes) if (h.after < count) this.#showHole(room, h);
    if (this.#waiting.arrivedSince(room, count) || holes.some((h) => h.after >= count)) this.#syncSoon(room);
  }

  #wait(room: RoomState, seq: number, record: MessageRecord, error: ErrorName, detail: string): void {
    const pushedOut = this.#waiting.add(room, { seq, record, error, detail, after: this.#parts.sync.started(room), told: false });
    if (pushedOut !== undefined) this.#ctx.warn(room, pushedOut.error, `${pushedOut.detail}; dropped, too many messages waiting`, pushedOut.seq);
    this.#syncSoon(room);
  }

  /** One sync for whatever waits: a sync already queued will serve it. */
  #syncSoon(room: RoomState): void {
    if (!this.#ctx.syncing.has(room.hex)) this.#ctx.background(this.#parts.sync.sync(room), room);
  }

  async #apply(room: RoomState, seq: number, record: MessageRecord, receipt: Exclude<Receipt, { kind: 'wait' }>): Promise<void> {
    switch (receipt.kind) {
      case 'duplicate':
        return;
      case 'own':
        await this.acceptOwn(room, seq, record, receipt.hash);
        return;
      case 'rejected':
        this.#ctx.warn(room, receipt.error, receipt.detail, seq);
        return;
      case 'accepted':
        this.#acceptMessage(room, seq, record, receipt);
        return;
    }
  }

  /** Our own record: acknowledged now, or served back by a sync after the ack was lost. */
  async acceptOwn(room: RoomState, seq: number, record: MessageRecord, hash: Uint8Array): Promise<void> {
    if (room.seen.has(seq)) return;
    adoptOwn(room, record, hash);
    // By counter, not hash: the relay keeps one record per counter, and the stored one wins.
    const at = room.outbox.findIndex((item) => item.counter === record.counter);
    let content: Content;
    if (at >= 0) {
      const [item] = room.outbox.splice(at, 1);
      content = item!.content;
      if (record.counter === room.counter) room.lastHash = hash;
    } else {
      // Sent by this identity but not from this outbox: a keystore restored from an older export.
      // Opening it moves our own chain past its index, so no key of ours is ever used twice.
      const chains = room.epochs.get(record.epoch)?.chains;
      const mine = chains?.get(toHex(record.sender));
      if (chains === undefined || mine === undefined) return;
      let taken: KeyTaken;
      try {
        taken = takeMessageKey(mine, record.index, this.#limits);
        content = await openMessage(this.#ctx.suite, record, taken.messageKey);
      } catch (error) {
        this.#ctx.warn(room, errorName(error), `our own message at seq ${seq}: ${errorDetail(error)}`, seq);
        return;
      }
      taken.messageKey.fill(0);
      if (!this.#moveChain(room, { epoch: record.epoch, sender: toHex(record.sender), index: record.index, before: mine, after: taken.chain })) return;
    }
    this.#noteSeen(room, seq, hash, record.epoch);
    this.#parts.restore.keepOwn(room, seq, record);
    this.#applyContent(room, seq, record, content, []);
    this.#parts.outbox.acknowledged(room, record.counter, seq);
    this.#ctx.saveSoon(room);
    this.#parts.keys.maybeRotate(room);
  }

  #acceptMessage(room: RoomState, seq: number, record: MessageRecord, receipt: Extract<Receipt, { kind: 'accepted' }>): void {
    if (!this.#moveChain(room, receipt.keys)) return;
    const sender = toHex(record.sender);
    if (receipt.advance) room.senders.set(sender, { counter: record.counter, hash: receipt.hash });
    else this.#fillHole(room, sender, record.counter);
    if (receipt.hole !== undefined) {
      const holes = this.#holes.get(room.hex) ?? [];
      holes.push({ sender, seq, hole: receipt.hole, filled: 0, after: this.#parts.sync.started(room) });
      this.#holes.set(room.hex, holes);
      this.#syncSoon(room);
    }
    this.#noteSeen(room, seq, receipt.hash, record.epoch);
    this.#applyContent(room, seq, record, receipt.content, receipt.marks);
    this.#ctx.saveSoon(room);
    this.#parts.keys.maybeRotate(room);
  }

  /**
   * Replaces the sender's chain by the one without this message's key and wipes what only the old
   * one held. Should another message of the sender have moved the chain while this one was being
   * checked, the key is taken again from where the chain is now; if it is gone, so is the message.
   */
  #moveChain(room: RoomState, move: ChainMove): boolean {
    const chains = room.epochs.get(move.epoch)?.chains;
    const current = chains?.get(move.sender);
    if (chains === undefined || current === undefined) return false;
    let after = move.after;
    if (current !== move.before) {
      try {
        const again = takeMessageKey(current, move.index, this.#limits);
        again.messageKey.fill(0);
        after = again.chain;
      } catch (error) {
        this.#ctx.warn(room, errorName(error), `message ${move.index} of ${move.sender.slice(0, 8)} in epoch ${move.epoch}: ${errorDetail(error)}`);
        return false;
      }
    }
    chains.set(move.sender, after);
    retireChain(current, after);
    return true;
  }

  /** A late message of `sender` (a counter at or below its last) fills a hole it was missing from. */
  #fillHole(room: RoomState, sender: string, counter: number): void {
    const open = this.#holes.get(room.hex)?.find((h) => h.sender === sender && h.hole.from <= counter && counter <= h.hole.to);
    if (open !== undefined) open.filled++;
  }

  /** Marks the message after a hole no sync filled with how many of its sender's messages are missing, once. */
  #showHole(room: RoomState, open: OpenHole): void {
    const missing = open.hole.to - open.hole.from + 1 - open.filled;
    const at = room.messages.findIndex((m) => m.seq === open.seq);
    // A hole before a profile or room name has no line of its own to carry the mark.
    if (missing <= 0 || at === -1) return;
    const view = { ...room.messages[at]!, warnings: [...room.messages[at]!.warnings, 'GAP' as const], missing };
    room.messages[at] = view;
    noteHistory(room, open.seq);
    this.#ctx.emit({ type: 'message', roomId: room.hex, message: view });
    this.#ctx.saveSoon(room);
  }

  #noteSeen(room: RoomState, seq: number, hash: Uint8Array, epoch: number): void {
    room.seen.set(seq, hash);
    noteHistory(room, seq);
    if (seq > room.lastSeen) room.lastSeen = seq;
    countMessage(room, epoch);
  }

  #applyContent(room: RoomState, seq: number, record: MessageRecord, content: Content, warnings: readonly ErrorName[]): void {
    const sender = toHex(record.sender);
    switch (content.type) {
      case 'text':
      case 'reply':
      case 'reaction':
      case 'edit':
      case 'delete':
      case 'attachment': {
        // Each is kept at its seq as it came; views fold replies, reactions, edits and deletes into what they name (§9.1).
        const view = keepDeleted(room, {
          ...newMessageView(room, seq, record.epoch, record.sender, listedText(content), content.time, warnings, { counter: record.counter, ...aboutOf(content) }),
          ...attachmentField(content),
        });
        // Our own delete, acknowledged (also after a restart, or served back by a sync): the relay
        // may drop what it names, found before the delete wipes its attachment reference (§9.1.1).
        const dropped = content.type === 'delete' && view.mine ? room.messages.find((m) => m.counter !== undefined && refKey(m.sender, m.counter) === view.about?.target) : undefined;
        insertMessage(room, view);
        if (content.type === 'delete') applyDelete(room, view);
        if (dropped !== undefined) this.#ctx.background(this.#parts.drops.add(room, dropped), room);
        this.#ctx.emit({ type: 'message', roomId: room.hex, message: view });
        return;
      }
      case 'profile':
        setName(room, sender, content.text);
        this.#ctx.emit({ type: 'members', roomId: room.hex, members: memberViews(room) });
        return;
      case 'roomName': {
        // Only owners and admins name the room (V-150); the name it has already is no news.
        const name = renamedTo(room, record, content.text, warnings);
        if (name === undefined || name === room.name) return;
        applyRename(room, { ...newMessageView(room, seq, record.epoch, record.sender, '', content.time, warnings, { counter: record.counter }), renamed: name });
        this.#ctx.emit({ type: 'room', room: roomView(room) });
        return;
      }
      case 'history':
        this.#takeShare(room, seq, record, content.share);
        return;
    }
  }

  /** Earlier messages the member who added us re-sealed for us (§8.6, V-94), shown as shared by it. */
  #takeShare(room: RoomState, seq: number, record: MessageRecord, share: HistoryShare): void {
    const already = room.messages.filter((m) => m.sharedBy !== undefined && isListed(m)).length;
    const verdict = judgeShare(room, share, record.sender, seq, already);
    if (verdict.kind === 'not-ours') return;
    if (verdict.kind === 'refused') {
      this.#ctx.warn(room, 'BAD_EVENT', verdict.detail, seq);
      return;
    }
    const sharedBy = newMessageView(room, seq, record.epoch, record.sender, '', 0, []).senderLabel;
    for (const view of takeHistoryEntries(room, verdict.entries, record.epoch, sharedBy)) this.#ctx.emit({ type: 'message', roomId: room.hex, message: view });
  }
}
