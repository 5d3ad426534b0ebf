// "Link a new device", on a device already in use (docs/protocol.md §8.7.1): the new device's link,
// pasted (or its QR code scanned where the browser can), the rooms to add it to (all by default),
// the code to compare, then each room's device add and its history going over the link.
import type { ViewEvent } from '../worker/rpc.js';
import { field, h, uid } from './dom.js';
import { dropLink, linkSteps, otherLinkRefusal } from './link-steps.js';
import { canScan, scanQr } from './qr-scan.js';
import { errorText, type Ctx, type View } from './view.js';

export function linkExistingView(ctx: Ctx, payload: string | undefined): View {
  const title = h('h1', { id: 'link-existing-title', tabindex: '-1' }, 'Link a new device');
  const link = h('input', { type: 'text', name: 'device-link', autocomplete: 'off', spellcheck: 'false', class: 'mono' });
  if (payload !== undefined) link.value = `${location.origin}/#/link/${payload}`;
  const rooms = ctx.rooms().filter((r) => r.state === 'active');
  const roomsId = uid('link-rooms');
  const boxes = rooms.map((r) => {
    const box = h('input', { type: 'checkbox', value: r.id, checked: true });
    return { room: r, box, label: h('label', { class: 'check' }, box, ` ${r.name}`) };
  });
  const start = h('button', { type: 'submit', class: 'primary' }, 'Continue');
  const formError = h('p', { role: 'alert', class: 'error' });
  const video = h('video', { class: 'qr-video', hidden: true, muted: true, playsinline: true, 'aria-label': 'Camera' });
  const scan = h('button', { type: 'button', class: 'secondary', hidden: !canScan() }, 'Scan QR code');
  const form = h('form', { class: 'stack', novalidate: true },
    h('p', {}, 'On the new device, open Sotto and choose “Link to an existing device”. It shows a QR code and a link: paste the link here, or scan the code.'),
    field('Device link', link),
    h('div', { class: 'actions' }, scan),
    video,
    rooms.length === 0 ? h('p', { class: 'hint' }, 'You are in no room yet: there is nothing to link.')
      : h('fieldset', { class: 'stack', 'aria-describedby': roomsId },
        h('legend', {}, 'Rooms to add the new device to'),
        h('p', { id: roomsId, class: 'hint' }, 'The new device joins them as your device, with the history this device holds. Everyone in them sees “added a device”.'),
        ...boxes.map((b) => b.label)),
    h('div', { class: 'actions' }, start),
    formError);
  const steps = linkSteps(ctx, {
    historyVerb: 'Sending',
    doneText: 'The new device is linked.',
    confirm: async () => {
      confirmed = true;
      await ctx.rpc.call('confirmLink', {});
    },
    onEnd: () => undefined,
  });
  // Shown once the link is answered: before that there is no code to compare nor link to cancel.
  steps.element.hidden = true;
  // The other link cancelled, this one starts when the person presses Continue again.
  const refusal = otherLinkRefusal(ctx, () => start.focus());
  const element = h('section', { class: 'card link-device', 'aria-labelledby': 'link-existing-title' },
    h('a', { href: '#/settings', class: 'back' }, '← Settings'),
    title, form, refusal.element, steps.element);

  // Our link, once answered: until then neither its events nor a Cancel are ours.
  let started = false;
  let confirmed = false;
  let left = false;
  let scanning: AbortController | undefined;
  const stopScan = (): void => {
    scanning?.abort();
    scanning = undefined;
    video.hidden = true;
    scan.textContent = 'Scan QR code';
  };
  scan.addEventListener('click', () => {
    if (scanning !== undefined) {
      stopScan();
      return;
    }
    scanning = new AbortController();
    video.hidden = false;
    scan.textContent = 'Stop scanning';
    scanQr(video, scanning.signal).then((text) => {
      if (text !== undefined) link.value = text;
      stopScan();
    }, (failure: unknown) => {
      stopScan();
      formError.textContent = `The camera is not available (${errorText(failure)}). Paste the link instead.`;
    });
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = boxes.filter((b) => b.box.checked);
    if (link.value.trim() === '') {
      formError.textContent = 'Paste the link the new device shows.';
      return;
    }
    if (chosen.length === 0) {
      formError.textContent = 'Choose at least one room.';
      return;
    }
    stopScan();
    start.disabled = true;
    formError.textContent = '';
    ctx.rpc.call('linkNewDevice', { link: link.value.trim(), roomIds: chosen.map((b) => b.room.id) }).then(({ code }) => {
      // Answered after the person left this screen: nobody can compare its code, so it ends here.
      if (left) return dropLink(ctx);
      started = true;
      form.hidden = true;
      steps.element.hidden = false;
      steps.showCode(code, `The new device will be added to ${chosen.map((b) => b.room.name).join(', ')}.`);
    }, (failure: unknown) => {
      start.disabled = false;
      if (!refusal.show(failure)) formError.textContent = errorText(failure);
    });
  });

  return {
    element,
    focus: title,
    onEvent(event: ViewEvent) {
      if (event.type === 'link' && started) steps.update(event.link);
    },
    dispose() {
      stopScan();
      // Leaving before confirming the code ends the link; once confirmed, it finishes in the worker.
      left = true;
      if (started && !confirmed && steps.running) dropLink(ctx);
    },
  };
}
