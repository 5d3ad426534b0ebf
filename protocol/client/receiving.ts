// Receiving a message the relay stored: the pure checks (receive-message.ts) give a verdict, and an
// accepted one is applied here in one synchronous step: the sender's chain, the seen seq, and
// what the content changes (a text shown, a name, the room's name).
import { toHex } from '../bytes.js';
import type { ErrorName } from '../errors.js';
import type { Content } from '../wire/content.js';
import type { MessageRecord } from '../wire/message.js';
import { isAdmin } from '../membership/roster.js';
import type { ClientContext, ClientParts } from './client-context.js';
import { epochMessageKey, openMessage } from './message-crypto.js';
import { receiveMessage } from './receive-message.js';
import { countMessage, currentRoster, type RoomState } from './room-state.js';
import { insertMessage, memberViews, newMessageView, roomView } from './views.js';

export class Receiving {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'sync' | 'outbox' | 'keys'>;

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'sync' | 'outbox' | 'keys'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** `retried`: this is the one retry after a sync, so a refusal is final. */
  async verifyDelivered(room: RoomState, seq: number, record: MessageRecord, retried: boolean): Promise<void> {
    const receipt = await receiveMessage(this.#ctx.suite, room, seq, record);
    switch (receipt.kind) {
      case 'duplicate':
        return;
      case 'own':
        await this.acceptOwn(room, seq, record, receipt.hash);
        return;
      case 'rejected':
        if (receipt.retry && !retried) {
          this.#parts.sync.retryAfterSync(room, seq, record);
          return;
        }
        this.#ctx.warn(room, receipt.error, receipt.detail, seq);
        return;
      case 'accepted':
        this.#acceptMessage(room, seq, record, receipt.hash, receipt.content, receipt.warnings);
        return;
    }
  }

  /** Our own record: acknowledged now, or served back by a sync after the ack was lost. */
  async acceptOwn(room: RoomState, seq: number, record: MessageRecord, hash: Uint8Array): Promise<void> {
    if (room.seen.has(seq)) return;
    // By counter, not hash: the relay keeps one record per counter, and the stored one wins.
    const at = room.outbox.findIndex((item) => item.counter === record.counter);
    let content: Content;
    if (at >= 0) {
      const [item] = room.outbox.splice(at, 1);
      content = item!.content;
      if (record.counter === room.counter) room.lastHash = hash;
    } else {
      const epoch = room.epochs.get(record.epoch);
      if (epoch === undefined) return;
      content = await openMessage(this.#ctx.suite, record, epochMessageKey(epoch.key, room.roomId, record.epoch, record.sender));
    }
    this.#noteSeen(room, seq, hash, record.epoch);
    this.#applyContent(room, seq, record, content, []);
    this.#parts.outbox.acknowledged(room, record.counter, seq);
    this.#ctx.saveSoon(room);
    this.#parts.keys.maybeRotate(room);
  }

  #acceptMessage(room: RoomState, seq: number, record: MessageRecord, hash: Uint8Array, content: Content, warnings: readonly ErrorName[]): void {
    const sender = toHex(record.sender);
    room.senders.set(sender, { counter: record.counter, hash });
    this.#noteSeen(room, seq, hash, record.epoch);
    this.#applyContent(room, seq, record, content, warnings);
    for (const warning of warnings) this.#ctx.warn(room, warning, `seq ${seq}`, seq);
    this.#ctx.saveSoon(room);
    this.#parts.keys.maybeRotate(room);
  }

  #noteSeen(room: RoomState, seq: number, hash: Uint8Array, epoch: number): void {
    room.seen.set(seq, hash);
    if (seq > room.lastSeen) room.lastSeen = seq;
    countMessage(room, epoch);
  }

  #applyContent(room: RoomState, seq: number, record: MessageRecord, content: Content, warnings: readonly ErrorName[]): void {
    const sender = toHex(record.sender);
    switch (content.type) {
      case 'text': {
        const view = newMessageView(room, seq, record.epoch, record.sender, content.text, content.time, warnings);
        insertMessage(room, view);
        this.#ctx.emit({ type: 'message', roomId: room.hex, message: view });
        return;
      }
      case 'profile':
        room.names.set(sender, content.text);
        this.#ctx.emit({ type: 'members', roomId: room.hex, members: memberViews(room) });
        return;
      case 'roomName': {
        const roster = currentRoster(room);
        if (roster === undefined || !isAdmin(roster, record.sender)) return; // only owners and admins name the room
        room.name = content.text;
        this.#ctx.emit({ type: 'room', room: roomView(room) });
        return;
      }
    }
  }
}
