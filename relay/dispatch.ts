// One decoded client frame to its handler, timed for the request latency histogram.
import { performance } from 'node:perf_hooks';
import type { ClientFrame } from '../protocol/wire/frames.js';
import type { RelayContext, Requester } from './context.js';
import { handleAuth } from './handlers/auth.js';
import { handleRotate } from './handlers/rotation.js';
import { handleGetInvite, handleRegisterInvite } from './handlers/invite.js';
import { handleJoinConfirm, handleJoinRequest } from './handlers/join.js';
import { handleAppendEvent } from './handlers/membership.js';
import { handleSends, type Send } from './handlers/message.js';
import { handleSync } from './handlers/history.js';
import { handleCreateRoom } from './handlers/room.js';
import { handlePing } from './handlers/ping.js';
import { handleCheckpoint } from './handlers/checkpoint.js';
import { handleAttachGet, handleAttachPut } from './handlers/attachment.js';
import { handleLinkListen, handleLinkPost, handleLinkUnlisten } from './handlers/link.js';
import { handleDrop } from './handlers/drop.js';

/** Every request but `send`, which always comes as a run (dispatchSends). */
export function dispatch(ctx: RelayContext, session: Requester, frame: Exclude<ClientFrame, Send>): Promise<void> {
  return timed(ctx, frame.type, 1, () => route(ctx, session, frame));
}

/** A run of one session's sends, stored in one transaction (handlers/message.ts). */
export function dispatchSends(ctx: RelayContext, session: Requester, frames: readonly Send[]): Promise<void> {
  return timed(ctx, 'send', frames.length, () => handleSends(ctx, session, frames));
}

async function timed(ctx: RelayContext, type: ClientFrame['type'], requests: number, handle: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await handle();
  } finally {
    const seconds = (performance.now() - started) / 1000;
    for (let i = 0; i < requests; i++) ctx.metrics.requestSeconds.observe({ type }, seconds);
  }
}

function route(ctx: RelayContext, session: Requester, frame: Exclude<ClientFrame, Send>): Promise<void> {
  switch (frame.type) {
    case 'auth': return handleAuth(ctx, session, frame);
    case 'createRoom': return handleCreateRoom(ctx, session, frame);
    case 'registerInvite': return handleRegisterInvite(ctx, session, frame);
    case 'getInvite': return handleGetInvite(ctx, session, frame);
    case 'joinRequest': return handleJoinRequest(ctx, session, frame);
    case 'joinConfirm': return handleJoinConfirm(ctx, session, frame);
    case 'appendEvent': return handleAppendEvent(ctx, session, frame);
    case 'rotate': return handleRotate(ctx, session, frame);
    case 'sync': return handleSync(ctx, session, frame);
    case 'ping': return handlePing(ctx, session, frame);
    case 'checkpoint': return handleCheckpoint(ctx, session, frame);
    case 'attachPut': return handleAttachPut(ctx, session, frame);
    case 'attachGet': return handleAttachGet(ctx, session, frame);
    case 'linkListen': return handleLinkListen(ctx, session, frame);
    case 'linkPost': return handleLinkPost(ctx, session, frame);
    case 'linkUnlisten': return handleLinkUnlisten(ctx, session, frame);
    case 'drop': return handleDrop(ctx, session, frame);
  }
}
