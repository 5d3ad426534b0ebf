// "A new version is ready — Reload": shown when the service worker holds a newer release that
// verified against the pinned key. Nothing changes until the person reloads; a reload made any
// other way keeps the running release until this button is used.
import { activateUpdate } from './code-gate.js';
import { h } from './dom.js';

export interface UpdateBanner {
  readonly element: HTMLElement;
  show(): void;
}

export function updateBanner(): UpdateBanner {
  const reload = h('button', { type: 'button', class: 'primary small' }, 'Reload');
  const element = h('div', { class: 'notice update-banner', role: 'status', hidden: true },
    'A new version is ready — ', reload);
  reload.addEventListener('click', () => {
    reload.disabled = true;
    activateUpdate().catch((error: unknown) => {
      reload.disabled = false;
      console.error('activating the update failed', error);
    });
  });
  return {
    element,
    show() {
      element.hidden = false;
    },
  };
}
