// The invite landing page. The app took the payload out of the address bar before this view
// exists (router.takeInvitePayload); it lives only in memory here. Before offering "Join room" it
// has the worker check the link with the relay (the same checks as a join) and shows what it leads
// to: the room's and the inviter's names from the link (bound to it, V-100), the inviter's
// fingerprint from the signed invite, and when the link expires.
import type { InvitePreview } from '../worker/rpc.js';
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
  const join = h('button', { type: 'submit', class: 'primary' }, 'Join room');
  const error = h('p', { role: 'alert', class: 'error' });
  const busy = h('p', { class: 'hint', hidden: true }, 'Checking the invite…');
  const form = h('form', { class: 'stack', novalidate: true },
    field('Display name', name, 'Encrypted: only the room’s members see it.'),
    h('div', { class: 'actions' }, join),
    busy,
    error,
  );
  const title = h('h1', { id: 'join-title' }, 'Join a room');
  const about = h('div', { class: 'invite-preview', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Checking the invite…'));
  const element = h('section', { class: 'card join', 'aria-labelledby': 'join-title' },
    title,
    about,
    h('p', {}, 'The room is end-to-end encrypted. The relay can’t read it, and nobody sees your name but the members.'),
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
  ctx.rpc.call('previewInvite', { payload }).then(
    (preview) => {
      if (preview.roomName !== undefined && preview.roomName !== '') title.textContent = `Join “${preview.roomName}”`;
      replaceChildren(about, ...previewParts(preview));
    },
    (failure: unknown) => {
      if (failure instanceof RpcFailure && joinFailure(failure.code) !== undefined) {
        fail(failure.message);
        return;
      }
      replaceChildren(about, h('p', { class: 'hint' }, `Could not check the invite yet (${errorText(failure)}). You can still ask to join; it is checked again then.`));
    },
  );

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

/** Who invited, to what, and until when; names the link does not carry are said to be missing. */
function previewParts(preview: InvitePreview): HTMLElement[] {
  const inviter = preview.inviterName === undefined || preview.inviterName === '' ? 'Someone' : preview.inviterName;
  const room = preview.roomName === undefined ? 'a room' : preview.roomName === '' ? 'an unnamed room' : `“${preview.roomName}”`;
  const role = preview.inviterRole === 'owner' ? 'the room’s owner' : 'an admin of the room';
  const parts = [
    h('p', { class: 'invite-who' }, h('strong', {}, inviter), ` (${role}) invited you to `, h('strong', {}, room), '.'),
    h('dl', { class: 'invite-facts' },
      h('dt', {}, 'Inviter’s fingerprint'),
      h('dd', { class: 'mono' }, preview.inviterFingerprint),
      h('dt', {}, 'Link expires'),
      h('dd', {}, h('time', { datetime: new Date(preview.expiresAt).toISOString() }, new Date(preview.expiresAt).toLocaleString())),
      h('dt', {}, 'People in the room'),
      h('dd', {}, String(preview.people)),
    ),
    h('p', { class: 'hint' }, 'Compare the fingerprint with the one the inviter sees for themselves in the room’s member list, over a call or in person, to be sure the link came from them.'),
  ];
  if (preview.roomName === undefined) {
    parts.splice(1, 0, h('p', { class: 'hint' }, 'This link was made by an older version of Sotto, so it does not carry the room’s name or the inviter’s.'));
  }
  return parts;
}
