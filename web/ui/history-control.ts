// The room header's line saying what new members see of earlier messages, with a "Change" form for
// owners and admins: a change is a signed log event every member's Sotto shows (docs/protocol.md §8.5).
import type { HistoryView } from '../worker/rpc.js';
import { h } from './dom.js';
import { historyPicker, historyText } from './history-setting.js';
import { errorText, type Ctx } from './view.js';

export interface HistoryControl {
  readonly element: HTMLElement;
  update(history: HistoryView | undefined, mayChange: boolean): void;
}

export function historyControl(ctx: Ctx, roomId: string): HistoryControl {
  const line = h('span', {});
  const change = h('button', { type: 'button', class: 'link small', 'aria-expanded': 'false', hidden: true }, 'Change');
  const picker = historyPicker();
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const error = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'stack history-form', hidden: true, novalidate: true }, picker.element, h('div', { class: 'actions' }, save, cancel), error);
  const element = h('div', { class: 'room-history' }, h('p', { class: 'hint' }, line, ' ', change), form);
  let current: HistoryView | undefined;

  const open = (show: boolean): void => {
    form.hidden = !show;
    change.setAttribute('aria-expanded', show ? 'true' : 'false');
    error.textContent = '';
    if (show && current !== undefined) picker.set(current);
  };
  change.addEventListener('click', () => open(form.hidden));
  cancel.addEventListener('click', () => open(false));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = picker.read();
    if (typeof chosen === 'string') {
      error.textContent = chosen;
      return;
    }
    save.disabled = true;
    ctx.rpc.call('setHistory', { roomId, history: chosen }).then(
      () => {
        save.disabled = false;
        open(false);
        ctx.announce(historyText(chosen));
      },
      (failure: unknown) => {
        save.disabled = false;
        error.textContent = `Could not change it: ${errorText(failure)}`;
      },
    );
  });

  return {
    element,
    update(history, mayChange) {
      current = history;
      element.hidden = history === undefined;
      line.textContent = history === undefined ? '' : historyText(history);
      change.hidden = !mayChange;
      if (!mayChange) form.hidden = true;
    },
  };
}
