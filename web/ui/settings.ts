// Settings: the keystore's life (settings-security.ts), and export the (already encrypted)
// keystore as a file, or import one.
import type { ViewEvent } from '../worker/rpc.js';
import { field, h } from './dom.js';
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
    chosen.arrayBuffer()
      .then((buffer) => ctx.rpc.call('importKeystore', { bytes: new Uint8Array(buffer), passphrase: passphrase.value }))
      .then(
        () => {
          // Start over on the imported keystore, at the room list.
          history.replaceState(null, '', `${location.pathname}#/`);
          location.reload();
        },
        (failure: unknown) => {
          importButton.disabled = false;
          importNote.textContent = `Import failed: ${errorText(failure)}`;
        },
      );
  });

  const back = h('a', { href: '#/', class: 'back' }, '← Rooms');
  const security = securitySettings(ctx);
  const element = h('section', { class: 'card settings', 'aria-labelledby': 'settings-title' },
    back,
    h('h1', { id: 'settings-title' }, 'Settings'),
    ...security.elements,
    h('h2', {}, 'Back up'),
    exportButton,
    exportNote,
    h('h2', {}, 'Restore'),
    importForm,
  );
  return {
    element,
    focus: back,
    onEvent(event: ViewEvent) {
      if (event.type === 'progress' && event.phase === 'derive') security.progress(event.fraction);
    },
  };
}
