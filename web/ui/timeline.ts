// The living timeline: messages, the notices the worker derives from the signed membership log
// and the room's epochs (protocol/client/notices.ts), and a separator at each new day. Notices go
// among delivered messages by time; our pending messages stay last, as they are listed.
import type { MessageView, NoticeView } from '../worker/rpc.js';
import { formatTime, h } from './dom.js';
import { historyText } from './history-setting.js';

export type TimelineItem =
  | { readonly type: 'message'; readonly key: string; readonly message: MessageView }
  | { readonly type: 'notice'; readonly key: string; readonly notice: NoticeView }
  | { readonly type: 'day'; readonly key: string; readonly label: string };

const DAY = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });

function dayLabel(ms: number): string {
  const day = new Date(ms).toDateString();
  const today = new Date();
  if (day === today.toDateString()) return 'Today';
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (day === yesterday.toDateString()) return 'Yesterday';
  return DAY.format(new Date(ms));
}

/** Messages in their order, notices merged in by time, and a day separator before each new day. */
export function timelineItems(messages: readonly MessageView[], notices: readonly NoticeView[]): TimelineItem[] {
  const merged: Array<{ time: number; item: TimelineItem }> = [];
  let n = 0;
  for (const message of messages) {
    if (!message.pending) {
      while (n < notices.length && notices[n]!.time <= message.time) merged.push(noticeEntry(notices[n++]!));
    }
    merged.push({ time: message.time, item: { type: 'message', key: message.key, message } });
  }
  // Notices after every delivered message go before our pending ones.
  const firstPending = merged.findIndex((m) => m.item.type === 'message' && m.item.message.pending);
  const rest = notices.slice(n).map(noticeEntry);
  if (firstPending < 0) merged.push(...rest);
  else merged.splice(firstPending, 0, ...rest);

  const out: TimelineItem[] = [];
  let lastDay = '';
  for (const { time, item } of merged) {
    const day = new Date(time).toDateString();
    if (day !== lastDay) {
      out.push({ type: 'day', key: `day:${day}`, label: dayLabel(time) });
      lastDay = day;
    }
    out.push(item);
  }
  return out;
}

function noticeEntry(notice: NoticeView): { time: number; item: TimelineItem } {
  return { time: notice.time, item: { type: 'notice', key: `notice:${notice.key}`, notice } };
}

function who(label: string, me: boolean, capital: boolean): string {
  if (!me) return label;
  return capital ? 'You' : 'you';
}

const ROLE_WORDS = { owner: 'the owner', admin: 'an admin', member: 'a member' } as const;

/** A notice in words. Names are labels the client made (safeName, look-alikes told apart). */
export function noticeText(n: NoticeView): string {
  const actor = who(n.actor, n.actorMe, true);
  const subject = who(n.subject, n.subjectMe, false);
  switch (n.kind) {
    case 'created':
      return `${actor} created the room.`;
    case 'joined':
      return `${who(n.subject, n.subjectMe, true)} joined, let in by ${who(n.actor, n.actorMe, false)}.`;
    case 'left':
      return `${actor} left the room.`;
    case 'removed':
      return removedText(n, actor, subject);
    case 'role':
      return `${actor} made ${subject} ${ROLE_WORDS[n.role ?? 'member']}.`;
    case 'history':
      return `${actor} changed what new members see: ${n.history === undefined ? 'see the room’s details' : historyText(n.history).replace(/^New members see /, '').replace(/\.$/, '')}.`;
    case 'keys':
      return n.wasVerified === true
        ? `${actor}’s safety number changed: they replaced their keys in this room. You had verified ${n.actor}; verify them again before trusting this room with secrets.`
        : `${actor} replaced their keys in this room (a key update), so their fingerprint changed.`;
    case 'device':
      // A device add names the new device's key as subject; the person is the signer (§8.7).
      return n.subjectMe ? `${actor} added this device.` : `${actor} added a device.`;
    case 'renamed':
      return `${actor} renamed the room to “${n.name ?? ''}”.`;
    case 'code':
      return n.code === undefined
        ? 'The room key was replaced, so the room code changed.'
        : `The room key was replaced: the room code is now ${n.code}. Compare it with the others again.`;
  }
}

/**
 * A removal says what it took (§8.7): one of the signer's own devices, or a person with every one
 * of their devices — "Alice removed Bob (2 devices)." — never a device named like its person.
 */
function removedText(n: NoticeView, actor: string, subject: string): string {
  if (n.ownDevice === true) {
    if (n.actorMe) return 'You removed one of your other devices.';
    return n.subjectMe ? `${actor} removed this device.` : `${actor} removed one of their devices.`;
  }
  return n.devices !== undefined && n.devices > 1 ? `${actor} removed ${subject} (${n.devices} devices).` : `${actor} removed ${subject}.`;
}

export function noticeElement(n: NoticeView): HTMLElement {
  return h('p', { class: `timeline-notice${n.wasVerified === true ? ' was-verified' : ''}`, 'data-kind': n.kind },
    h('span', {}, noticeText(n)), ' ',
    h('time', { datetime: new Date(n.time).toISOString() }, formatTime(n.time)));
}

export function dayElement(label: string): HTMLElement {
  return h('h3', { class: 'day-separator' }, label);
}
