// First visit: "Create your keystore" — a passphrase, typed twice, with a strength meter (the
// worker refuses weak ones, the same rule as the CLI) — then the recovery key, shown once, which
// the person confirms they saved before the app opens.
import type { ViewEvent } from '../worker/rpc.js';
import { h, replaceChildren } from './dom.js';
import { kdfBusy } from './kdf-busy.js';
import { newPassphrase } from './new-passphrase.js';
import { recoveryKeyPanel } from './recovery-key.js';
import { beginWithPassphrase, ephemeralChoice, unlockFailure } from './unlock-parts.js';
import type { Ctx, View } from './view.js';

export function createKeystoreView(ctx: Ctx, onUnlocked: () => void): View {
  const chosen = newPassphrase(ctx, 'Passphrase',
    'It encrypts your keys on this device. Several unrelated words are easy to remember and hard to guess.');
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create keystore');
  const error = h('p', { role: 'alert', class: 'error' });
  const busy = kdfBusy();
  const form = h('form', { class: 'stack', novalidate: true }, chosen.element, h('div', { class: 'actions' }, create));

  let working = false;
  const setWorking = (on: boolean): boolean => {
    if (on && working) return false;
    working = on;
    create.disabled = on;
    chosen.setReadOnly(on);
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    if (!on) busy.hide();
    return true;
  };

  const element = h('section', { class: 'card unlock', 'aria-labelledby': 'unlock-title' },
    h('h1', { id: 'unlock-title' }, 'Create your keystore'),
    h('p', {}, 'Sotto keeps your room keys on this device, encrypted with a passphrase you choose now. Next you get a recovery key, in case you ever forget it.'),
    form,
    busy.element,
    error,
    h('div', { class: 'divider', role: 'presentation' }),
    ephemeralChoice(ctx, busy, error, setWorking, onUnlocked),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const passphrase = beginWithPassphrase(chosen, error, setWorking, busy);
    if (passphrase === undefined) return;
    ctx.rpc.call('createKeystore', { passphrase }).then(
      ({ recoveryKey }) => {
        chosen.clear();
        const panel = recoveryKeyPanel(recoveryKey, onUnlocked);
        replaceChildren(element, ...Array.from(panel.element.childNodes));
        element.setAttribute('aria-labelledby', 'recovery-title');
        panel.focus.focus();
      },
      (failure: unknown) => {
        setWorking(false);
        error.textContent = unlockFailure(failure);
        chosen.input.focus();
      },
    );
  });

  return {
    element,
    focus: chosen.input,
    onEvent(event: ViewEvent) {
      if (event.type === 'progress' && event.phase === 'derive') busy.progress(event.fraction);
    },
  };
}
