// Choosing a passphrase (create, recover, change): the field, a "Confirm passphrase" field and a
// strength meter. The estimate is the worker's (zxcvbn-ts, protocol/crypto/passphrase-strength.ts),
// the same rule the worker applies before it writes anything and the CLI applies to its file.
import { field, h } from './dom.js';
import type { Ctx } from './view.js';

/** zxcvbn's log10(guesses) the meter is drawn against; the rule's threshold is 8. */
const METER_MAX = 12;
const ESTIMATE_DELAY_MS = 150;

export interface NewPassphrase {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  /** The chosen passphrase, or a sentence saying what to fix (focus is moved there). */
  read(): { ok: true; passphrase: string } | { ok: false; problem: string };
  setReadOnly(on: boolean): void;
  clear(): void;
}

export function newPassphrase(ctx: Ctx, label: string, hint: string): NewPassphrase {
  const input = h('input', { type: 'password', autocomplete: 'new-password', required: true, spellcheck: 'false', autocapitalize: 'off' });
  const confirm = h('input', { type: 'password', autocomplete: 'new-password', required: true, spellcheck: 'false', autocapitalize: 'off' });
  const meter = h('meter', { min: '0', max: String(METER_MAX), low: '8', high: '10', optimum: String(METER_MAX), value: '0', 'aria-label': 'Passphrase strength' });
  const verdict = h('p', { class: 'hint strength-text', 'aria-live': 'polite' });
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let acceptable = false;

  const estimate = (): void => {
    const text = input.value;
    const ask = ++asked;
    if (text === '') {
      meter.value = 0;
      verdict.textContent = '';
      acceptable = false;
      return;
    }
    ctx.rpc.call('passphraseStrength', { passphrase: text }).then((strength) => {
      if (ask !== asked) return;
      acceptable = strength.acceptable;
      meter.value = Math.min(METER_MAX, strength.guessesLog10);
      verdict.textContent = strength.acceptable ? 'Strong enough.' : strength.advice;
    }, () => undefined);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(estimate, ESTIMATE_DELAY_MS);
  });

  const element = h('div', { class: 'stack' },
    field(label, input, hint),
    h('div', { class: 'strength' }, meter, verdict),
    field('Confirm passphrase', confirm),
  );

  return {
    element,
    input,
    read() {
      if (input.value === '') {
        input.focus();
        return { ok: false, problem: 'Choose a passphrase.' };
      }
      if (confirm.value !== input.value) {
        confirm.select();
        confirm.focus();
        return { ok: false, problem: 'The two passphrases are not the same. Type it again in “Confirm passphrase”.' };
      }
      // The worker decides (it checks again before writing); this only saves a round trip when the
      // estimate already came back weak.
      if (!acceptable && verdict.textContent !== '' && verdict.textContent !== 'Strong enough.') {
        input.focus();
        return { ok: false, problem: verdict.textContent ?? 'That passphrase is too easy to guess.' };
      }
      return { ok: true, passphrase: input.value };
    },
    setReadOnly(on) {
      input.readOnly = on;
      confirm.readOnly = on;
    },
    clear() {
      input.value = '';
      confirm.value = '';
      meter.value = 0;
      verdict.textContent = '';
    },
  };
}
