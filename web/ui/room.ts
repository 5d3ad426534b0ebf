// One room: header with the room code, verification warnings, the message log (role="log", one
// <article> per message), the composer, the invite panel and the members region.
import type { MessageAction, MessageView, NoticeView, RoomView, ViewEvent, WarningView } from '../worker/rpc.js';
import { attachControl, attachmentElement } from './attachments.js';
import { coalesced } from './coalesced.js';
import { setTitleBase } from './page-title.js';
import { JUMP_EVENT, jumpDone, pendingJump } from './jump.js';
import { field, formatTime, h, replaceChildren } from './dom.js';
import { historyControl } from './history-control.js';
import { renameControl } from './rename-control.js';
import { invitePanel } from './invite.js';
import { confirmDialog } from './confirm-dialog.js';
import { messageArticle, messageSignature, type MessageActions } from './message-article.js';
import { membersPanel } from './members.js';
import { dayElement, noticeElement, noticeText, timelineItems } from './timeline.js';
import { errorText, type Ctx, type View } from './view.js';

const NOTICE: Partial<Record<RoomView['state'], string>> = {
  joining: 'Asking to join…',
  waiting: 'Waiting for the room owner. Your request is on the relay; the join completes as soon as the owner’s Sotto is online. You don’t need to do anything else.',
  removed: 'You were removed from this room. You no longer receive its messages.',
  left: 'You left this room.',
};

/**
 * Messages rendered at first, and added by each "Show earlier messages" or scroll to the top: a
 * screenful and more, as Signal Desktop and Element Web open a room. Rendering 500 was most of
 * opening a 10,000-message room (docs/performance.md, "Opening a busy room").
 */
const MESSAGE_WINDOW = 100;
/** Scrolled this close to the top (px), the next window is loaded, as the button would. */
const EARLIER_AT_PX = 200;

export function roomView(ctx: Ctx, roomId: string): View {
  const title = h('h2', { id: 'room-title', class: 'room-title' });
  const code = h('span', { class: 'mono' });
  const codeLine = h('p', { class: 'room-code', title: 'Compare this code with the other members. If everyone sees the same code, everyone has the same key and the same member list.' },
    'Room code ', code);
  const history = historyControl(ctx, roomId);
  const back = h('a', { href: '#/', class: 'back' }, '← Rooms');
  const invite = invitePanel(ctx, roomId);
  const leave = h('button', { type: 'button', class: 'secondary' }, 'Leave room');
  const rename = renameControl(ctx, roomId);
  const headerActions = h('div', { class: 'actions' }, invite.button, rename.button, leave);
  const notice = h('p', { class: 'notice', hidden: true });
  const restoredNotice = h('p', { class: 'notice', role: 'status', hidden: true });
  const warningList = h('ul', {});
  const warnings = h('div', { class: 'warnings', role: 'alert', hidden: true },
    h('p', { class: 'warn-title' }, '⚠ Something in this room failed to verify'), warningList);

  const earlier = h('button', { type: 'button', class: 'link small earlier', hidden: true }, 'Show earlier messages');
  const log = h('div', { role: 'log', class: 'log', 'aria-labelledby': 'room-title', 'aria-live': 'polite', tabindex: '0' });
  const empty = h('p', { class: 'hint log-empty' }, 'No messages yet.');

  const text = h('textarea', { name: 'message', rows: '2', maxlength: '8000', autocomplete: 'off', placeholder: 'Write a message (Enter sends, Shift+Enter for a new line)' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const sendError = h('p', { role: 'alert', class: 'error' });
  // Replying to or editing a message: said above the field, with a way back (Escape too).
  const contextText = h('span', {});
  const cancelContext = h('button', { type: 'button', class: 'link small' }, 'Cancel');
  const context = h('p', { class: 'composer-context', role: 'status', hidden: true }, contextText, ' ', cancelContext);
  const attach = attachControl(ctx, roomId, (failure) => { sendError.textContent = failure; });
  const composer = h('form', { class: 'composer', novalidate: true }, context, attach.button, attach.input, field('Message', text), send, attach.uploads, sendError);
  let mode: { readonly action: Extract<MessageAction, 'reply' | 'edit'>; readonly target: string } | undefined;

  const members = membersPanel(ctx, roomId);

  const element = h('section', { class: 'room', 'aria-labelledby': 'room-title' },
    h('header', { class: 'room-head' }, back, h('div', { class: 'room-head-main' }, title, codeLine, history.element, rename.element), headerActions),
    invite.element,
    warnings,
    notice,
    restoredNotice,
    h('div', { class: 'room-body' },
      h('div', { class: 'conversation' }, empty, earlier, log, composer),
      members.element,
    ),
  );

  const rendered = new Map<string, { article: HTMLElement; signature: string }>();
  let shown: { messages: readonly MessageView[]; notices: readonly NoticeView[] } = { messages: [], notices: [] };
  /** How many of the latest messages are rendered: a long history is shown a window at a time. */
  let showing = MESSAGE_WINDOW;
  let room: RoomView | undefined;
  let disposed = false;

  const applyRoom = (): void => {
    room = ctx.rooms().find((r) => r.id === roomId);
    if (room === undefined) {
      title.textContent = 'Unknown room';
      codeLine.hidden = true;
      headerActions.hidden = true;
      composer.hidden = true;
      notice.hidden = false;
      notice.textContent = 'This room is not in your keystore.';
      return;
    }
    const joining = room.state === 'waiting' || room.state === 'joining';
    title.textContent = room.name || (joining ? 'Joining a room' : 'Unnamed room');
    setTitleBase(`${room.name || 'Room'} · Sotto`);
    codeLine.hidden = room.state !== 'active';
    code.textContent = room.code ?? 'pending';
    code.title = room.code === undefined ? 'You will see the room code after the next key change in this room.' : '';
    const active = room.state === 'active';
    invite.button.hidden = !(active && (room.role === 'owner' || room.role === 'admin'));
    leave.hidden = !(active && room.role !== 'owner' && room.role !== undefined);
    history.update(room.history, active && (room.role === 'owner' || room.role === 'admin'));
    rename.update(room.name, active && (room.role === 'owner' || room.role === 'admin'));
    const note = room.state === 'failed' ? `Joining failed: ${room.detail ?? 'unknown error'}`
      : active && room.waitingForKey ? 'Waiting for the room’s new key. What you write is kept and sent once it arrives.'
        : NOTICE[room.state];
    notice.hidden = note === undefined;
    notice.textContent = note ?? '';
    restoredNotice.hidden = room.restoredNotice === undefined;
    restoredNotice.textContent = room.restoredNotice ?? '';
    composer.hidden = !active;
  };

  /** Messages, notices and day separators, each element kept while its content is the same. */
  const renderMessages = (messages: readonly MessageView[], notices: readonly NoticeView[]): void => {
    shown = { messages, notices };
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const keep = new Set<string>();
    const connection = ctx.connection();
    let previous: HTMLElement | undefined;
    for (const item of timelineItems(messages, notices)) {
      keep.add(item.key);
      const signature = item.type === 'message' ? messageSignature(item.message, connection)
        : item.type === 'notice' ? `${noticeText(item.notice)}|${item.notice.time}` : item.label;
      let entry = rendered.get(item.key);
      if (entry === undefined || entry.signature !== signature) {
        const article = item.type === 'message' ? messageArticle(item.message, connection, actions)
          : item.type === 'notice' ? noticeElement(item.notice) : dayElement(item.label);
        if (entry !== undefined) entry.article.replaceWith(article);
        entry = { article, signature };
        rendered.set(item.key, entry);
      }
      const expectedNext = previous === undefined ? log.firstChild : previous.nextSibling;
      if (expectedNext !== entry.article) log.insertBefore(entry.article, expectedNext);
      previous = entry.article;
    }
    for (const [key, entry] of rendered) {
      if (!keep.has(key)) {
        entry.article.remove();
        rendered.delete(key);
      }
    }
    empty.hidden = messages.length > 0 || room?.state !== 'active';
    if (stick) log.scrollTop = log.scrollHeight;
  };

  const renderWarnings = (list: readonly WarningView[]): void => {
    warnings.hidden = list.length === 0;
    replaceChildren(warningList, ...list.slice(-5).map((w) =>
      h('li', { title: w.detail }, h('strong', {}, w.code), ' ', w.text, w.count > 1 ? ` (×${w.count})` : '', ' ',
        h('time', { datetime: new Date(w.time).toISOString() }, formatTime(w.time)))));
  };

  const refreshMessages = coalesced(async (): Promise<void> => {
    const { messages, total, notices } = await ctx.rpc.call('messages', { roomId, last: showing });
    if (disposed) return;
    renderMessages(messages, notices);
    earlier.hidden = total <= messages.length;
    if (pendingJump(roomId) !== undefined && !applyJump() && total > messages.length) {
      // The message is older than the window shown: widen it to the whole history, then look again.
      showing = total;
      void refreshMessages();
    }
    if (document.visibilityState === 'visible' && room?.unread) await ctx.rpc.call('markRead', { roomId });
  });
  const refreshMembers = coalesced(async (): Promise<void> => {
    const list = await ctx.rpc.call('members', { roomId });
    if (disposed) return;
    members.update(list, room?.role, room?.state === 'active');
  });
  const refreshWarnings = coalesced(async (): Promise<void> => {
    const list = await ctx.rpc.call('warnings', { roomId });
    if (!disposed) renderWarnings(list);
  });
  const report = (error: unknown): void => console.error('room refresh failed', error);

  /** Brings a search result's message into view (jump.ts); false while it is not rendered. */
  const applyJump = (): boolean => {
    const key = pendingJump(roomId);
    const article = key === undefined ? undefined : rendered.get(key)?.article;
    if (article === undefined) return false;
    jumpDone();
    log.querySelectorAll('.jumped').forEach((old) => old.classList.remove('jumped'));
    article.classList.add('jumped');
    article.setAttribute('tabindex', '-1');
    article.scrollIntoView({ block: 'center' });
    article.focus();
    return true;
  };
  const onJump = (): void => void applyJump();
  window.addEventListener(JUMP_EVENT, onJump);

  applyRoom();
  if (room !== undefined) {
    void Promise.all([refreshMessages(), refreshMembers(), refreshWarnings()]).then(() => {
      // At the newest message, unless a search result was brought into view meanwhile.
      if (log.querySelector('.jumped') === null) log.scrollTop = log.scrollHeight;
      return ctx.rpc.call('markRead', { roomId });
    }).catch(report);
  }

  let loadingEarlier = false;
  const showEarlier = (): void => {
    if (loadingEarlier || earlier.hidden) return;
    loadingEarlier = true;
    showing += MESSAGE_WINDOW;
    // Earlier messages go in above what is on screen; keep that where it is.
    const fromBottom = log.scrollHeight - log.scrollTop;
    refreshMessages().then(() => {
      log.scrollTop = log.scrollHeight - fromBottom;
    }).catch(report).finally(() => {
      loadingEarlier = false;
    });
  };
  earlier.addEventListener('click', showEarlier);
  // Only a person's scroll up: the first render scrolls to the bottom before this can fire.
  log.addEventListener('scroll', () => {
    if (log.scrollTop < EARLIER_AT_PX && log.scrollHeight > log.clientHeight) showEarlier();
  }, { passive: true });

  const retrySends = (): void => {
    ctx.rpc.call('retrySends', { roomId }).catch(report);
  };

  const setMode = (next: typeof mode, label = ''): void => {
    mode = next;
    context.hidden = next === undefined;
    contextText.textContent = label;
    send.textContent = next?.action === 'edit' ? 'Save' : 'Send';
  };
  cancelContext.addEventListener('click', () => {
    if (mode?.action === 'edit') text.value = '';
    setMode(undefined);
    text.focus();
  });

  /** Reply, React, Edit or Delete; a failure is said under the composer, nothing typed is lost. */
  const act = (action: MessageAction, target: string, body: string, restore?: () => void): void => {
    sendError.textContent = '';
    ctx.rpc.call('act', { roomId, action, target, text: body }).catch((failure: unknown) => {
      restore?.();
      sendError.textContent = `Not sent: ${errorText(failure)}`;
    });
  };

  const actions: MessageActions = {
    retry: () => retrySends(),
    attachment: (m) => attachmentElement(ctx, roomId, m),
    reply(m) {
      if (m.ref === undefined) return;
      setMode({ action: 'reply', target: m.ref }, `Replying to ${m.senderName}: ${m.text.slice(0, 80)}${m.text.length > 80 ? '…' : ''}`);
      text.focus();
    },
    react: (m, emoji) => {
      if (m.ref !== undefined) act('react', m.ref, emoji);
    },
    edit(m) {
      if (m.ref === undefined) return;
      setMode({ action: 'edit', target: m.ref }, 'Editing your message');
      text.value = m.text;
      text.focus();
    },
    remove(m) {
      const target = m.ref;
      if (target === undefined) return;
      void confirmDialog('Delete for everyone?', 'This message will be deleted for everyone in this room: each member’s Sotto wipes its text. This cannot be undone.', 'Delete for everyone')
        .then((yes) => {
          if (yes) act('delete', target, '');
        });
    },
    jump(seq) {
      const article = seq === undefined ? null : log.querySelector<HTMLElement>(`article[data-seq="${seq}"]`);
      if (article === null) {
        ctx.announce('The original message is further back: use “Show earlier messages”.');
        return;
      }
      article.scrollIntoView({ block: 'center' });
      article.focus();
      article.classList.add('highlight');
      article.addEventListener('blur', () => article.classList.remove('highlight'), { once: true });
    },
  };

  // The call settles when the relay acknowledges; until then the message is listed as pending.
  const submit = (): void => {
    const body = text.value;
    if (body.trim() === '') return;
    sendError.textContent = '';
    text.value = '';
    const current = mode;
    setMode(undefined);
    const restore = (): void => {
      if (text.value === '') text.value = body;
    };
    if (current !== undefined) act(current.action, current.target, body, restore);
    else {
      ctx.rpc.call('send', { roomId, text: body }).catch((failure: unknown) => {
        restore();
        sendError.textContent = `Not sent: ${errorText(failure)}`;
      });
    }
    text.focus();
  };
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && mode !== undefined) {
      cancelContext.click();
    }
  });

  leave.addEventListener('click', () => {
    void confirmDialog('Leave room?', 'You will stop receiving this room’s messages. To come back, someone must invite you again.', 'Leave room').then((yes) => {
      if (yes) leaveRoom();
    });
  });
  const leaveRoom = (): void => {
    leave.disabled = true;
    ctx.rpc.call('leave', { roomId }).then(
      () => ctx.announce('You left the room.'),
      (failure: unknown) => {
        leave.disabled = false;
        sendError.textContent = `Could not leave: ${errorText(failure)}`;
      },
    );
  };

  const onVisible = (): void => {
    if (document.visibilityState === 'visible' && room?.unread) ctx.rpc.call('markRead', { roomId }).catch(report);
  };
  document.addEventListener('visibilitychange', onVisible);

  return {
    element,
    focus: room?.state === 'active' ? text : title,
    onEvent(event: ViewEvent) {
      switch (event.type) {
        case 'rooms': {
          const before = `${room?.state}|${room?.role}`;
          applyRoom();
          if (`${room?.state}|${room?.role}` !== before) {
            refreshMembers().catch(report);
            refreshMessages().catch(report);
          } else if (room?.unread && document.visibilityState === 'visible') {
            ctx.rpc.call('markRead', { roomId }).catch(report);
          }
          break;
        }
        case 'messages':
          if (event.roomId === roomId) refreshMessages().catch(report);
          break;
        case 'members':
          if (event.roomId === roomId) refreshMembers().catch(report);
          break;
        case 'warning':
          if (event.warning.roomId === roomId) refreshWarnings().catch(report);
          break;
        case 'status':
          if (shown.messages.some((m) => m.pending)) renderMessages(shown.messages, shown.notices);
          break;
        default:
          break;
      }
    },
    dispose() {
      disposed = true;
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener(JUMP_EVENT, onJump);
      setTitleBase('Sotto');
    },
  };
}
