// "Search messages" in the room list (issue 16, item 7): the worker searches the decrypted history
// of one room or all rooms; each hit links to its room and brings the message into view (jump.ts).
import type { RoomView, SearchHit } from '../worker/rpc.js';
import { coalesced } from './coalesced.js';
import { field, formatTime, h, replaceChildren } from './dom.js';
import { jumpTo } from './jump.js';
import { errorText, type Ctx } from './view.js';

/** Characters of a hit's text shown around the match. */
const CONTEXT = 60;

function excerpt(text: string, query: string): string {
  const at = text.toLocaleLowerCase().indexOf(query.trim().toLocaleLowerCase());
  const start = Math.max(0, at - CONTEXT / 2);
  const cut = text.slice(start, start + CONTEXT * 2).replace(/\s+/g, ' ');
  return `${start > 0 ? '…' : ''}${cut}${start + CONTEXT * 2 < text.length ? '…' : ''}`;
}

export function searchPanel(ctx: Ctx): { element: HTMLElement; update(rooms: readonly RoomView[]): void } {
  const input = h('input', { type: 'search', name: 'search', autocomplete: 'off', maxlength: '200', placeholder: 'Search messages' });
  const scope = h('select', { name: 'search-scope' });
  const results = h('ul', { class: 'search-results', 'aria-label': 'Search results' });
  const status = h('p', { class: 'hint', role: 'status' });
  const form = h('form', { class: 'search', role: 'search', novalidate: true },
    field('Search messages', input),
    h('div', { class: 'field' }, h('label', { for: 'search-scope' }, 'Search in'), scope),
    status, results);
  scope.id = 'search-scope';

  const show = (query: string, hits: readonly SearchHit[]): void => {
    status.textContent = query.trim() === '' ? '' : hits.length === 0 ? 'No messages found.' : `${hits.length} ${hits.length === 1 ? 'message' : 'messages'} found.`;
    replaceChildren(results, ...hits.map((hit) => {
      const link = h('a', { href: `#/room/${hit.roomId}` },
        h('span', {}, `${hit.senderName}: ${excerpt(hit.text, query)}`),
        h('span', { class: 'search-result-meta' }, `${hit.roomName} · `, h('time', { datetime: new Date(hit.time).toISOString() }, formatTime(hit.time))));
      link.addEventListener('click', () => jumpTo(hit.roomId, hit.key));
      return h('li', {}, link);
    }));
  };
  const run = coalesced(async (): Promise<void> => {
    const query = input.value;
    if (query.trim() === '') return show(query, []);
    try {
      show(query, await ctx.rpc.call('search', { query, roomId: scope.value }));
    } catch (failure) {
      status.textContent = `Search failed: ${errorText(failure)}`;
    }
  });
  input.addEventListener('input', () => void run());
  scope.addEventListener('change', () => void run());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });

  return {
    element: form,
    update(rooms) {
      // The choice is kept while the rooms change.
      const chosen = scope.value;
      replaceChildren(scope, h('option', { value: '' }, 'All rooms'), ...rooms.map((r) => h('option', { value: r.id }, r.name || 'Unnamed room')));
      scope.value = rooms.some((r) => r.id === chosen) ? chosen : '';
    },
  };
}
