// Read-only views of a room for a UI: plain data, no keys.
import { fromHex, toHex } from '../bytes.js';
import type { MemberView, RoomView } from './client-events.js';
import { fingerprint, safetyNumber } from './fingerprint.js';
import { memberLabels, unnamed } from './member-labels.js';
import { currentRoster, isOwnKey, refKey, waitingForKey, type DeliveredMessage, type MessageView, type OutboxItem, type RoomState } from './room-state.js';
import { foldTimeline, isListed, type TimelineMessage } from './timeline-fold.js';
import { replacedKeys } from './authorship.js';
import type { Content } from '../wire/content.js';
import { noteHistory } from './message-store.js';
import { attachmentField, listedText } from './attachment-view.js';
import { memberOf, type Roster } from '../membership/roster.js';

export function roomCodeOf(room: RoomState): string | undefined {
  return room.epochs.get(room.epoch)?.code;
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
    // A deleted message (or the tombstone of one, §9.1.1) has nothing left to read.
    unread: room.messages.filter((m) => m.seq > room.readSeq && !m.mine && isListed(m) && m.deleted !== true).length,
    waitingForKey: waitingForKey(room, Date.now()),
    history: roster?.settings.history,
  };
}

/**
 * Labels take milliseconds in a room of a thousand and a view is built for every message received,
 * so they are kept per room until the roster (a new one per log event) or a name changes.
 */
const labelCache = new WeakMap<RoomState, { roster: Roster | undefined; namesVersion: number; labels: ReadonlyMap<string, string> }>();

/**
 * Each member's label (member-labels.ts), over the current members and everyone the room ever
 * named: a former member's messages stay in the timeline, so a name it shared with a member still
 * needs telling apart there.
 */
function labelsOf(room: RoomState): ReadonlyMap<string, string> {
  const roster = currentRoster(room);
  const kept = labelCache.get(room);
  if (kept !== undefined && kept.roster === roster && kept.namesVersion === room.namesVersion) return kept.labels;
  const signs = new Set([...roster?.members.keys() ?? [], ...room.names.keys()]);
  const labels = memberLabels([...signs].map((sign) => ({ sign, name: room.names.get(sign) })), (sign) => fingerprint(fromHex(sign)));
  labelCache.set(room, { roster, namesVersion: room.namesVersion, labels });
  return labels;
}

/** A member's or former member's label as the timeline shows it (hex signing key). */
export function memberLabel(room: RoomState, sign: string): string {
  return labelOf(labelsOf(room), sign, fingerprint(fromHex(sign)));
}

/**
 * A person's label by one of their devices (hex), where `devices` are all of theirs: a person's
 * devices announce one name, which labelsOf tells apart like look-alike strangers' ("Bob · 1a2b",
 * "Bob · 3c4d"); here the person counts once. Built afresh: a notice asks only when a person with
 * several devices left or was removed.
 */
export function personLabel(room: RoomState, sign: string, devices: readonly string[]): string {
  const others = new Set(devices.filter((d) => d !== sign));
  const signs = new Set([...currentRoster(room)?.members.keys() ?? [], ...room.names.keys()].filter((s) => !others.has(s)));
  const labels = memberLabels([...signs].map((s) => ({ sign: s, name: room.names.get(s) })), (s) => fingerprint(fromHex(s)));
  return labelOf(labels, sign, fingerprint(fromHex(sign)));
}

/** A sender's label, also for a former member who never announced a name. */
function labelOf(labels: ReadonlyMap<string, string>, sender: string, print: string): string {
  return labels.get(sender) ?? unnamed(print);
}

export function memberViews(room: RoomState): MemberView[] {
  const roster = currentRoster(room);
  if (roster === undefined) return [];
  const labels = labelsOf(room);
  const ours = roster.members.get(toHex(room.me.sign.publicKey))?.addedAt;
  return [...roster.members.values()].map((m) => {
    const sign = toHex(m.sign);
    const print = fingerprint(m.sign);
    return {
      sign, name: room.names.get(sign), label: labelOf(labels, sign, print), role: m.role, fingerprint: print,
      verified: room.verified.has(sign), safetyNumber: safetyNumber(room.me.sign.publicKey, m.sign),
      person: m.addedAt, ownPerson: m.addedAt === ours,
    };
  });
}

/**
 * The last `last` messages (all by default) with the replies, reactions, edits and deletes that
 * name them folded in (timeline-fold.ts). Names as they are now: a profile that arrived after a
 * message still names it. Our unacknowledged messages follow in outbox order; an ack moves one
 * into the delivered list in the same step.
 */
export function messageViews(room: RoomState, last = Number.POSITIVE_INFINITY): TimelineMessage[] {
  return foldedViews(room, last).messages;
}

function foldedViews(room: RoomState, last: number): { messages: TimelineMessage[]; total: number } {
  const labels = labelsOf(room);
  const pending = room.outbox.flatMap((item) => pendingView(room, item, labels) ?? []);
  const label = (sender: string): string => labelOf(labels, sender, fingerprint(fromHex(sender)));
  const folded = foldTimeline([...room.messages, ...pending], { replaced: replacedKeys(room), label }, last);
  const messages = folded.messages.map((m) => m.pending ? m : { ...m, senderName: room.names.get(m.sender) ?? m.senderName, senderLabel: labelOf(labels, m.sender, m.fingerprint) });
  return { messages, total: folded.total };
}

/** How many messages messageViews lists in all. */
export function messageCount(room: RoomState): number {
  return room.messages.filter(isListed).length + room.outbox.filter((item) => listed(item.content)).length;
}

/** Texts, replies and attachments are listed as messages; profiles, room names and history shares are not, and the rest fold into what they name. */
function listed(content: Content): boolean {
  return content.type === 'text' || content.type === 'reply' || content.type === 'attachment';
}

/**
 * A queued text, reply, reaction, edit or delete as the timeline folds it (see `listed`): ours take
 * effect on screen at once, as in Signal, and are marked pending until the relay has them.
 */
export function pendingView(room: RoomState, item: OutboxItem, labels = labelsOf(room)): MessageView | undefined {
  const content = item.content;
  if (content.type !== 'text' && content.type !== 'attachment' && !('target' in content)) return undefined;
  const sign = room.me.sign.publicKey;
  const hex = toHex(sign);
  const print = fingerprint(sign);
  return {
    seq: undefined, epoch: item.record.epoch, sender: hex, senderName: room.names.get(hex), senderLabel: labelOf(labels, hex, print), fingerprint: print,
    text: listedText(content), time: content.time, mine: true, warnings: [], pending: true, counter: item.counter,
    ...aboutOf(content), ...attachmentField(content),
    ...(item.failed === true ? { failed: true } : {}),
  };
}

/** The `about` field of a view of `content` (room-state.ts MessageView). */
export function aboutOf(content: Content): Pick<MessageView, 'about'> {
  return 'target' in content ? { about: { kind: content.type, target: refKey(toHex(content.target.sender), content.target.counter) } } : {};
}

export function newMessageView(
  room: RoomState,
  seq: number,
  epoch: number,
  sender: Uint8Array,
  text: string,
  time: number,
  warnings: MessageView['warnings'],
  extra: Pick<MessageView, 'counter' | 'about'> = {},
): DeliveredMessage {
  const hex = toHex(sender);
  const print = fingerprint(sender);
  return {
    seq, epoch, sender: hex, senderName: room.names.get(hex), senderLabel: labelOf(labelsOf(room), hex, print), fingerprint: print, text, time,
    mine: isOwnKey(room, sender), warnings, pending: false, ...extra,
  };
}

/** Keeps views in seq order: our own acks and others' pushes can interleave. */
export function insertMessage(room: RoomState, view: DeliveredMessage): void {
  let at = room.messages.length;
  while (at > 0 && room.messages[at - 1]!.seq > view.seq) at--;
  room.messages.splice(at, 0, view);
  noteHistory(room, view.seq);
}
