// "Deriving key…" with a progress bar: Argon2id takes seconds, and the screen says it is working.
import { h } from './dom.js';

export interface KdfBusy {
  readonly element: HTMLElement;
  show(text?: string): void;
  hide(): void;
  /** Argon2id's progress, 0..1, from the worker's 'progress' events. */
  progress(fraction: number): void;
}

export function kdfBusy(): KdfBusy {
  const progress = h('progress', { max: '1', value: '0', 'aria-label': 'Deriving key' });
  const text = h('span', {}, 'Deriving key…');
  const element = h('div', { class: 'busy', hidden: true }, text, progress);
  return {
    element,
    show(label = 'Deriving key…') {
      text.textContent = label;
      progress.value = 0;
      element.hidden = false;
    },
    hide() {
      element.hidden = true;
    },
    progress(fraction) {
      progress.value = Math.max(0, Math.min(1, fraction));
    },
  };
}
