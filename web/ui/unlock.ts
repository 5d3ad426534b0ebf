// First visit: choose a passphrase (or use without saving). Returning: enter it. Argon2id takes a
// few seconds, so the screen shows "Deriving key…" with a progress bar while the worker works.
import type { ViewEvent } from '../worker/rpc.js';
import { field, h } from './dom.js';
import { RpcFailure } from './worker-client.js';
import { errorText, type Ctx, type View } from './view.js';

export function unlockView(ctx: Ctx, onUnlocked: () => void): View {
  const first = ctx.keystore() === 'absent';
  const passphrase = h('input', {
    type: 'password', name: 'passphrase', required: true, autocomplete: first ? 'new-password' : 'current-password',
    spellcheck: 'false', autocapitalize: 'off',
  });
  const unlock = h('button', { type: 'submit', class: 'primary' }, 'Unlock');
  const error = h('p', { role: 'alert', class: 'error' });
  const progress = h('progress', { max: '1', value: '0', 'aria-label': 'Deriving key' });
  const busyText = h('span', {}, 'Deriving key…');
  const busy = h('div', { class: 'busy', hidden: true }, busyText, progress);
  const ephemeral = h('button', { type: 'button', class: 'secondary' }, 'Use without saving');

  const form = h('form', { class: 'stack', novalidate: true },
    field('Passphrase', passphrase, first
      ? 'It encrypts your keys on this device. Nobody can recover it for you, so pick one you will remember; several unrelated words are easy to remember and hard to guess.'
      : undefined),
    h('div', { class: 'actions' }, unlock),
    busy,
    error,
  );

  const element = h('section', { class: 'card unlock', 'aria-labelledby': 'unlock-title' },
    h('h1', { id: 'unlock-title' }, first ? 'Welcome to Sotto' : 'Unlock Sotto'),
    h('p', {}, first
      ? 'Sotto keeps your room keys on this device, encrypted with a passphrase you choose now.'
      : 'Your rooms and history are stored on this device, encrypted. Enter your passphrase to open them.'),
    form,
    h('div', { class: 'divider', role: 'presentation' }),
    h('div', { class: 'stack' },
      ephemeral,
      h('p', { class: 'hint' }, 'Keys stay in memory only and vanish when you close this tab. Nothing is written to this device.'),
    ),
  );

  let working = false;
  const setBusy = (on: boolean): void => {
    working = on;
    busy.hidden = !on;
    unlock.disabled = on;
    ephemeral.disabled = on;
    passphrase.readOnly = on;
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    if (on) progress.value = 0;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (working) return;
    const text = passphrase.value;
    if (text.length === 0) {
      error.textContent = 'Enter a passphrase.';
      passphrase.focus();
      return;
    }
    error.textContent = '';
    setBusy(true);
    const call = ctx.keystore() === 'absent' ? ctx.rpc.call('createKeystore', { passphrase: text }) : ctx.rpc.call('unlock', { passphrase: text });
    call.then(
      () => {
        passphrase.value = '';
        onUnlocked();
      },
      (failure: unknown) => {
        setBusy(false);
        error.textContent = failure instanceof RpcFailure && failure.code === 'WRONG_PASSPHRASE'
          ? 'Wrong passphrase. Nothing was changed; try again.'
          : failure instanceof RpcFailure && failure.code === 'WEAK_PASSPHRASE'
            ? failure.message
            : `Could not unlock: ${errorText(failure)}`;
        passphrase.select();
        passphrase.focus();
      },
    );
  });

  ephemeral.addEventListener('click', () => {
    if (working) return;
    setBusy(true);
    busyText.textContent = 'Starting…';
    ctx.rpc.call('ephemeral', {}).then(onUnlocked, (failure: unknown) => {
      setBusy(false);
      busyText.textContent = 'Deriving key…';
      error.textContent = `Could not start: ${errorText(failure)}`;
    });
  });

  return {
    element,
    focus: passphrase,
    onEvent(event: ViewEvent) {
      if (event.type === 'progress' && event.phase === 'derive') progress.value = Math.max(0, Math.min(1, event.fraction));
    },
  };
}
