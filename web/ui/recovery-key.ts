// The recovery key, shown once: copy and download buttons, and "I saved my recovery key" to go on.
// Sotto keeps no copy anywhere readable: after this screen it exists only where the person put it.
import { field, h } from './dom.js';

export function recoveryKeyPanel(recoveryKey: string, onSaved: () => void): { element: HTMLElement; focus: HTMLElement } {
  const title = h('h1', { id: 'recovery-title', tabindex: '-1' }, 'Save your recovery key');
  // A textarea, so all nine groups are visible at once wherever the card is narrow.
  const key = h('textarea', { readonly: true, rows: '2', class: 'recovery-key mono', spellcheck: 'false', autocomplete: 'off' }, recoveryKey);
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
  const download = h('button', { type: 'button', class: 'secondary' }, 'Download');
  const note = h('p', { class: 'hint', 'aria-live': 'polite' });
  const saved = h('button', { type: 'button', class: 'primary' }, 'I saved my recovery key');

  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(recoveryKey).then(
      () => {
        note.textContent = 'Copied. Paste it into your password manager now; the clipboard is not a safe place to keep it.';
      },
      () => {
        note.textContent = 'Could not copy: select the key and copy it by hand, or download it.';
      },
    );
  });
  download.addEventListener('click', () => {
    const text = `Sotto recovery key\n\n${recoveryKey}\n\nIt opens your Sotto keystore on ${location.host} if you forget your passphrase.\nKeep it private: anyone with it and this device can read your rooms.\n`;
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = h('a', { href: url, download: 'sotto-recovery-key.txt', hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    note.textContent = 'Downloaded sotto-recovery-key.txt. Move it somewhere safe, off this device if you can.';
  });
  saved.addEventListener('click', onSaved);

  const element = h('section', { class: 'card recovery', 'aria-labelledby': 'recovery-title' },
    title,
    h('p', {}, 'If you forget your passphrase, this key is the only way back into your rooms on this device. Nobody can recover it for you, not even the relay.'),
    field('Recovery key', key),
    h('div', { class: 'actions' }, copy, download),
    note,
    h('p', { class: 'hint' }, 'Keep it in a password manager or on paper. It is shown only now; you can make a new one later in Settings.'),
    h('div', { class: 'actions' }, saved),
  );
  return { element, focus: title };
}
