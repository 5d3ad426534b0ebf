// Settings for the keystore's life: "Lock now", auto-lock after idle time, "Change passphrase",
// a new recovery key, and "Forget this device" (after the person types the word to confirm).
import { FORGET_CONFIRMATION } from '../worker/rpc.js';
import { field, h, replaceChildren } from './dom.js';
import { AUTO_LOCK_CHOICES, AUTO_LOCK_KEY, autoLockMinutes, setAutoLockMinutes } from './idle-lock.js';
import { kdfBusy, type KdfBusy } from './kdf-busy.js';
import { newPassphrase } from './new-passphrase.js';
import { recoveryKeyPanel } from './recovery-key.js';
import { unlockFailure } from './unlock-parts.js';
import { errorText, type Ctx } from './view.js';

export interface SecuritySettings {
  readonly elements: HTMLElement[];
  /** Argon2id progress from the worker (changing the passphrase derives twice). */
  progress(fraction: number): void;
}

function minutesText(minutes: number): string {
  if (minutes === 0) return 'Never';
  if (minutes < 60) return `After ${minutes} minutes`;
  return `After ${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
}

export function securitySettings(ctx: Ctx): SecuritySettings {
  const busy = kdfBusy();
  if (ctx.keystore() === 'ephemeral') {
    return {
      elements: [
        h('h2', {}, 'Memory only'),
        h('p', {}, 'You are using Sotto without saving: your keys are in this tab’s memory only, and closing or reloading it ends this session for good. There is no passphrase to change and nothing to lock or forget.'),
      ],
      progress: () => undefined,
    };
  }
  return {
    elements: [lockSection(ctx), passphraseSection(ctx, busy), recoverySection(ctx, busy), busy.element, forgetSection(ctx)],
    progress: (fraction) => busy.progress(fraction),
  };
}

function lockSection(ctx: Ctx): HTMLElement {
  const lock = h('button', { type: 'button', class: 'secondary' }, 'Lock now');
  lock.addEventListener('click', () => {
    lock.disabled = true;
    void ctx.lock();
  });
  const select = h('select', {});
  const current = autoLockMinutes();
  const choices = AUTO_LOCK_CHOICES.includes(current) ? AUTO_LOCK_CHOICES : [...AUTO_LOCK_CHOICES, current].sort((a, b) => a - b);
  for (const minutes of choices) select.appendChild(h('option', { value: String(minutes), selected: minutes === current }, minutesText(minutes)));
  select.id = 'auto-lock';
  const note = h('p', { class: 'hint', 'aria-live': 'polite' });
  select.addEventListener('change', () => {
    setAutoLockMinutes(Number(select.value));
    ctx.restartIdleLock();
    note.textContent = Number(select.value) === 0 ? 'Sotto stays unlocked until you lock it or close the tab.' : `Sotto locks ${minutesText(Number(select.value)).toLowerCase()} without activity in this tab.`;
  });
  return h('section', { class: 'stack', 'aria-labelledby': 'lock-title' },
    h('h2', { id: 'lock-title' }, 'Lock'),
    h('p', { class: 'hint' }, 'Locking drops every key from memory; your passphrase opens Sotto again. Messages sent meanwhile arrive when you unlock.'),
    h('div', { class: 'actions' }, lock),
    h('div', { class: 'field' }, h('label', { for: 'auto-lock' }, 'Lock after inactivity'), select),
    note,
  );
}

function passphraseSection(ctx: Ctx, busy: KdfBusy): HTMLElement {
  const current = h('input', { type: 'password', autocomplete: 'current-password', spellcheck: 'false', autocapitalize: 'off' });
  const chosen = newPassphrase(ctx, 'New passphrase', 'Your rooms stay as they are; only the key that opens them is re-encrypted.');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Change passphrase');
  const note = h('p', { role: 'alert', class: 'error' });
  const done = h('p', { class: 'hint', 'aria-live': 'polite' });
  const form = h('form', { class: 'stack', novalidate: true },
    field('Current passphrase', current), chosen.element, h('div', { class: 'actions' }, submit), note, done);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    done.textContent = '';
    const next = chosen.read();
    if (!next.ok) {
      note.textContent = next.problem;
      return;
    }
    note.textContent = '';
    submit.disabled = true;
    busy.show();
    ctx.rpc.call('changePassphrase', { current: current.value, next: next.passphrase }).then(
      () => {
        busy.hide();
        submit.disabled = false;
        current.value = '';
        chosen.clear();
        done.textContent = 'Passphrase changed. Use the new one from now on; your recovery key still works.';
      },
      (failure: unknown) => {
        busy.hide();
        submit.disabled = false;
        note.textContent = unlockFailure(failure).replace('Could not unlock', 'Could not change it');
      },
    );
  });
  return h('section', { class: 'stack', 'aria-labelledby': 'passphrase-title' }, h('h2', { id: 'passphrase-title' }, 'Passphrase'), form);
}

function recoverySection(ctx: Ctx, busy: KdfBusy): HTMLElement {
  const passphrase = h('input', { type: 'password', autocomplete: 'current-password', spellcheck: 'false', autocapitalize: 'off' });
  const submit = h('button', { type: 'submit', class: 'secondary' }, 'Make a new recovery key');
  const note = h('p', { role: 'alert', class: 'error' });
  const status = h('p', { class: 'hint', 'aria-live': 'polite' });
  const form = h('form', { class: 'stack', novalidate: true },
    field('Passphrase for a new recovery key', passphrase, 'The new key replaces your old one, which stops working. Lost it, or never saved it? Make a new one.'),
    h('div', { class: 'actions' }, submit), note);
  const body = h('div', { class: 'stack' }, form, status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    note.textContent = '';
    submit.disabled = true;
    busy.show();
    ctx.rpc.call('newRecoveryKey', { passphrase: passphrase.value }).then(
      ({ recoveryKey }) => {
        busy.hide();
        submit.disabled = false;
        passphrase.value = '';
        const panel = recoveryKeyPanel(recoveryKey, () => {
          replaceChildren(body, form, status);
          status.textContent = 'New recovery key saved. The old one no longer opens this keystore.';
        });
        replaceChildren(body, panel.element);
        panel.focus.focus();
      },
      (failure: unknown) => {
        busy.hide();
        submit.disabled = false;
        note.textContent = unlockFailure(failure).replace('Could not unlock', 'Could not make one');
      },
    );
  });
  return h('section', { class: 'stack', 'aria-labelledby': 'recovery-settings-title' }, h('h2', { id: 'recovery-settings-title' }, 'If you forget your passphrase'), body);
}

function forgetSection(ctx: Ctx): HTMLElement {
  const confirm = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' });
  const forget = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Forget this device');
  const note = h('p', { role: 'alert', class: 'error' });
  const matches = (): boolean => confirm.value.trim().toLowerCase() === FORGET_CONFIRMATION;
  confirm.addEventListener('input', () => {
    forget.disabled = !matches();
  });
  const form = h('form', { class: 'stack', novalidate: true },
    field(`Type “${FORGET_CONFIRMATION}” to confirm`, confirm),
    h('div', { class: 'actions' }, forget), note);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!matches()) return;
    forget.disabled = true;
    ctx.rpc.call('forget', { confirm: confirm.value }).then(
      () => {
        localStorage.removeItem(AUTO_LOCK_KEY);
        history.replaceState(null, '', `${location.pathname}#/`);
        location.reload();
      },
      (failure: unknown) => {
        forget.disabled = false;
        note.textContent = `Could not forget this device: ${errorText(failure)}`;
      },
    );
  });
  return h('section', { class: 'stack danger-zone', 'aria-labelledby': 'forget-title' },
    h('h2', { id: 'forget-title' }, 'Forget this device'),
    h('p', {}, 'Deletes your keystore from this browser: every room key, your identity in each room and all history stored here. Other members keep theirs. Unless you exported the keystore, this cannot be undone, not even with the recovery key.'),
    form,
  );
}
