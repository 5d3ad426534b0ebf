// The room list (sidebar on wide screens, the home screen on phones) with unread counts, and the
// "New room" form.
import type { RoomView } from '../worker/rpc.js';
import { field, formatTime, h, replaceChildren } from './dom.js';
import { historyPicker } from './history-setting.js';
import { searchPanel } from './search.js';
import { errorText, type Ctx } from './view.js';
import { RpcFailure } from './worker-client.js';

export interface RoomList {
  readonly element: HTMLElement;
  update(rooms: readonly RoomView[], current: string | undefined): void;
  openNewRoom(): void;
}

/** The relay's answers that mean it wants a room-creation token from its operator (V-116). */
const TOKEN_ASKED = new Set(['ROOM_TOKEN_REQUIRED', 'BAD_ROOM_TOKEN']);

const STATE_NOTE: Partial<Record<RoomView['state'], string>> = {
  joining: 'joining…',
  waiting: 'waiting for the owner',
  removed: 'removed',
  left: 'left',
  failed: 'join failed',
};

/** The room's newest message under its name: sender, text cut short, and its time. */
function preview(room: RoomView): HTMLElement | undefined {
  const last = room.lastMessage;
  if (last === undefined) return undefined;
  return h('span', { class: 'room-preview' },
    h('span', { class: 'room-preview-text' }, `${last.own ? 'You' : last.senderName}: ${last.text.replace(/\s+/g, ' ')}`),
    h('time', { datetime: new Date(last.time).toISOString() }, formatTime(last.time)));
}

export function roomList(ctx: Ctx): RoomList {
  const list = h('ul', { class: 'room-list' });
  // First run: this browser may be a new device of someone who already uses Sotto elsewhere.
  const linkDevice = h('button', { type: 'button', class: 'secondary' }, 'Link to an existing device');
  linkDevice.addEventListener('click', () => ctx.go({ name: 'link' }));
  const empty = h('div', { class: 'stack empty' },
    h('p', { class: 'hint' }, 'No rooms yet. Create one, or open an invite link someone sent you.'),
    h('p', { class: 'hint' }, 'Already using Sotto on another device? Link this one to it to bring your rooms and their history here.'),
    linkDevice);
  const newRoom = h('button', { type: 'button', class: 'primary', 'aria-expanded': 'false', 'aria-controls': 'new-room-form' }, 'New room');

  const roomName = h('input', { type: 'text', name: 'room-name', required: true, maxlength: '80', autocomplete: 'off' });
  const ownName = h('input', { type: 'text', name: 'own-name', maxlength: '60', autocomplete: 'nickname' });
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const error = h('p', { role: 'alert', class: 'error' });
  const history = historyPicker();
  // Asked for only once the relay says it needs one: most relays never do.
  const roomToken = h('input', { type: 'text', name: 'room-token', maxlength: '128', autocomplete: 'off', spellcheck: 'false' });
  const tokenField = field('Room-creation token', roomToken, 'This server’s operator gives these out.');
  tokenField.hidden = true;
  const form = h('form', { id: 'new-room-form', class: 'stack new-room', hidden: true, novalidate: true },
    field('Room name', roomName, 'Encrypted: only members see it.'),
    field('Your name in this room', ownName, 'Optional. Members see it next to your messages.'),
    history.element,
    tokenField,
    h('div', { class: 'actions' }, create, cancel),
    error,
  );

  const search = searchPanel(ctx);
  const element = h('nav', { class: 'sidebar', 'aria-labelledby': 'rooms-title' },
    h('div', { class: 'sidebar-head' }, h('h2', { id: 'rooms-title' }, 'Rooms'), newRoom),
    form,
    search.element,
    list,
    empty,
  );

  const toggle = (open: boolean): void => {
    form.hidden = !open;
    newRoom.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) roomName.focus();
    else {
      roomName.value = '';
      error.textContent = '';
    }
  };
  newRoom.addEventListener('click', () => toggle(form.hidden));
  cancel.addEventListener('click', () => {
    toggle(false);
    newRoom.focus();
  });
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      toggle(false);
      newRoom.focus();
    }
  });

  let creating = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (creating) return;
    const name = roomName.value.trim();
    if (name === '') {
      error.textContent = 'Give the room a name.';
      roomName.focus();
      return;
    }
    const chosen = history.read();
    if (typeof chosen === 'string') {
      error.textContent = chosen;
      return;
    }
    creating = true;
    create.disabled = true;
    error.textContent = '';
    const token = roomToken.value.trim();
    ctx.rpc.call('createRoom', { name, displayName: ownName.value.trim(), history: chosen, ...(token === '' ? {} : { roomToken: token }) }).then(
      async ({ roomId }) => {
        creating = false;
        create.disabled = false;
        toggle(false);
        await ctx.refreshRooms();
        ctx.announce(`Room ${name} created.`);
        ctx.go({ name: 'room', roomId });
      },
      (failure: unknown) => {
        creating = false;
        create.disabled = false;
        error.textContent = `Could not create the room: ${errorText(failure)}`;
        if (failure instanceof RpcFailure && TOKEN_ASKED.has(failure.code)) {
          tokenField.hidden = false;
          roomToken.focus();
        }
      },
    );
  });

  return {
    element,
    openNewRoom: () => toggle(true),
    update(rooms, current) {
      search.update(rooms);
      empty.hidden = rooms.length > 0;
      const sorted = [...rooms].sort((a, b) => b.lastTime - a.lastTime || a.name.localeCompare(b.name));
      replaceChildren(list, ...sorted.map((room) => {
        const note = STATE_NOTE[room.state];
        const link = h('a', { href: `#/room/${room.id}`, class: 'room-link', 'aria-current': room.id === current ? 'page' : undefined },
          h('span', { class: 'room-name' }, room.name || (room.state === 'waiting' || room.state === 'joining' ? 'Joining a room' : 'Unnamed room')),
          note === undefined ? undefined : h('span', { class: 'room-note' }, note),
          room.warnings > 0 ? h('span', { class: 'room-warn', title: 'verification warnings' }, '⚠', h('span', { class: 'sr-only' }, ' warnings')) : undefined,
          room.mentions > 0 ? h('span', { class: 'badge mention', title: 'mentions you' }, '@', h('span', { class: 'sr-only' }, ' mentions you')) : undefined,
          room.unread > 0
            ? h('span', { class: 'badge' }, String(room.unread), h('span', { class: 'sr-only' }, ' unread'))
            : undefined,
          preview(room),
        );
        return h('li', {}, link);
      }));
    },
  };
}
