// Settings → Devices: link a new device or link this one to another, and "Your devices": in each
// room, the devices of your own person (docs/protocol.md §8.7), each by its key fingerprint, with
// "Remove device" for the others — the way to shut out a lost device (a new epoch it cannot read).
// A device has its own keys in every room, so it is listed room by room.
import type { MemberView, RoomView } from '../worker/rpc.js';
import { h, replaceChildren, uid } from './dom.js';
import { confirmDialog } from './confirm-dialog.js';
import { errorText, type Ctx } from './view.js';

export interface DevicesSettings {
  readonly elements: HTMLElement[];
  /** Re-reads the devices (after a member change). */
  refresh(): void;
}

export function devicesSettings(ctx: Ctx): DevicesSettings {
  const linkNew = h('button', { type: 'button', class: 'primary' }, 'Link a new device');
  const linkThis = h('button', { type: 'button', class: 'secondary' }, 'Link to an existing device');
  linkNew.addEventListener('click', () => ctx.go({ name: 'link-device', payload: undefined }));
  linkThis.addEventListener('click', () => ctx.go({ name: 'link' }));
  const listTitle = uid('your-devices');
  const list = h('div', { class: 'stack' });
  const error = h('p', { role: 'alert', class: 'error' });

  const remove = (room: RoomView, device: MemberView, button: HTMLButtonElement): void => {
    void confirmDialog(`Remove device ${device.fingerprint.split(' ').slice(0, 2).join(' ')} from ${room.name}?`,
      'It stops receiving this room’s messages: the room gets a new key that device does not have. Remove it in each room it is in.', 'Remove device').then((yes) => {
      if (!yes) return;
      button.disabled = true;
      error.textContent = '';
      ctx.rpc.call('remove', { roomId: room.id, member: device.sign }).then(() => {
        ctx.announce('Device removed.');
        refresh();
      }, (failure: unknown) => {
        button.disabled = false;
        error.textContent = errorText(failure);
      });
    });
  };

  const roomDevices = (room: RoomView, devices: readonly MemberView[]): HTMLElement => {
    const titleId = uid('devices-room');
    return h('section', { class: 'devices-room', 'aria-labelledby': titleId },
      h('h4', { id: titleId }, room.name),
      h('ul', { class: 'device-list' }, ...devices.map((d) => {
        const label = uid('device');
        const button = d.me ? undefined : h('button', { type: 'button', class: 'danger small', 'aria-describedby': label }, 'Remove device');
        button?.addEventListener('click', () => remove(room, d, button));
        return h('li', { class: 'device', 'data-device': d.sign },
          h('span', { id: label }, d.me ? 'This device' : 'Another device', ' ', h('code', { class: 'fingerprint' }, d.fingerprint)),
          button);
      })));
  };

  function refresh(): void {
    const rooms = ctx.rooms().filter((r) => r.state === 'active');
    Promise.all(rooms.map(async (room) => ({ room, devices: (await ctx.rpc.call('members', { roomId: room.id })).filter((m) => m.ownPerson) }))).then((all) => {
      const linked = all.filter((r) => r.devices.length > 1);
      replaceChildren(list, ...(linked.length === 0
        ? [h('p', { class: 'hint' }, rooms.length === 0 ? 'You are in no room yet.' : 'Only this device is in your rooms.')]
        : linked.map((r) => roomDevices(r.room, r.devices))));
    }, (failure: unknown) => {
      error.textContent = errorText(failure);
    });
  }
  refresh();

  return {
    elements: [
      h('h2', {}, 'Devices'),
      h('p', { class: 'hint' }, 'Use Sotto on another browser or phone too: each device has its own keys, and your rooms see it as yours.'),
      h('div', { class: 'actions' }, linkNew, linkThis),
      h('h3', { id: listTitle }, 'Your devices'),
      h('div', { 'aria-labelledby': listTitle, role: 'group' }, list),
      error,
    ],
    refresh,
  };
}
