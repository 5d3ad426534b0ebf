// The banner for warnings that belong to no room: the relay connection, saving the keystore. It is
// role="alert" and dismissable; a warning dismissed once stays quiet when it repeats (a relay that
// keeps failing the handshake would otherwise bring it back at every reconnect attempt).
import type { WarningView } from '../worker/rpc.js';
import { formatTime, h, replaceChildren } from './dom.js';

export interface Banner {
  readonly element: HTMLElement;
  add(warning: WarningView): void;
}

const SHOWN = 5;

export function warningBanner(): Banner {
  const list = h('ul', {});
  const dismiss = h('button', { type: 'button', class: 'secondary small' }, 'Dismiss');
  const element = h('div', { class: 'warnings banner', role: 'alert', hidden: true },
    h('p', { class: 'warn-title' }, '⚠ Sotto is not working as it should'), list, dismiss);
  let shown: WarningView[] = [];
  const dismissed = new Set<string>();
  const keyOf = (w: WarningView): string => `${w.code}|${w.detail}`;

  const render = (): void => {
    element.hidden = shown.length === 0;
    replaceChildren(list, ...shown.map((w) =>
      h('li', { title: w.detail }, h('strong', {}, w.code), ' ', w.text, w.count > 1 ? ` (×${w.count})` : '', ' ',
        h('time', { datetime: new Date(w.time).toISOString() }, formatTime(w.time)))));
  };

  dismiss.addEventListener('click', () => {
    for (const w of shown) dismissed.add(keyOf(w));
    shown = [];
    render();
  });

  return {
    element,
    add(warning) {
      const key = keyOf(warning);
      if (dismissed.has(key)) return;
      const at = shown.findIndex((w) => keyOf(w) === key);
      if (at >= 0) shown.splice(at, 1, { ...warning, count: shown[at]!.count + 1 });
      else shown = [...shown, warning].slice(-SHOWN);
      render();
    },
  };
}
