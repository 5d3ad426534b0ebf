// "Verify" on a member (issue 16, item 6): their safety number for this room and a QR code of it,
// with what comparing it means, and "Mark as verified" — as Signal Desktop's safety number screen.
// The mark is kept on this device for this key only; a key update makes a new key, which is not
// marked, and the timeline says so.
import type { MemberView } from '../worker/rpc.js';
import { h, uid } from './dom.js';
import { qrSvg } from './qr.js';

/** Opens the dialog; `mark` sets or clears the verified mark and resolves once it is kept. */
export function verifyDialog(member: MemberView, mark: (verified: boolean) => Promise<void>): void {
  const titleId = uid('verify');
  const status = h('p', { class: 'verify-status', role: 'status' }, member.verified ? `You marked ${member.name} as verified.` : `${member.name} is not verified.`);
  const toggle = h('button', { type: 'button', class: 'primary' }, member.verified ? 'Clear verification' : 'Mark as verified');
  const close = h('button', { type: 'button', class: 'secondary' }, 'Close');
  const groups = member.safetyNumber.split(' ');
  const dialog = h('dialog', { class: 'confirm-dialog verify-dialog', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, `Verify ${member.name}`),
    h('p', {}, `Compare this safety number with ${member.name}, in person or on a call you trust: read it aloud, or scan the code on one screen with the other device.`),
    h('h3', {}, 'Safety number'),
    h('p', { class: 'safety-number mono' }, ...groups.map((g) => h('span', {}, g, ' '))),
    qrSvg(`sotto-safety-number:${member.safetyNumber.replaceAll(' ', '')}`, `QR code of the safety number with ${member.name}`),
    h('p', { class: 'hint' }, `If the numbers match, the messages you exchange in this room are with ${member.name}’s device and no one in between, not even the server. If they differ, someone may be impersonating ${member.name}: do not trust this room with secrets until you know why.`),
    status,
    h('div', { class: 'actions' }, close, toggle));
  document.body.append(dialog);
  let verified = member.verified;
  toggle.addEventListener('click', () => {
    toggle.disabled = true;
    mark(!verified).then(() => {
      verified = !verified;
      toggle.textContent = verified ? 'Clear verification' : 'Mark as verified';
      status.textContent = verified ? `You marked ${member.name} as verified.` : `${member.name} is not verified.`;
    }, () => {
      status.textContent = 'Could not save the mark. Try again.';
    }).finally(() => {
      toggle.disabled = false;
    });
  });
  const done = (): void => {
    dialog.close();
    dialog.remove();
  };
  close.addEventListener('click', done);
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    done();
  });
  dialog.showModal();
  close.focus();
}
