// A line above the app whenever nothing checks the code it runs (no service worker here): never
// silent, since this is exactly when a server could send other code unnoticed.
import { runningCode } from './code-gate.js';
import { h } from './dom.js';

export function unverifiedNotice(): HTMLElement | undefined {
  const code = runningCode();
  if (code.verified) return undefined;
  return h('p', { class: 'notice unverified', role: 'note' }, `Code not verified: ${code.reason}`);
}
