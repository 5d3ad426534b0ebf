// What both screens of a device link share (docs/protocol.md §8.7.1): the 6-digit code to compare
// with "Codes match" and "Cancel", then the progress (rooms added, history moved, with a bar), and
// the end — linked, or why not, in words. Each screen (link-new.ts, link-existing.ts) says what its
// own device does around it.
import type { LinkProgress } from '../worker/rpc.js';
import { h, uid } from './dom.js';
import { errorText, type Ctx } from './view.js';
import { RpcFailure } from './worker-client.js';

export interface LinkSteps {
  readonly element: HTMLElement;
  /** The code to compare, with what the link covers; "Codes match" runs `confirm`. */
  showCode(code: string, covers: string): void;
  /** A `link` event from the worker. */
  update(progress: LinkProgress): void;
  /** A failure of this device's own call. */
  fail(text: string): void;
  /** Whether the link is still going (neither done nor failed). */
  readonly running: boolean;
}

const NUMBER = new Intl.NumberFormat();

/** "123 456": the two halves are easier to read out and compare. */
function spaced(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

export function linkSteps(ctx: Ctx, options: { historyVerb: string; doneText: string; confirm: () => Promise<void>; onEnd: () => void }): LinkSteps {
  const codeTitle = uid('link-code');
  const code = h('p', { class: 'link-code', 'aria-describedby': codeTitle });
  const covers = h('p', {});
  const match = h('button', { type: 'button', class: 'primary' }, 'Codes match');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const codeBox = h('div', { class: 'stack', hidden: true },
    h('h2', { id: codeTitle }, 'Compare this code'),
    code,
    h('p', { class: 'hint' }, 'Your other device shows a code too. Press “Codes match” only if both show the same six digits; if they differ, someone else answered the link: press Cancel.'),
    covers);
  const status = h('p', { class: 'link-status', 'aria-live': 'polite' });
  const doneNote = h('p', { class: 'link-done', 'aria-live': 'polite' });
  const bar = h('progress', { class: 'link-progress', 'aria-label': 'History moved', max: 1, value: 0, hidden: true });
  const error = h('p', { role: 'alert', class: 'error' });
  const finish = h('button', { type: 'button', class: 'primary', hidden: true }, 'Open rooms');
  const actions = h('div', { class: 'actions' }, match, cancel, finish);
  match.hidden = true;
  const element = h('div', { class: 'stack link-steps' }, codeBox, status, bar, doneNote, error, actions);
  let running = true;

  const end = (label: string): void => {
    running = false;
    finish.textContent = label;
    match.hidden = true;
    cancel.hidden = true;
    finish.hidden = false;
    options.onEnd();
  };
  match.addEventListener('click', () => {
    match.disabled = true;
    status.textContent = 'Confirmed here. Waiting for the other device…';
    options.confirm().then(() => {
      match.hidden = true;
    }, (failure: unknown) => {
      match.disabled = false;
      error.textContent = errorText(failure);
    });
  });
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    ctx.rpc.call('cancelLink', {}).then(() => undefined, (failure: unknown) => {
      cancel.disabled = false;
      error.textContent = errorText(failure);
    });
  });
  finish.addEventListener('click', () => ctx.go({ name: 'home' }));

  return {
    element,
    get running() {
      return running;
    },
    showCode(text, what) {
      code.textContent = spaced(text);
      code.setAttribute('data-code', text);
      covers.textContent = what;
      codeBox.hidden = false;
      match.hidden = false;
      match.focus();
    },
    update(progress) {
      switch (progress.state) {
        case 'offer':
          return;
        case 'adding':
          status.textContent = `Adding the device to your rooms… ${NUMBER.format(progress.done ?? 0)} / ${NUMBER.format(progress.total ?? 0)}`;
          match.hidden = true;
          return;
        case 'history': {
          const total = progress.total ?? 0;
          const done = Math.min(progress.done ?? 0, total);
          match.hidden = true;
          status.textContent = `${options.historyVerb} history… ${NUMBER.format(done)} / ${NUMBER.format(total)}`;
          bar.hidden = false;
          bar.max = Math.max(total, 1);
          bar.value = done;
          return;
        }
        case 'done':
          // The last progress line stays: how much history moved.
          if (!bar.hidden) bar.value = bar.max;
          doneNote.textContent = options.doneText;
          end('Open rooms');
          return;
        case 'failed':
          status.textContent = '';
          error.textContent = progress.error?.message ?? 'The link failed.';
          end('Back to rooms');
          return;
      }
    },
    fail(text) {
      error.textContent = text;
      end('Back to rooms');
    },
  };
}

/** Ends this device's link when its screen was left: nobody is there to read how it ends. */
export function dropLink(ctx: Ctx): void {
  void ctx.rpc.call('cancelLink', {}).catch(() => undefined);
}

export interface OtherLinkRefusal {
  readonly element: HTMLElement;
  /** Shows a failure to start if it is the refusal of a second link (LINK_OPEN); false for any other. */
  show(failure: unknown): boolean;
}

/**
 * A link is already going on this device (link-guard.ts): the worker's refusal in words, and
 * **Cancel the other link**, which stops that one (telling its other device), then `after`.
 */
export function otherLinkRefusal(ctx: Ctx, after: () => void): OtherLinkRefusal {
  const text = h('p', { role: 'alert', class: 'error' });
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel the other link');
  const element = h('div', { class: 'stack', hidden: true }, text, h('div', { class: 'actions' }, cancel));
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    ctx.rpc.call('cancelLink', {}).then(() => {
      element.hidden = true;
      ctx.announce('The other link was cancelled.');
      after();
    }, (failure: unknown) => {
      text.textContent = errorText(failure);
    }).finally(() => {
      cancel.disabled = false;
    });
  });
  return {
    element,
    show(failure) {
      if (!(failure instanceof RpcFailure) || failure.code !== 'LINK_OPEN') return false;
      text.textContent = failure.message;
      element.hidden = false;
      cancel.focus();
      return true;
    },
  };
}
