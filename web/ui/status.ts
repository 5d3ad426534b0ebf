// The one role="status" element: connection state to the relay.
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
  offline: 'Offline, retrying',
};

export function statusBadge(): StatusBadge {
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const text = h('span', {}, 'Locked');
  const element = h('p', { role: 'status', class: 'status', 'data-state': 'locked' }, dot, text);
  return {
    element,
    setConnection(state, detail) {
      element.setAttribute('data-state', state);
      text.textContent = TEXT[state];
      element.title = detail ?? '';
    },
    setLocked(keystore) {
      element.setAttribute('data-state', 'locked');
      text.textContent = keystore === 'absent' ? 'Not set up' : 'Locked';
      element.title = '';
    },
  };
}
