// A modal question before something that cannot be undone ("Delete for everyone?", "Remove Bob?",
// "Leave room?"), as Signal Desktop asks: a native <dialog> (focus trapped, Escape cancels), the
// safe choice first and focused.
import { h, uid } from './dom.js';

/** Resolves true when the person chose `confirmLabel`, false on Cancel or Escape. */
export function confirmDialog(title: string, body: string, confirmLabel: string): Promise<boolean> {
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'danger' }, confirmLabel);
  const titleId = uid('confirm');
  const dialog = h('dialog', { class: 'confirm-dialog', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title),
    h('p', {}, body),
    h('div', { class: 'actions' }, cancel, confirm));
  document.body.append(dialog);
  return new Promise((resolve) => {
    const close = (answer: boolean): void => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener('click', () => close(false));
    confirm.addEventListener('click', () => close(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}
