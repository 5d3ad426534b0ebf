// auth: binds the session to (room, key, role). The signature covers this session's handshake hash,
// so a binding can neither be replayed on another connection nor claimed without the private key.
import { concat } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { verifyRecord } from '../../protocol/crypto/signing.js';
import { AUTH_ROLE, encodeRelayFrame, type ClientFrame } from '../../protocol/wire/frames.js';
import { decodeJoinConfirm, decodeJoinRequest, decodeWelcome } from '../../protocol/wire/join.js';
import type { RelayContext, Requester } from '../context.js';

type Auth = Extract<ClientFrame, { type: 'auth' }>;

export async function handleAuth(ctx: RelayContext, session: Requester, f: Auth): Promise<void> {
  const signed = concat(session.handshakeHash, f.roomId, Uint8Array.of(AUTH_ROLE[f.role]), f.publicKey);
  await verifyRecord(ctx.suite, f.publicKey, 'sigSession', signed, f.signature, 'session binding');
  // Pending work is pushed after the ok, so the client knows which binding it belongs to.
  const pending: Uint8Array[] = [];
  if (f.role === 'member') {
    // An unknown room answers NOT_MEMBER too: a session learns nothing about rooms it is not in.
    const member = await ctx.store.getMember(f.roomId, f.publicKey);
    if (member === undefined) throw new SottoError('NOT_MEMBER');
    if (member.role === 'owner' || member.role === 'admin') {
      // Each join is pushed for the issuer's next step only: answer a request, or admit a confirmed joiner.
      for (const join of await ctx.store.pendingJoinsForIssuer(f.roomId, f.publicKey)) {
        if (join.confirm !== undefined) {
          pending.push(encodeRelayFrame({ type: 'joinConfirmed', roomId: f.roomId, confirm: decodeJoinConfirm(join.confirm) }));
        } else if (join.welcome === undefined) {
          pending.push(encodeRelayFrame({ type: 'joinPending', roomId: f.roomId, request: decodeJoinRequest(join.request) }));
        }
      }
    }
  } else {
    const join = await ctx.store.getJoin(f.roomId, f.publicKey);
    if (join === undefined) throw new SottoError('JOIN_NOT_FOUND');
    if (join.welcome !== undefined) {
      pending.push(encodeRelayFrame({ type: 'welcomeReady', roomId: f.roomId, welcome: decodeWelcome(join.welcome) }));
    }
  }
  // A copy: the decoded key is a view into the whole opened message (up to 64 KiB of frames), which
  // the binding would otherwise keep alive for as long as the connection lasts. Not slice(): on the
  // Buffer node:crypto decrypts into, slice() is another view.
  session.bind(f.roomId, { sign: new Uint8Array(f.publicKey), role: f.role });
  // With several relay processes, a push published elsewhere before this process hears the room
  // would be missed; the client syncs after the ok, so the ok waits until nothing can be.
  await ctx.bus.ready(f.roomId);
  session.send(encodeRelayFrame({ type: 'ok', rid: f.rid, value: 0 }));
  for (const frame of pending) session.send(frame);
}
