// The one role="status" element: connection state to the relay, with a Retry once reconnecting has
// stopped (it gives up after a bounded time instead of trying forever).
import type { ConnectionState, KeystoreState } from '../worker/rpc.js';
import { h } from './dom.js';

export interface StatusBadge {
  readonly element: HTMLElement;
  setConnection(state: ConnectionState, detail?: string): void;
  setLocked(keystore: KeystoreState): void;
}

const TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  online: 'Connected',
  partial: 'Server partly down: messages may reach others late',
  degraded: 'Server trouble, messages wait',
  offline: 'Offline, retrying',
  stopped: 'Offline',
};

export function statusBadge(onRetry: () => void): StatusBadge {
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const text = h('span', {}, 'Locked');
  const retry = h('button', { type: 'button', class: 'link small', hidden: true }, 'Retry');
  retry.addEventListener('click', onRetry);
  const element = h('p', { role: 'status', class: 'status', 'data-state': 'locked' }, dot, text, ' ', retry);
  return {
    element,
    setConnection(state, detail) {
      element.setAttribute('data-state', state);
      text.textContent = TEXT[state];
      retry.hidden = state !== 'stopped';
      element.title = detail ?? '';
    },
    setLocked(keystore) {
      element.setAttribute('data-state', 'locked');
      retry.hidden = true;
      text.textContent = keystore === 'absent' ? 'Not set up' : 'Locked';
      element.title = '';
    },
  };
}
