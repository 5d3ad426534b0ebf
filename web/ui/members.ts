// The "Members" region: one entry per person, their devices under them each with its fingerprint
// (docs/protocol.md §8.7), and for the owner "Remove" (after a confirmation; a person goes with all
// their devices) / admin controls.
import type { MemberView, Role } from '../worker/rpc.js';
import { h, replaceChildren, uid } from './dom.js';
import { errorText, type Ctx } from './view.js';
import { confirmDialog } from './confirm-dialog.js';
import { verifyDialog } from './verify-dialog.js';

export interface MembersPanel {
  readonly element: HTMLElement;
  update(members: readonly MemberView[], myRole: Role | undefined, active: boolean): void;
}

const ROLE_LABEL: Record<Role, string> = { owner: 'owner', admin: 'admin', member: 'member' };

export function membersPanel(ctx: Ctx, roomId: string): MembersPanel {
  const titleId = uid('members');
  const count = h('span', { class: 'count' });
  const list = h('ul', { class: 'member-list' });
  const error = h('p', { role: 'alert', class: 'error' });
  const element = h('section', { class: 'members', 'aria-labelledby': titleId },
    h('h3', { id: titleId }, 'Members'),
    count,
    list,
    error,
  );

  const act = (button: HTMLButtonElement, run: () => Promise<void>, done: string): void => {
    button.disabled = true;
    error.textContent = '';
    run().then(
      () => ctx.announce(done),
      (failure: unknown) => {
        button.disabled = false;
        error.textContent = errorText(failure);
      },
    );
  };

  const verifyButton = (m: MemberView, describedBy: string): HTMLButtonElement => {
    const verify = h('button', { type: 'button', class: 'secondary small', 'aria-describedby': describedBy }, 'Verify');
    verify.addEventListener('click', () => verifyDialog(m, (verified) => ctx.rpc.call('setVerified', { roomId, member: m.sign, verified })));
    return verify;
  };

  /** A person's devices, each with its own fingerprint (and Verify: each device has its own key). */
  const deviceList = (devices: readonly MemberView[]): HTMLElement => h('ul', { class: 'device-list', 'aria-label': 'Devices' },
    ...devices.map((d) => {
      const id = uid('device');
      return h('li', { class: 'device', 'data-device': d.sign },
        h('span', { id }, d.me ? 'This device' : 'Device'),
        ' ',
        h('code', { class: 'fingerprint', title: 'Key fingerprint of this device' }, d.fingerprint),
        d.verified ? h('span', { class: 'verified' }, ' ✓ verified') : undefined,
        d.ownPerson ? undefined : verifyButton(d, id));
    }));

  return {
    element,
    update(members, myRole, active) {
      const persons = new Map<number, MemberView[]>();
      for (const m of members) persons.set(m.person, [...(persons.get(m.person) ?? []), m]);
      count.textContent = `${persons.size} ${persons.size === 1 ? 'person' : 'people'}`;
      const sorted = [...persons.values()].sort((a, b) => rank(a[0]!.role) - rank(b[0]!.role) || a[0]!.personName.localeCompare(b[0]!.personName));
      replaceChildren(list, ...sorted.map((devices) => {
        // A role belongs to the person; the owner's other devices are admins (ADR 0010), so the
        // person shows their highest.
        const role = devices.map((d) => d.role).sort((a, b) => rank(a) - rank(b))[0]!;
        const m = devices[0]!;
        const mine = m.ownPerson;
        const name = m.personName;
        const several = devices.length > 1;
        const nameId = uid('member');
        const controls: HTMLElement[] = [];
        if (!mine && !several) controls.push(verifyButton(m, nameId));
        const canRemove = active && !mine && role !== 'owner' && (myRole === 'owner' || (myRole === 'admin' && role === 'member'));
        if (canRemove) {
          const remove = h('button', { type: 'button', class: 'danger small', 'aria-describedby': nameId }, 'Remove');
          const whom = several ? `${name} (${devices.length} devices)` : name;
          remove.addEventListener('click', () => {
            void confirmDialog(`Remove ${whom}?`,
              `${name} will stop receiving this room’s messages${several ? ' on every one of their devices' : ''}: the room gets a new key they do not have.`, 'Remove').then((yes) => {
              if (yes) act(remove, () => ctx.rpc.call('remove', { roomId, member: m.sign }), `${name} removed.`);
            });
          });
          controls.push(remove);
        }
        if (active && myRole === 'owner' && !mine && role !== 'owner') {
          const promote = role === 'member';
          const button = h('button', { type: 'button', class: 'secondary small', 'aria-describedby': nameId }, promote ? 'Make admin' : 'Make member');
          button.addEventListener('click', () => act(button, () => ctx.rpc.call('setRole', { roomId, member: m.sign, role: promote ? 'admin' : 'member' }),
            `${name} is now ${promote ? 'an admin' : 'a member'}.`));
          controls.push(button);
        }
        return h('li', { class: 'member', 'data-member': m.sign, 'data-person': m.person },
          h('div', { class: 'member-main' },
            h('span', { id: nameId, class: 'member-name' }, name, mine ? ' (you)' : ''),
            role === 'member' ? undefined : h('span', { class: `role role-${role}` }, ROLE_LABEL[role]),
            several ? h('span', { class: 'device-count' }, `${devices.length} devices`) : undefined,
            !several && m.verified ? h('span', { class: 'verified', title: 'You compared safety numbers with this person' }, '✓ verified') : undefined,
          ),
          several ? deviceList(devices)
            : h('code', { class: 'fingerprint', title: 'Key fingerprint: compare it with this person out of band' }, m.fingerprint),
          controls.length > 0 ? h('div', { class: 'member-actions' }, ...controls) : undefined,
        );
      }));
    },
  };
}

function rank(role: Role): number {
  return role === 'owner' ? 0 : role === 'admin' ? 1 : 2;
}
