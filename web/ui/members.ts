// The "Members" region: names, roles, fingerprints, and for the owner "Remove" (after a confirmation) / admin controls.
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

  return {
    element,
    update(members, myRole, active) {
      count.textContent = `${members.length} ${members.length === 1 ? 'person' : 'people'}`;
      const sorted = [...members].sort((a, b) => rank(a.role) - rank(b.role) || a.name.localeCompare(b.name));
      replaceChildren(list, ...sorted.map((m) => {
        const nameId = uid('member');
        const controls: HTMLElement[] = [];
        if (!m.me) {
          const verify = h('button', { type: 'button', class: 'secondary small', 'aria-describedby': nameId }, 'Verify');
          verify.addEventListener('click', () => verifyDialog(m, (verified) => ctx.rpc.call('setVerified', { roomId, member: m.sign, verified })));
          controls.push(verify);
        }
        const canRemove = active && !m.me && m.role !== 'owner' && (myRole === 'owner' || (myRole === 'admin' && m.role === 'member'));
        if (canRemove) {
          const remove = h('button', { type: 'button', class: 'danger small', 'aria-describedby': nameId }, 'Remove');
          remove.addEventListener('click', () => {
            void confirmDialog(`Remove ${m.name}?`, `${m.name} will stop receiving this room’s messages: the room gets a new key they do not have.`, 'Remove').then((yes) => {
              if (yes) act(remove, () => ctx.rpc.call('remove', { roomId, member: m.sign }), `${m.name} removed.`);
            });
          });
          controls.push(remove);
        }
        if (active && myRole === 'owner' && !m.me && m.role !== 'owner') {
          const promote = m.role === 'member';
          const role = h('button', { type: 'button', class: 'secondary small', 'aria-describedby': nameId }, promote ? 'Make admin' : 'Make member');
          role.addEventListener('click', () => act(role, () => ctx.rpc.call('setRole', { roomId, member: m.sign, role: promote ? 'admin' : 'member' }),
            `${m.name} is now ${promote ? 'an admin' : 'a member'}.`));
          controls.push(role);
        }
        return h('li', { class: 'member', 'data-member': m.sign },
          h('div', { class: 'member-main' },
            h('span', { id: nameId, class: 'member-name' }, m.name, m.me ? ' (you)' : ''),
            m.role === 'member' ? undefined : h('span', { class: `role role-${m.role}` }, ROLE_LABEL[m.role]),
            m.verified ? h('span', { class: 'verified', title: 'You compared safety numbers with this person' }, '✓ verified') : undefined,
          ),
          h('code', { class: 'fingerprint', title: 'Key fingerprint: compare it with this person out of band' }, m.fingerprint),
          controls.length > 0 ? h('div', { class: 'member-actions' }, ...controls) : undefined,
        );
      }));
    },
  };
}

function rank(role: Role): number {
  return role === 'owner' ? 0 : role === 'admin' ? 1 : 2;
}
