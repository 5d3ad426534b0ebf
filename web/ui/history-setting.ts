// What new members see of earlier messages (docs/protocol.md §8.6): the words for a setting, and the
// one control that picks it, used when a room is made and, by owners and admins, in its header.
import type { HistoryView } from '../worker/rpc.js';
import { h, uid } from './dom.js';

/** The most a 'last' setting may share (V-93). */
const MAX_COUNT = 10_000;
const DEFAULT_COUNT = 100;

export function historyText(history: HistoryView): string {
  switch (history.mode) {
    case 'join':
      return 'New members see messages from when they join.';
    case 'last':
      return `New members see the last ${history.count.toLocaleString()} messages from before they joined.`;
    case 'all':
      return 'New members see all earlier messages.';
  }
}

export interface HistoryPicker {
  readonly element: HTMLFieldSetElement;
  /** The chosen setting, or a sentence saying what is wrong with it. */
  read(): HistoryView | string;
  set(history: HistoryView): void;
}

export function historyPicker(): HistoryPicker {
  const name = uid('history');
  const radio = (mode: HistoryView['mode'], label: string, extra?: HTMLElement): { input: HTMLInputElement; row: HTMLElement } => {
    const input = h('input', { type: 'radio', name, value: mode });
    return { input, row: h('label', { class: 'choice' }, input, ` ${label}`, extra) };
  };
  const count = h('input', { type: 'number', min: '1', max: String(MAX_COUNT), value: String(DEFAULT_COUNT), 'aria-label': 'How many earlier messages', class: 'count' });
  const join = radio('join', 'Messages from when they join');
  const last = radio('last', 'The last', h('span', {}, ' ', count, ' messages before they joined'));
  const all = radio('all', 'All earlier messages');
  join.input.checked = true;
  const element = h('fieldset', { class: 'history-picker' },
    h('legend', {}, 'New members see'), join.row, last.row, all.row,
    h('p', { class: 'hint' }, 'Earlier messages reach a new member re-sent by whoever adds them; everyone in the room sees this setting.'));
  count.addEventListener('focus', () => (last.input.checked = true));
  return {
    element,
    read() {
      if (join.input.checked) return { mode: 'join', count: 0 };
      if (all.input.checked) return { mode: 'all', count: 0 };
      const n = Number(count.value);
      if (!Number.isInteger(n) || n < 1 || n > MAX_COUNT) return `Choose 1 to ${MAX_COUNT.toLocaleString()} earlier messages.`;
      return { mode: 'last', count: n };
    },
    set(history) {
      join.input.checked = history.mode === 'join';
      last.input.checked = history.mode === 'last';
      all.input.checked = history.mode === 'all';
      if (history.mode === 'last') count.value = String(history.count);
    },
  };
}
