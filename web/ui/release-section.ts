// The settings page's "Running code" section: which release this page runs and the SHA-256 of its
// signed manifest, to compare with the one the project publishes; or plainly, that nothing checked it.
import { runningCode } from './code-gate.js';
import { h } from './dom.js';

const SIGNER: Record<string, string> = {
  release: 'signed by the Sotto release key',
  dev: 'a development build, signed by a key made on the machine that built it — not a Sotto release',
  test: 'a test build, signed by the public test key — not a Sotto release',
};

export function releaseSection(): HTMLElement[] {
  const code = runningCode();
  if (!code.verified) {
    return [h('h2', {}, 'Running code'), h('p', { class: 'error', 'data-release': 'unverified' }, `Not verified. ${code.reason}`)];
  }
  const current = code.status.current;
  if (current === undefined) return [h('h2', {}, 'Running code'), h('p', { class: 'error' }, 'No verified release yet.')];
  const built = new Date(current.built).toISOString().replace('T', ' ').slice(0, 16);
  return [
    h('h2', {}, 'Running code'),
    h('p', { 'data-release': current.channel }, `Release ${current.version}, built ${built} UTC, ${SIGNER[current.channel] ?? current.channel}.`),
    h('p', {}, 'Manifest SHA-256 (compare it with the published one): ', h('code', { class: 'release-id' }, current.id)),
    ...(code.status.updateReady ? [h('p', { class: 'hint' }, 'A newer signed release is ready; it runs after “Reload”.')] : []),
  ];
}
