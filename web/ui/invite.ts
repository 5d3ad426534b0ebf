// The "Invite" panel: a fresh single-use link (secret in the fragment), a Copy button and a QR code.
import { field, h, replaceChildren } from './dom.js';
import { qrSvg } from './qr.js';
import { errorText, type Ctx } from './view.js';

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

export interface InvitePanel {
  readonly button: HTMLButtonElement;
  readonly element: HTMLElement;
}

export function invitePanel(ctx: Ctx, roomId: string): InvitePanel {
  const button = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': `invite-${roomId}` }, 'Invite');
  const link = h('input', { type: 'text', readonly: true, class: 'mono', spellcheck: 'false' });
  const copy = h('button', { type: 'button', class: 'primary' }, 'Copy');
  const copied = h('span', { class: 'hint', 'aria-live': 'polite' });
  const qr = h('div', { class: 'qr-box' });
  const expiry = h('p', { class: 'hint' });
  const error = h('p', { role: 'alert', class: 'error' });
  const close = h('button', { type: 'button', class: 'secondary' }, 'Done');
  const body = h('div', { class: 'stack', hidden: true },
    field('Invite link', link),
    h('div', { class: 'actions' }, copy, copied),
    qr,
    expiry,
    h('p', { class: 'hint' }, 'Send it privately. It works once: the first person to use it can ask to join, and your Sotto lets them in.'),
    h('div', { class: 'actions' }, close),
  );
  const element = h('section', { id: `invite-${roomId}`, class: 'panel invite', hidden: true, 'aria-labelledby': `invite-title-${roomId}` },
    h('h3', { id: `invite-title-${roomId}` }, 'Invite someone'),
    body,
    error,
  );

  const hide = (): void => {
    element.hidden = true;
    body.hidden = true;
    link.value = '';
    replaceChildren(qr);
    button.setAttribute('aria-expanded', 'false');
  };

  button.addEventListener('click', () => {
    if (!element.hidden) {
      hide();
      return;
    }
    element.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    error.textContent = '';
    copied.textContent = '';
    button.disabled = true;
    ctx.rpc.call('createInvite', { roomId, ttlMs: INVITE_TTL_MS }).then(
      (invite) => {
        button.disabled = false;
        const url = `${location.origin}/#/join/${invite.payload}`;
        link.value = url;
        replaceChildren(qr, qrSvg(url, 'QR code'));
        expiry.textContent = `Expires ${new Date(invite.expiresAt).toLocaleString()}. Whoever opens it sees the room’s name and yours before joining.`;
        body.hidden = false;
        link.focus();
        link.select();
      },
      (failure: unknown) => {
        button.disabled = false;
        error.textContent = `Could not make an invite: ${errorText(failure)}`;
      },
    );
  });

  copy.addEventListener('click', () => {
    link.select();
    const done = (): void => {
      copied.textContent = 'Copied.';
    };
    if (navigator.clipboard !== undefined) {
      navigator.clipboard.writeText(link.value).then(done, () => {
        copied.textContent = 'Select the link and copy it.';
      });
    } else {
      copied.textContent = 'Select the link and copy it.';
    }
  });

  close.addEventListener('click', () => {
    hide();
    button.focus();
  });
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      hide();
      button.focus();
    }
  });

  return { button, element };
}
