// The locked screens. First visit: create a keystore (create-keystore.ts). Returning: "Unlock" with
// the passphrase, or "Unlock with recovery key", which sets a new passphrase. Either way "Use
// without saving" runs Sotto with keys in memory only. Argon2id takes a few seconds, so the screen
// shows "Deriving key…" with a progress bar while the worker works.
import type { ViewEvent } from '../worker/rpc.js';
import { createKeystoreView } from './create-keystore.js';
import { field, h, replaceChildren } from './dom.js';
import { kdfBusy } from './kdf-busy.js';
import { newPassphrase } from './new-passphrase.js';
import { beginWithPassphrase, ephemeralChoice, unlockFailure } from './unlock-parts.js';
import type { Ctx, View } from './view.js';

export function unlockView(ctx: Ctx, onUnlocked: () => void): View {
  return ctx.keystore() === 'absent' ? createKeystoreView(ctx, onUnlocked) : returningView(ctx, onUnlocked);
}

function returningView(ctx: Ctx, onUnlocked: () => void): View {
  const title = h('h1', { id: 'unlock-title' }, 'Unlock Sotto');
  const intro = h('p', {}, 'Your rooms and history are stored on this device, encrypted. Enter your passphrase to open them.');
  const passphrase = h('input', {
    type: 'password', name: 'passphrase', required: true, autocomplete: 'current-password', spellcheck: 'false', autocapitalize: 'off',
  });
  const unlock = h('button', { type: 'submit', class: 'primary' }, 'Unlock');
  const useRecovery = h('button', { type: 'button', class: 'link' }, 'Unlock with recovery key');
  const error = h('p', { role: 'alert', class: 'error' });
  const busy = kdfBusy();
  const form = h('form', { class: 'stack', novalidate: true },
    field('Passphrase', passphrase),
    h('div', { class: 'actions' }, unlock, useRecovery),
  );

  const recoveryInput = h('input', { type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters', class: 'mono' });
  const chosen = newPassphrase(ctx, 'New passphrase', 'It replaces the passphrase you forgot.');
  const recover = h('button', { type: 'submit', class: 'primary' }, 'Unlock with recovery key');
  const back = h('button', { type: 'button', class: 'link' }, 'Use my passphrase instead');
  const recoveryForm = h('form', { class: 'stack', novalidate: true },
    field('Recovery key', recoveryInput, 'The key of nine groups you saved when you made this keystore.'),
    chosen.element,
    h('div', { class: 'actions' }, recover, back),
  );
  const body = h('div', { class: 'stack' }, form);

  let working = false;
  const setWorking = (on: boolean): boolean => {
    if (on && working) return false;
    working = on;
    for (const button of [unlock, recover, useRecovery, back]) button.disabled = on;
    passphrase.readOnly = on;
    recoveryInput.readOnly = on;
    chosen.setReadOnly(on);
    body.setAttribute('aria-busy', on ? 'true' : 'false');
    if (!on) busy.hide();
    return true;
  };

  useRecovery.addEventListener('click', () => {
    error.textContent = '';
    title.textContent = 'Unlock with recovery key';
    intro.textContent = 'Enter your recovery key and choose a new passphrase. Your rooms and history stay as they are.';
    replaceChildren(body, recoveryForm);
    recoveryInput.focus();
  });
  back.addEventListener('click', () => {
    error.textContent = '';
    title.textContent = 'Unlock Sotto';
    intro.textContent = 'Your rooms and history are stored on this device, encrypted. Enter your passphrase to open them.';
    replaceChildren(body, form);
    passphrase.focus();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (passphrase.value === '') {
      error.textContent = 'Enter your passphrase.';
      passphrase.focus();
      return;
    }
    if (!setWorking(true)) return;
    error.textContent = '';
    busy.show();
    ctx.rpc.call('unlock', { passphrase: passphrase.value }).then(
      () => {
        passphrase.value = '';
        onUnlocked();
      },
      (failure: unknown) => {
        setWorking(false);
        error.textContent = unlockFailure(failure);
        passphrase.select();
        passphrase.focus();
      },
    );
  });

  recoveryForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (recoveryInput.value.trim() === '') {
      error.textContent = 'Enter your recovery key.';
      recoveryInput.focus();
      return;
    }
    const passphrase = beginWithPassphrase(chosen, error, setWorking, busy, 'Checking the recovery key and deriving your new passphrase’s key…');
    if (passphrase === undefined) return;
    ctx.rpc.call('unlockWithRecoveryKey', { recoveryKey: recoveryInput.value, passphrase }).then(
      () => {
        recoveryInput.value = '';
        chosen.clear();
        ctx.announce('Unlocked. Your new passphrase is set.');
        onUnlocked();
      },
      (failure: unknown) => {
        setWorking(false);
        error.textContent = unlockFailure(failure);
      },
    );
  });

  const element = h('section', { class: 'card unlock', 'aria-labelledby': 'unlock-title' },
    title,
    intro,
    body,
    busy.element,
    error,
    h('div', { class: 'divider', role: 'presentation' }),
    ephemeralChoice(ctx, busy, error, setWorking, onUnlocked),
  );

  return {
    element,
    focus: passphrase,
    onEvent(event: ViewEvent) {
      if (event.type === 'progress' && event.phase === 'derive') busy.progress(event.fraction);
    },
  };
}
