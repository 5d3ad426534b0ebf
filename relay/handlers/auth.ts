// auth: binds the session to (room, key, role). The signature covers this session's handshake hash,
// so a binding can neither be replayed on another connection nor claimed without the private key.
import { concat } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { verifyRecord } from '../../protocol/crypto/signing.js';
import { AUTH_ROLE, encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { decodeJoinRequest, decodeWelcome } from '../../protocol/wire/join.js';
import { Binding } from '../binding.js';
import type { RelayContext, Requester } from '../context.js';

type Auth = Extract<ClientFrame, { type: 'auth' }>;

export async function handleAuth(ctx: RelayContext, session: Requester, f: Auth): Promise<void> {
  const signed = concat(session.handshakeHash, f.roomId, Uint8Array.of(AUTH_ROLE[f.role]), f.publicKey);
  await verifyRecord(ctx.suite, f.publicKey, 'sigSession', signed, f.signature, 'session binding');
  let issuer = false;
  if (f.role === 'member') {
    // An unknown room answers NOT_MEMBER too: a session learns nothing about rooms it is not in.
    const member = await ctx.store.getMember(f.roomId, f.publicKey);
    if (member === undefined) throw new SottoError('NOT_MEMBER');
    issuer = member.role === 'owner' || member.role === 'admin';
  } else {
    // Once added (the welcome came with the add) the joiner binds as the member it now is.
    const join = await ctx.store.getJoin(f.roomId, f.publicKey);
    if (join === undefined || join.welcome !== undefined) throw new SottoError('JOIN_NOT_FOUND');
  }
  const previous = session.binding(f.roomId);
  // Binding.of keeps a copy: the decoded key is a view into the whole opened message (up to 64 KiB
  // of frames), which the binding would otherwise keep alive for as long as the connection lasts.
  session.bind(f.roomId, Binding.of(f.publicKey, f.role));
  // Bound, and this process subscribed to the room (with several processes, a push published
  // elsewhere before it hears the room would be missed), before pending work is read: whatever is
  // stored after the read reaches this binding as a push, whatever before is in the read. Read
  // first, a welcome stored in between went nowhere and the join hung. Work stored in between may
  // come both ways; clients answer a repeated push as they answered the first.
  let pending: Uint8Array[];
  try {
    await ctx.bus.ready(f.roomId);
    pending = await pendingWork(ctx, session, f, issuer);
  } catch (error) {
    // Refused, so bound as before: nothing of a failed auth stays.
    if (previous === undefined) session.unbind(f.roomId);
    else session.bind(f.roomId, previous);
    throw error;
  }
  // Pending work is pushed after the ok, so the client knows which binding it belongs to. A member
  // learns the room's restore seq here, before any push of the room reaches it (§10.1).
  const restoredSeq = f.role === 'member' ? ctx.restorePoints.get(f.roomId)?.seq ?? 0 : 0;
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: restoredSeq }));
  for (const frame of pending) session.send(frame);
}

/**
 * What waits for this key: as an issuer, the requests it has not yet answered with an add; as a
 * newly added member, its welcome until it confirms it. A joiner whose add committed while it was
 * authenticating missed the promotion (it was not bound yet): it is bound as the member it now is
 * and handed its welcome, and syncs the event and rotation it missed.
 */
async function pendingWork(ctx: RelayContext, session: Requester, f: Auth, issuer: boolean): Promise<Uint8Array[]> {
  const pending: Uint8Array[] = [];
  if (issuer) {
    for (const join of await ctx.store.pendingJoinsForIssuer(f.roomId, f.publicKey)) {
      if (join.welcome === undefined) {
        pending.push(encodeRelayFrame({ type: 'joinPending', roomId: f.roomId, request: decodeJoinRequest(join.request) }));
      }
    }
  }
  const own = await ctx.store.getJoin(f.roomId, f.publicKey);
  if (own?.welcome !== undefined && own.confirm === undefined) {
    if (f.role === 'joiner') session.bind(f.roomId, Binding.of(f.publicKey, 'member'));
    pending.push(encodeRelayFrame({ type: 'welcomeReady', roomId: f.roomId, welcome: decodeWelcome(own.welcome) }));
  }
  return pending;
}
