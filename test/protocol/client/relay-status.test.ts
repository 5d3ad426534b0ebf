// The connection status a UI shows, as RelayChannel derives it: a relay that cannot reach its
// storage (STORE_UNAVAILABLE) is 'degraded', one that said on this connection it cannot reach its
// other processes (busStatus, V-160) is 'partial', and a new connection forgets what the last one
// was told. A relay fake of one connection answers the requests; no socket is involved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientContext } from '../../../protocol/client/client-context.js';
import type { ConnectionStatus } from '../../../protocol/client/client-events.js';
import type { Connection } from '../../../protocol/client/connection.js';
import { RelayChannel } from '../../../protocol/client/relay-channel.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { ERRORS } from '../../../protocol/errors.js';
import { nodePrimitives } from '../../../protocol/platform/node-noise-primitives.js';
import type { ClientFrame } from '../../../protocol/wire/frames.js';

/** A channel on one fake connection, with every status it emitted. */
function channel(): { channel: RelayChannel; conn: Connection; sent: ClientFrame[]; statuses: ConnectionStatus[] } {
  const statuses: ConnectionStatus[] = [];
  const ctx = new ClientContext({
    suite: nobleSuite,
    primitives: nodePrimitives,
    connect: () => Promise.reject(new Error('not used')),
    onEvent: (event) => {
      if (event.type === 'status') statuses.push(event.status);
    },
  });
  const sent: ClientFrame[] = [];
  const conn: Connection = { handshakeHash: new Uint8Array(32), send: (frames) => sent.push(...frames), close: () => undefined };
  const result = new RelayChannel(ctx);
  result.attach(conn);
  return { channel: result, conn, sent, statuses };
}

/** Sends a ping on `conn` and has the relay answer it with `code` (0: pong). */
async function ask(c: ReturnType<typeof channel>, code: number): Promise<void> {
  const answered = c.channel.requestOn(c.conn, (rid) => ({ type: 'ping', rid })).then(() => undefined, () => undefined);
  await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
  const frame = c.sent[c.sent.length - 1]!;
  assert.is(frame.type, 'ping');
  await c.channel.answer(code === 0 ? { type: 'pong', rid: frame.rid } : { type: 'error', rid: frame.rid, code, text: '' });
  await answered;
}

test('V-160: busStatus turns online to partial and back; a relay told it first shows partial once bound', () => {
  const c = channel();
  c.channel.bound();
  c.channel.busStatus(false);
  c.channel.busStatus(false);
  c.channel.busStatus(true);
  assert.equal(c.statuses, ['online', 'partial', 'online']);
  const early = channel();
  early.channel.setStatus('connecting');
  early.channel.busStatus(false);
  assert.is(early.channel.status, 'connecting', 'not bound yet: no status of its own');
  early.channel.bound();
  assert.is(early.channel.status, 'partial');
});

test('V-160: the storage away outranks partial, and partial comes back with the storage while the bus is still away', async () => {
  const c = channel();
  c.channel.bound();
  c.channel.busStatus(false);
  await ask(c, ERRORS.STORE_UNAVAILABLE.code);
  assert.is(c.channel.status, 'degraded');
  await ask(c, 0);
  assert.is(c.channel.status, 'partial');
  c.channel.busStatus(true);
  assert.equal(c.statuses, ['online', 'partial', 'degraded', 'partial', 'online']);
});

test('V-160: what a connection was told ends with it: the next one starts online', () => {
  const c = channel();
  c.channel.bound();
  c.channel.busStatus(false);
  c.channel.detach();
  c.channel.setStatus('offline');
  c.channel.attach(c.conn);
  c.channel.bound();
  assert.equal(c.statuses, ['online', 'partial', 'offline', 'online']);
});

test.run();
