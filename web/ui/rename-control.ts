// The room header's "Rename room" button and form, for owners and admins (docs/protocol.md §9.3,
// V-150): the new name goes to every member as an encrypted message, so the relay never sees it,
// and each member's timeline says who renamed the room.
import { field, h } from './dom.js';
import { errorText, type Ctx } from './view.js';

export interface RenameControl {
  /** The button, among the header's actions. */
  readonly button: HTMLElement;
  /** The form it opens, under the room's title. */
  readonly element: HTMLElement;
  update(name: string, mayRename: boolean): void;
}

export function renameControl(ctx: Ctx, roomId: string): RenameControl {
  const button = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': `rename-${roomId}`, hidden: true }, 'Rename room');
  const input = h('input', { type: 'text', name: 'new-room-name', required: true, maxlength: '80', autocomplete: 'off' });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save name');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const error = h('p', { role: 'alert', class: 'error' });
  const element = h('form', { id: `rename-${roomId}`, class: 'stack rename-form', hidden: true, novalidate: true },
    field('New name for the room', input, 'Encrypted: only members see it. Every member’s timeline says you renamed the room.'),
    h('div', { class: 'actions' }, save, cancel), error);
  let current = '';

  const open = (show: boolean): void => {
    element.hidden = !show;
    button.setAttribute('aria-expanded', show ? 'true' : 'false');
    error.textContent = '';
    if (show) {
      input.value = current;
      input.focus();
      input.select();
    }
  };
  button.addEventListener('click', () => open(element.hidden));
  cancel.addEventListener('click', () => open(false));
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (name === '') {
      error.textContent = 'Give the room a name.';
      input.focus();
      return;
    }
    save.disabled = true;
    ctx.rpc.call('renameRoom', { roomId, name }).then(
      () => {
        save.disabled = false;
        open(false);
        ctx.announce(`Room renamed to ${name}`);
      },
      (failure: unknown) => {
        save.disabled = false;
        error.textContent = `Could not rename the room: ${errorText(failure)}`;
      },
    );
  });

  return {
    button,
    element,
    update(name, mayRename) {
      current = name;
      button.hidden = !mayRename;
      if (!mayRename) open(false);
    },
  };
}
