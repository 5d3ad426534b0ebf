// The binding checks every room-scoped request starts with: a session acts in a room only as the
// key it proved in `auth`, and only in the role it proved.
import { SottoError } from '../protocol/errors.js';
import type { AuthRole } from '../protocol/wire/frames.js';
import type { Binding } from './binding.js';
import type { Requester } from './context.js';

/** NOT_AUTHENTICATED unless the session is bound to the room in `role`. */
export function requireBinding(session: Requester, roomId: Uint8Array, role: AuthRole): Binding {
  const binding = session.binding(roomId);
  if (binding === undefined || binding.role !== role) throw new SottoError('NOT_AUTHENTICATED', `needs a ${role} binding for this room`);
  return binding;
}

/** As requireBinding, and the record's signer must be the bound key (SENDER_MISMATCH). */
export function requireBoundKey(session: Requester, roomId: Uint8Array, role: AuthRole, key: Uint8Array): Binding {
  const binding = requireBinding(session, roomId, role);
  if (!binding.isKey(key)) throw new SottoError('SENDER_MISMATCH', 'record key differs from the session binding');
  return binding;
}

/**
 * As requireBoundKey, except that on a relay restored from a backup any member may hand back a
 * record signed by another (`key`): the log event or rotation the backup missed, which the
 * handler verifies as it would its author's (§10.1). Everywhere else the signer must be the bound key.
 */
export function requireKeyOrRestore(session: Requester, roomId: Uint8Array, key: Uint8Array, restored: boolean): Binding {
  const binding = requireBinding(session, roomId, 'member');
  if (!restored && !binding.isKey(key)) throw new SottoError('SENDER_MISMATCH', 'record key differs from the session binding');
  return binding;
}
