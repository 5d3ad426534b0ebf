// Read-only views of a room for a UI: plain data, no keys.
import { toHex } from '../bytes.js';
import type { MemberView, RoomView } from './client-events.js';
import { fingerprint, roomCode } from './fingerprint.js';
import { currentRoster, waitingForKey, type DeliveredMessage, type MessageView, type OutboxItem, type RoomState } from './room-state.js';
import { memberOf } from '../membership/roster.js';

export function roomCodeOf(room: RoomState): string | undefined {
  const info = room.epochs.get(room.epoch);
  if (info?.rosterHash === undefined || info.key === undefined) return undefined;
  return roomCode(info.key.expose(), info.rosterHash, room.epoch);
}

export function roomView(room: RoomState): RoomView {
  const roster = currentRoster(room);
  return {
    roomId: room.hex,
    name: room.name,
    status: room.status,
    joinState: room.join?.state ?? 'member',
    epoch: room.epoch,
    role: roster === undefined ? undefined : memberOf(roster, room.me.sign.publicKey)?.role,
    members: roster?.members.size ?? 0,
    roomCode: roomCodeOf(room),
    unread: room.messages.filter((m) => m.seq > room.readSeq && !m.mine).length,
    waitingForKey: waitingForKey(room, Date.now()),
  };
}

export function memberViews(room: RoomState): MemberView[] {
  const roster = currentRoster(room);
  if (roster === undefined) return [];
  return [...roster.members.values()].map((m) => {
    const sign = toHex(m.sign);
    return { sign, name: room.names.get(sign), role: m.role, fingerprint: fingerprint(m.sign) };
  });
}

/**
 * The last `last` messages (all by default), copying only those. Names as they are now: a profile
 * that arrived after a message still names it. Our unacknowledged texts follow in outbox order; an
 * ack moves one into the delivered list in the same step.
 */
export function messageViews(room: RoomState, last = Number.POSITIVE_INFINITY): MessageView[] {
  const pending = room.outbox.flatMap((item) => pendingView(room, item) ?? []);
  const delivered = room.messages.slice(Math.max(0, room.messages.length - last))
    .map((m) => ({ ...m, senderName: room.names.get(m.sender) ?? m.senderName }));
  const all = [...delivered, ...pending];
  return all.slice(Math.max(0, all.length - last));
}

/** How many messages messageViews lists in all. */
export function messageCount(room: RoomState): number {
  return room.messages.length + room.outbox.filter(listed).length;
}

/** Queued texts are listed as pending messages; queued profiles and room names are not messages. */
function listed(item: OutboxItem): boolean {
  return item.content.type === 'text';
}

/** A queued text as a UI lists it (see `listed`). */
export function pendingView(room: RoomState, item: OutboxItem): MessageView | undefined {
  if (!listed(item)) return undefined;
  const sign = room.me.sign.publicKey;
  const hex = toHex(sign);
  return {
    seq: undefined, epoch: item.record.epoch, sender: hex, senderName: room.names.get(hex), fingerprint: fingerprint(sign),
    text: item.content.text, time: item.content.time, mine: true, warnings: [], pending: true,
  };
}

export function newMessageView(
  room: RoomState,
  seq: number,
  epoch: number,
  sender: Uint8Array,
  text: string,
  time: number,
  warnings: MessageView['warnings'],
): DeliveredMessage {
  const hex = toHex(sender);
  return {
    seq, epoch, sender: hex, senderName: room.names.get(hex), fingerprint: fingerprint(sender), text, time,
    mine: hex === toHex(room.me.sign.publicKey), warnings, pending: false,
  };
}

/** Keeps views in seq order: our own acks and others' pushes can interleave. */
export function insertMessage(room: RoomState, view: DeliveredMessage): void {
  let at = room.messages.length;
  while (at > 0 && room.messages[at - 1]!.seq > view.seq) at--;
  room.messages.splice(at, 0, view);
}
