// One message in the timeline: sender, time, the quote of what it replies to (a button that jumps
// there), its text (or "This message was deleted."), "edited" with the earlier texts, its reactions
// (each a button: who reacted on hover and focus, click adds or withdraws ours), and the actions
// Reply, React, Edit, Delete, as in Signal Desktop (Edit and Delete on our own messages only).
import type { ConnectionState, MessageView } from '../worker/rpc.js';
import { formatTime, h } from './dom.js';
import { linkified } from './links.js';

/** The emoji React offers, Signal's default set. */
export const REACTIONS = ['❤️', '👍', '👎', '😂', '😮', '😢'] as const;

export interface MessageActions {
  readonly retry: () => void;
  /** What shows an attachment in place of the text: its preview or download control (attachments.ts). */
  readonly attachment: (m: MessageView) => HTMLElement | undefined;
  readonly reply: (m: MessageView) => void;
  /** `emoji` '' withdraws ours. */
  readonly react: (m: MessageView, emoji: string) => void;
  readonly edit: (m: MessageView) => void;
  readonly remove: (m: MessageView) => void;
  readonly jump: (seq: number | undefined) => void;
}

/** What a rendered article shows: when it changes, the article is built again. */
export function messageSignature(m: MessageView, connection: ConnectionState): string {
  const state = m.pending ? `${connection}${m.failed ? '-failed' : ''}` : 'sent';
  return JSON.stringify([state, m.text, m.warning, m.senderName, m.deleted, m.edits.length, m.reactions, m.replyTo, m.ref, m.attachment !== undefined, m.mention === true]);
}

/** The note on a message of ours the relay has not acknowledged: sending, waiting to be online, or given up on. */
function pendingNote(m: MessageView, connection: ConnectionState, retry: () => void): HTMLElement | undefined {
  if (!m.pending) return undefined;
  if (!m.failed) return h('span', { class: 'pending-note' }, connection === 'online' || connection === 'partial' ? 'Sending…' : 'Not sent yet');
  const button = h('button', { type: 'button', class: 'link small' }, 'Retry');
  button.addEventListener('click', retry);
  return h('span', { class: 'pending-note failed' }, 'Not sent — ', button);
}

function quote(m: MessageView, jump: MessageActions['jump']): HTMLElement | undefined {
  const q = m.replyTo;
  if (q === undefined) return undefined;
  if ('missing' in q) return h('p', { class: 'quote missing' }, 'Original message not available.');
  // Its name is what it shows, with words for a screen reader: "Reply to Alice: lunch at noon?".
  const button = h('button', { type: 'button', class: 'quote', title: 'Go to the original message' },
    h('span', { class: 'sr-only' }, 'Reply to '),
    h('span', { class: 'quote-sender' }, q.senderName),
    h('span', { class: 'sr-only' }, ': '),
    h('span', { class: 'quote-text' }, q.deleted ? 'This message was deleted.' : q.text.length > 200 ? `${q.text.slice(0, 200)}…` : q.text));
  button.addEventListener('click', () => jump(q.seq));
  return button;
}

function editedMark(m: MessageView): HTMLElement | undefined {
  if (m.edits.length === 0 || m.deleted) return undefined;
  return h('details', { class: 'edited' },
    h('summary', {}, 'edited'),
    h('ol', { class: 'edit-history', 'aria-label': 'Earlier versions, kept on this device' },
      ...m.edits.map((e) => h('li', {}, h('time', { datetime: new Date(e.time).toISOString() }, formatTime(e.time)), ' ', e.text))));
}

function reactionRow(m: MessageView, react: MessageActions['react']): HTMLElement | undefined {
  if (m.reactions.length === 0) return undefined;
  return h('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' },
    ...m.reactions.map((r) => {
      const who = r.by.join(', ');
      const button = h('button', {
        type: 'button', class: `reaction${r.mine ? ' mine' : ''}`, title: who, 'aria-pressed': r.mine ? 'true' : 'false',
        'aria-label': `${r.emoji} ${r.count}: ${who}`,
      }, `${r.emoji} ${r.count}`);
      button.addEventListener('click', () => react(m, r.mine ? '' : r.emoji));
      return button;
    }));
}

/** React opens a small row of emoji; choosing one sends it (or withdraws it when it is already ours). */
function reactPicker(m: MessageView, react: MessageActions['react']): { button: HTMLButtonElement; picker: HTMLElement } {
  const mine = m.reactions.find((r) => r.mine)?.emoji;
  const picker = h('div', { class: 'react-picker', role: 'group', 'aria-label': 'Choose a reaction', hidden: true },
    ...REACTIONS.map((emoji) => {
      const choice = h('button', { type: 'button', class: 'emoji', 'aria-label': `React with ${emoji}`, 'aria-pressed': mine === emoji ? 'true' : 'false' }, emoji);
      choice.addEventListener('click', () => {
        picker.hidden = true;
        button.setAttribute('aria-expanded', 'false');
        react(m, mine === emoji ? '' : emoji);
      });
      return choice;
    }));
  const button = h('button', { type: 'button', class: 'link small', 'aria-expanded': 'false' }, 'React');
  button.addEventListener('click', () => {
    picker.hidden = !picker.hidden;
    button.setAttribute('aria-expanded', picker.hidden ? 'false' : 'true');
    if (!picker.hidden) (picker.firstElementChild as HTMLElement | null)?.focus();
  });
  return { button, picker };
}

function actionButtons(m: MessageView, actions: MessageActions): { bar: HTMLElement | undefined; picker: HTMLElement | undefined } {
  if (m.ref === undefined || m.deleted) return { bar: undefined, picker: undefined };
  const button = (label: string, run: () => void): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'link small' }, label);
    b.addEventListener('click', run);
    return b;
  };
  const { button: react, picker } = reactPicker(m, actions.react);
  const bar = h('div', { class: 'message-actions' },
    button('Reply', () => actions.reply(m)),
    react,
    m.own && m.attachment === undefined ? button('Edit', () => actions.edit(m)) : undefined,
    m.own ? button('Delete', () => actions.remove(m)) : undefined);
  return { bar, picker };
}

export function messageArticle(m: MessageView, connection: ConnectionState, actions: MessageActions): HTMLElement {
  // Details: which key signed it, and which of its person's devices sent it when they have several.
  const fp = h('p', { class: 'fingerprint-line', hidden: true },
    m.device === undefined ? undefined : `Sent from ${m.senderName}’s ${m.device}. `,
    'Key fingerprint ', h('code', {}, m.fingerprint));
  const fpButton = h('button', { type: 'button', class: 'link small', 'aria-expanded': 'false' }, 'Key');
  fpButton.addEventListener('click', () => {
    fp.hidden = !fp.hidden;
    fpButton.setAttribute('aria-expanded', fp.hidden ? 'false' : 'true');
  });
  const { bar, picker } = actionButtons(m, actions);
  return h('article', {
    class: `message${m.own ? ' own' : ''}${m.pending ? ' pending' : ''}${m.deleted ? ' deleted' : ''}${m.mention === true ? ' mention' : ''}`,
    'data-seq': m.seq, 'data-sender': m.sender, 'data-key': m.key, tabindex: '-1',
  },
    h('header', { class: 'message-head' },
      h('span', { class: 'sender' }, m.senderName),
      ' ',
      h('time', { datetime: new Date(m.time).toISOString(), title: new Date(m.time).toLocaleString() }, formatTime(m.time)),
      pendingNote(m, connection, actions.retry),
      ' ',
      fpButton,
    ),
    quote(m, actions.jump),
    m.deleted ? h('p', { class: 'text deleted-note' }, 'This message was deleted.')
      : m.attachment !== undefined ? actions.attachment(m) : h('p', { class: 'text' }, ...linkified(m.text)),
    editedMark(m),
    m.sharedBy === undefined ? undefined
      : h('p', { class: 'shared-note', title: 'Sent before you joined, or before this device was linked. This copy was passed on by the member (or your device) named here, not signed by its sender.' }, `Earlier message, shared by ${m.sharedBy}`),
    m.warning === undefined ? undefined : h('p', { class: 'message-warning' }, '⚠ ', m.warning),
    reactionRow(m, actions.react),
    bar,
    picker,
    fp,
  );
}
