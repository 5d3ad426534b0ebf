// Settings: the keystore's life (settings-security.ts), export the (already encrypted) keystore as
// a file, or import one — after saying what the import replaces and what this device would lose,
// and the person confirming it; which release runs.
import type { ViewEvent } from '../worker/rpc.js';
import { field, h, replaceChildren } from './dom.js';
import { devicesSettings } from './devices-settings.js';
import { releaseSection } from './release-section.js';
import { notificationSettings } from './notification-settings.js';
import { securitySettings } from './settings-security.js';
import { errorText, type Ctx, type View } from './view.js';

export function settingsView(ctx: Ctx): View {
  const ephemeral = ctx.keystore() === 'ephemeral';
  const exportButton = h('button', { type: 'button', class: 'primary', disabled: ephemeral }, 'Export keystore');
  const exportNote = h('p', { class: 'hint', 'aria-live': 'polite' },
    ephemeral
      ? 'You are using Sotto without saving: there is no keystore to export.'
      : 'Downloads your keystore, encrypted with your passphrase. Keep it somewhere safe; you need the passphrase to use it.');

  const file = h('input', { type: 'file', accept: '.sotto,application/octet-stream' });
  const passphrase = h('input', { type: 'password', autocomplete: 'current-password' });
  const importButton = h('button', { type: 'submit', class: 'secondary' }, 'Import keystore');
  const importNote = h('p', { role: 'alert', class: 'error' });
  const importForm = h('form', { class: 'stack', novalidate: true },
    field('Keystore file', file),
    field('Passphrase of that file', passphrase),
    h('p', { class: 'hint' }, 'Replaces the keystore on this device with the file. Sotto reloads afterwards.'),
    h('div', { class: 'actions' }, importButton),
    importNote,
  );
  const confirmText = h('div', {});
  const confirmButton = h('button', { type: 'button', class: 'primary' }, 'Replace this device’s keystore');
  const cancelButton = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const confirmBox = h('div', { class: 'confirm stack', role: 'alertdialog', 'aria-labelledby': 'import-confirm-title', hidden: true },
    h('h3', { id: 'import-confirm-title' }, 'Replace the keystore on this device?'), confirmText, h('div', { class: 'actions' }, confirmButton, cancelButton));
  let chosenBytes: Uint8Array | undefined;

  exportButton.addEventListener('click', () => {
    exportButton.disabled = true;
    ctx.rpc.call('exportKeystore', {}).then(
      ({ bytes, name }) => {
        exportButton.disabled = false;
        const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
        const a = h('a', { href: url, download: name, hidden: true });
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        exportNote.textContent = `Saved ${name}.`;
      },
      (failure: unknown) => {
        exportButton.disabled = false;
        exportNote.textContent = `Export failed: ${errorText(failure)}`;
      },
    );
  });

  importForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (chosen === undefined) {
      importNote.textContent = 'Choose a keystore file.';
      return;
    }
    importButton.disabled = true;
    importNote.textContent = '';
    // Opened and compared first; nothing is replaced until the person confirms.
    chosen.arrayBuffer()
      .then(async (buffer) => {
        chosenBytes = new Uint8Array(buffer);
        return ctx.rpc.call('previewImport', { bytes: chosenBytes, passphrase: passphrase.value });
      })
      .then(
        ({ rooms, lost }) => {
          replaceChildren(confirmText,
            h('p', {}, `The file holds ${rooms.length === 1 ? '1 room' : `${rooms.length} rooms`}${rooms.length > 0 ? `: ${rooms.join(', ')}` : ''}.`),
            lost.length === 0 ? undefined
              : h('p', { class: 'error' }, `Lost on this device: ${lost.join(', ')} — ${lost.length === 1 ? 'this room is' : 'these rooms are'} not in the file, and ${lost.length === 1 ? 'its keys go' : 'their keys go'} with the current keystore.`),
            h('p', {}, 'Also lost: anything this device received or changed after the file was exported and the relay no longer holds. Messages you sent since are fetched again and recognised as yours.'));
          confirmBox.hidden = false;
          confirmButton.focus();
        },
        (failure: unknown) => {
          chosenBytes = undefined;
          importButton.disabled = false;
          importNote.textContent = `Import failed: ${errorText(failure)}`;
        },
      );
  });

  cancelButton.addEventListener('click', () => {
    chosenBytes = undefined;
    confirmBox.hidden = true;
    importButton.disabled = false;
  });

  confirmButton.addEventListener('click', () => {
    if (chosenBytes === undefined) return;
    confirmButton.disabled = true;
    ctx.rpc.call('importKeystore', { bytes: chosenBytes, passphrase: passphrase.value }).then(
      () => {
        // Start over on the imported keystore, at the room list.
        history.replaceState(null, '', `${location.pathname}#/`);
        location.reload();
      },
      (failure: unknown) => {
        confirmButton.disabled = false;
        confirmBox.hidden = true;
        importButton.disabled = false;
        importNote.textContent = `Import failed: ${errorText(failure)}`;
      },
    );
  });

  const back = h('a', { href: '#/', class: 'back' }, '← Rooms');
  const security = securitySettings(ctx);
  const devices = devicesSettings(ctx);
  const element = h('section', { class: 'card settings', 'aria-labelledby': 'settings-title' },
    back,
    h('h1', { id: 'settings-title' }, 'Settings'),
    ...security.elements,
    ...devices.elements,
    ...notificationSettings(),
    h('h2', {}, 'Back up'),
    exportButton,
    exportNote,
    h('h2', {}, 'Restore'),
    importForm,
    ...releaseSection(),
    confirmBox,
  );
  return {
    element,
    focus: back,
    onEvent(event: ViewEvent) {
      if (event.type === 'progress' && event.phase === 'derive') security.progress(event.fraction);
      if (event.type === 'members') devices.refresh();
    },
  };
}
