// "Link to an existing device", on the new browser (docs/protocol.md §8.7.1): a one-time link and
// its QR code for the other device, then the code to compare, then the rooms and their history
// arriving. The link's key is in the URL fragment, which browsers never send to a server; the worker
// keeps its private half in memory, so the link works once, from this screen.
import type { LinkProgress, ViewEvent } from '../worker/rpc.js';
import { field, h, replaceChildren } from './dom.js';
import { dropLink, linkSteps, otherLinkRefusal } from './link-steps.js';
import { qrSvg } from './qr.js';
import { errorText, type Ctx, type View } from './view.js';

export function linkNewView(ctx: Ctx): View {
  const title = h('h1', { id: 'link-new-title', tabindex: '-1' }, 'Link to an existing device');
  const link = h('input', { type: 'text', readonly: true, class: 'mono', spellcheck: 'false' });
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy link');
  const copied = h('span', { class: 'hint', 'aria-live': 'polite' });
  const qr = h('div', { class: 'qr-box' });
  const waiting = h('p', { class: 'hint' }, 'Making a one-time link…');
  const show = h('div', { class: 'stack' },
    h('p', {}, 'On a device where you already use Sotto, open Settings and choose “Link a new device”. Scan this QR code there, or copy the link and paste it there.'),
    qr,
    field('Link for your other device', link, 'It works once, for a few minutes, and only from this screen. Send it only to yourself.'),
    h('div', { class: 'actions' }, copy, copied),
    waiting);
  const memoryNote = ctx.keystore() === 'ephemeral'
    ? h('p', { class: 'warning-note' }, 'This tab keeps its keys in memory only: the linked device and its rooms vanish when you close or reload it. Your other device keeps working; remove this one there afterwards.')
    : undefined;
  let taken = false;
  const steps = linkSteps(ctx, {
    historyVerb: 'Receiving',
    doneText: 'This device is linked: your rooms and their history are here.',
    confirm: async () => {
      taken = true;
      await ctx.rpc.call('acceptLink', {});
    },
    onEnd: () => {
      show.hidden = true;
      void ctx.refreshRooms();
    },
  });
  // Our link, once the worker started it: until then neither its events nor a Cancel are ours.
  let started = false;
  let left = false;
  // Refused while another link is going: only the refusal shows, not this link's parts nor its Cancel.
  const refused = (yes: boolean): void => {
    show.hidden = yes;
    steps.element.hidden = yes;
  };
  const begin = (): void => {
    refused(false);
    waiting.textContent = 'Making a one-time link…';
    ctx.rpc.call('linkAsNew', {}).then(({ payload }) => {
      // Made after the person left this screen: nobody can see it, so it ends here.
      if (left) return dropLink(ctx);
      started = true;
      const url = `${location.origin}/#/link/${payload}`;
      link.value = url;
      replaceChildren(qr, qrSvg(url, 'QR code of the link for your other device'));
      waiting.textContent = 'Waiting for your other device…';
    }, (failure: unknown) => {
      waiting.textContent = '';
      if (refusal.show(failure)) refused(true);
      else steps.fail(`Could not start a link: ${errorText(failure)}`);
    });
  };
  const refusal = otherLinkRefusal(ctx, begin);
  const element = h('section', { class: 'card link-device', 'aria-labelledby': 'link-new-title' },
    h('a', { href: '#/settings', class: 'back' }, '← Settings'),
    title, memoryNote, refusal.element, show, steps.element);
  begin();

  copy.addEventListener('click', () => {
    link.select();
    navigator.clipboard?.writeText(link.value).then(() => {
      copied.textContent = 'Copied.';
    }, () => {
      copied.textContent = 'Select the link and copy it.';
    });
  });

  const onLink = (progress: LinkProgress): void => {
    if (progress.state === 'offer' && progress.code !== undefined) {
      show.hidden = true;
      const names = (progress.rooms ?? []).map((r) => r.name);
      steps.showCode(progress.code, `Your other device offers ${names.length === 1 ? 'one room' : `${names.length} rooms`}: ${names.join(', ')}. Their history comes along.`);
      return;
    }
    steps.update(progress);
  };

  return {
    element,
    focus: title,
    onEvent(event: ViewEvent) {
      if (event.type === 'link' && started) onLink(event.link);
    },
    dispose() {
      // Leaving before the rooms were taken ends the link: its key was for this screen only.
      left = true;
      if (started && steps.running && !taken) dropLink(ctx);
    },
  };
}
