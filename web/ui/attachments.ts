// Files and images in a room (docs/protocol.md §9.2, docs/web.md): the composer's "Attach file"
// button with an upload progress bar and Cancel, and a message's attachment with a download button
// (and progress) or, for a small image, an inline preview. What comes back from the worker has
// passed its hash check already. A file is only ever handed to the browser as a download of an
// application/octet-stream blob, and an image only as <img> from a blob of one of the raster types
// below, so nothing a member sends can run or render as a page on Sotto's origin.
import type { MessageView } from '../worker/rpc.js';
import { h, svg } from './dom.js';
import { errorText, type Ctx } from './view.js';

/** Raster types shown inline: decoders that never run script (SVG, which can, is a download). */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** Images up to this size are fetched and previewed as they arrive; larger ones wait for a click. */
export const PREVIEW_MAX_BYTES = 10 * 1024 * 1024;
/** Verified previews kept for re-rendering, by message key (a room's recent images). */
const PREVIEW_CACHE = 32;
const previews = new Map<string, string>();

let transferCounter = 0;

function transferId(): string {
  transferCounter++;
  return `t${transferCounter}-${Math.random().toString(36).slice(2, 10)}`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Longest file name a reference carries, in UTF-8 bytes (V-172). */
const NAME_BYTES = 255;

/**
 * A chosen file's name as it can travel (V-172): control characters and path separators become
 * "_", and a name too long is cut before its extension, so any file the browser hands over can go.
 */
export function sendableName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f/\\]/gu, '_').trim() || 'file';
  const encoder = new TextEncoder();
  if (encoder.encode(clean).length <= NAME_BYTES) return clean;
  const dot = clean.lastIndexOf('.');
  const extension = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
  let stem = [...clean.slice(0, clean.length - extension.length)];
  while (stem.length > 0 && encoder.encode(`${stem.join('')}…${extension}`).length > NAME_BYTES) stem = stem.slice(0, -1);
  return `${stem.join('')}…${extension}`;
}

/** The paperclip: drawn, as Chromium on a server may have no emoji font. */
function paperclip(): SVGElement {
  return svg('svg', { viewBox: '0 0 24 24', width: 18, height: 18, 'aria-hidden': 'true', focusable: 'false' },
    svg('path', {
      d: 'M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5',
      fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-linecap': 'round',
    }));
}

/** A progress bar with a Cancel button for one transfer; removes itself when the transfer ends. */
function transferProgress(ctx: Ctx, label: string): { element: HTMLElement; id: string; done: () => void } {
  const id = transferId();
  const bar = h('progress', { max: '1', value: '0', 'aria-label': label });
  const percent = h('span', { class: 'transfer-percent' }, '0 %');
  const cancel = h('button', { type: 'button', class: 'secondary small' }, 'Cancel');
  const element = h('div', { class: 'transfer', role: 'group', 'aria-label': label }, h('span', { class: 'transfer-label' }, label), bar, percent, cancel);
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    ctx.rpc.call('cancelTransfer', { transfer: id }).catch(() => undefined);
  });
  const stop = ctx.rpc.onEvent((event) => {
    if (event.type !== 'transfer' || event.transfer !== id) return;
    const fraction = event.total === 0 ? 1 : event.done / event.total;
    bar.value = fraction;
    percent.textContent = `${Math.floor(fraction * 100)} %`;
  });
  return { element, id, done: () => { stop(); element.remove(); } };
}

/** The composer's "Attach file" button, its hidden file input and the uploads under way. */
export function attachControl(ctx: Ctx, roomId: string, report: (text: string) => void): { button: HTMLElement; input: HTMLInputElement; uploads: HTMLElement } {
  // Hidden: the button is what people and tests find; it opens the browser's file chooser.
  const input = h('input', { type: 'file', hidden: true, 'data-testid': 'attach-input' });
  const button = h('button', { type: 'button', class: 'secondary attach', 'aria-label': 'Attach file', title: 'Attach file' }, paperclip());
  const uploads = h('div', { class: 'uploads', 'aria-live': 'polite' });
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    for (const file of files) void upload(file);
  });
  const upload = async (file: File): Promise<void> => {
    const progress = transferProgress(ctx, `Uploading ${file.name}`);
    uploads.append(progress.element);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      // The type the browser guessed; the worker refuses anything that is not a plain media type.
      const mediaType = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(file.type) ? file.type : 'application/octet-stream';
      await ctx.rpc.call('attach', { roomId, transfer: progress.id, bytes, name: sendableName(file.name), mediaType }, [bytes.buffer]);
      ctx.announce(`${file.name} sent.`);
    } catch (failure) {
      report(`${file.name} not sent: ${errorText(failure)}`);
    } finally {
      progress.done();
    }
  };
  return { button, input, uploads };
}

/** A verified download handed to the browser as a file, never opened here. */
function saveFile(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function keepPreview(key: string, url: string): void {
  previews.set(key, url);
  while (previews.size > PREVIEW_CACHE) {
    const [oldest, oldUrl] = previews.entries().next().value as [string, string];
    previews.delete(oldest);
    URL.revokeObjectURL(oldUrl);
  }
}

/** A message's attachment: name, size, Download, and for a small raster image its preview. */
export function attachmentElement(ctx: Ctx, roomId: string, m: MessageView): HTMLElement | undefined {
  const info = m.attachment;
  if (info === undefined) return undefined;
  const status = h('p', { class: 'attachment-status', role: 'status' });
  const transfers = h('div', { class: 'attachment-transfers' });
  const download = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Download ${info.name}` }, 'Download');
  const preview = h('div', { class: 'attachment-preview' });
  const element = h('div', { class: 'attachment', 'data-name': info.name },
    h('p', { class: 'attachment-name' }, info.name, ' ',
      h('span', { class: 'hint' }, `(${formatSize(info.size)})`)),
    preview, download, transfers, status);
  if (m.pending || m.seq === undefined) {
    download.hidden = true;
    return element;
  }
  const fetchVerified = async (): Promise<{ bytes: Uint8Array; name: string } | undefined> => {
    const progress = transferProgress(ctx, `Downloading ${info.name}`);
    transfers.append(progress.element);
    status.textContent = '';
    try {
      return await ctx.rpc.call('fetchAttachment', { roomId, messageKey: m.key, transfer: progress.id });
    } catch (failure) {
      status.textContent = errorText(failure);
      status.classList.add('error');
      return undefined;
    } finally {
      progress.done();
    }
  };
  download.addEventListener('click', () => {
    download.disabled = true;
    void fetchVerified().then((file) => {
      download.disabled = false;
      if (file !== undefined) saveFile(file.bytes, file.name);
    });
  });
  const showImage = (url: string): void => {
    preview.replaceChildren(h('img', { src: url, alt: info.name, class: 'attachment-image' }));
  };
  if (INLINE_TYPES.has(info.mediaType) && info.size <= PREVIEW_MAX_BYTES) {
    const kept = previews.get(m.key);
    if (kept !== undefined) showImage(kept);
    else {
      void fetchVerified().then((file) => {
        if (file === undefined) return;
        const url = URL.createObjectURL(new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: info.mediaType }));
        keepPreview(m.key, url);
        showImage(url);
      });
    }
  }
  return element;
}
