// The join page for an invite link. The app took the payload out of the address bar before this
// view exists (router.takeInvitePayload); it lives only in memory here.
import { joinFailure } from '../worker/join-failure.js';
import { field, h, replaceChildren } from './dom.js';
import { RpcFailure } from './worker-client.js';
import { errorText, type Ctx, type View } from './view.js';

export function joinView(ctx: Ctx, payload: string | undefined, onUsed: () => void): View {
  if (payload === undefined) {
    const home = h('a', { href: '#/' }, 'Go to your rooms');
    return {
      element: h('section', { class: 'card', 'aria-labelledby': 'join-title' },
        h('h1', { id: 'join-title' }, 'Join a room'),
        h('p', {}, 'Open the invite link you were sent. For your safety the link is read once and then removed from the address bar, so reloading this page cannot reuse it.'),
        home),
      focus: home,
    };
  }
  const name = h('input', { type: 'text', name: 'display-name', required: true, maxlength: '60', autocomplete: 'nickname' });
  const join = h('button', { type: 'submit', class: 'primary' }, 'Join');
  const error = h('p', { role: 'alert', class: 'error' });
  const busy = h('p', { class: 'hint', hidden: true }, 'Checking the invite…');
  const form = h('form', { class: 'stack', novalidate: true },
    field('Display name', name, 'Encrypted: only the room’s members see it.'),
    h('div', { class: 'actions' }, join),
    busy,
    error,
  );
  const title = h('h1', { id: 'join-title' }, 'Join a room');
  const element = h('section', { class: 'card join', 'aria-labelledby': 'join-title' },
    title,
    h('p', {}, 'You were invited to an end-to-end encrypted room. The relay can’t read it, and nobody sees your name but the members.'),
    form,
  );
  /** A link that can never work: say why, and stop offering a Join that would fail the same way. */
  const fail = (reason: string): void => {
    onUsed();
    title.textContent = 'This invite can’t be used';
    const home = h('a', { href: '#/' }, 'Go to your rooms');
    replaceChildren(element, title, h('p', { role: 'alert', class: 'join-failed' }, reason), home);
    home.focus();
  };
  let working = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (working) return;
    const displayName = name.value.trim();
    if (displayName === '') {
      error.textContent = 'Pick the name others will see.';
      name.focus();
      return;
    }
    working = true;
    join.disabled = true;
    busy.hidden = false;
    error.textContent = '';
    ctx.rpc.call('join', { payload, displayName }).then(
      async ({ roomId }) => {
        onUsed();
        await ctx.refreshRooms();
        ctx.go({ name: 'room', roomId }, true);
      },
      (failure: unknown) => {
        if (failure instanceof RpcFailure && joinFailure(failure.code) !== undefined) {
          fail(failure.message);
          return;
        }
        working = false;
        join.disabled = false;
        busy.hidden = true;
        error.textContent = `Could not join: ${errorText(failure)}`;
      },
    );
  });
  return { element, focus: name };
}
