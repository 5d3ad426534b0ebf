// What the locked screens share: the words for a failed unlock, and "Use without saving".
import { h } from './dom.js';
import type { KdfBusy } from './kdf-busy.js';
import type { NewPassphrase } from './new-passphrase.js';
import { RpcFailure } from './worker-client.js';
import { errorText, type Ctx } from './view.js';

/** The page's words for a failed unlock, create or recovery. */
export function unlockFailure(failure: unknown): string {
  if (failure instanceof RpcFailure && failure.code === 'WRONG_PASSPHRASE') return 'Wrong passphrase. Nothing was changed; try again.';
  if (failure instanceof RpcFailure && ['WEAK_PASSPHRASE', 'WRONG_RECOVERY_KEY', 'BAD_RECOVERY_KEY', 'NO_RECOVERY_KEY', 'IN_USE'].includes(failure.code)) return failure.message;
  return `Could not unlock: ${errorText(failure)}`;
}

/** "Use without saving": the choice on both locked screens, with what it means. */
export function ephemeralChoice(ctx: Ctx, busy: KdfBusy, error: HTMLElement, setWorking: (on: boolean) => boolean, onUnlocked: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'secondary' }, 'Use without saving');
  button.addEventListener('click', () => {
    if (!setWorking(true)) return;
    busy.show('Starting…');
    ctx.rpc.call('ephemeral', {}).then(onUnlocked, (failure: unknown) => {
      setWorking(false);
      error.textContent = `Could not start: ${errorText(failure)}`;
    });
  });
  return h('div', { class: 'stack' },
    button,
    h('p', { class: 'hint' }, 'Keys stay in memory only and vanish when you close or reload this tab. Nothing is written to this device.'),
  );
}

/**
 * A form that sets a passphrase is submitted: the chosen passphrase, with the screen busy, or
 * undefined when there is a problem to fix (shown) or work already running.
 */
export function beginWithPassphrase(
  chosen: NewPassphrase, error: HTMLElement, setWorking: (on: boolean) => boolean, busy: KdfBusy, label?: string,
): string | undefined {
  const next = chosen.read();
  if (!next.ok) {
    error.textContent = next.problem;
    return undefined;
  }
  if (!setWorking(true)) return undefined;
  error.textContent = '';
  busy.show(label);
  return next.passphrase;
}
