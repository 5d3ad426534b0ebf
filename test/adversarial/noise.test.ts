// Hostile input at the Noise layer: before, during and after the handshake. Every case ends in a
// close (1002 for bytes that fail, 1008 for silence) and the relay keeps serving everyone else.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type WebSocket from 'ws';
import { randomBytes } from '../../protocol/crypto/random.js';
import { NkInitiator, noblePrimitives, SOTTO_NOISE_PROLOGUE } from '../../protocol/noise/index.js';
import { encodeClientFrame } from '../../protocol/wire/frames.js';
import { openSocket, RawClient, whenClosed, type Closed } from '../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from './harness.js';

const EMPTY = new Uint8Array(0);
const HANDSHAKE_TIMEOUT_MS = 300;
let target: TestRelay;

test.before(async () => {
  target = await startTestRelay({ handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS });
});

test.after(async () => {
  await target.close();
});

function message1(relayKey = target.relay.publicKey): Uint8Array {
  return new NkInitiator(noblePrimitives, relayKey, SOTTO_NOISE_PROLOGUE).writeMessage1(EMPTY);
}

/** Opens a socket, sends `messages` in turn, and resolves with how it closed and what came back. */
async function sendAndClose(messages: readonly Uint8Array[]): Promise<Closed & { replies: number }> {
  const ws = await openSocket(target.wsUrl);
  let replies = 0;
  ws.on('message', () => replies++);
  const closed = whenClosed(ws);
  for (const message of messages) ws.send(message);
  return { ...(await closed), replies };
}

async function stillServes(): Promise<void> {
  const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  assert.is((await client.request({ type: 'ping', rid: client.nextRid() })).type, 'pong');
  await client.close();
}

/** A completed handshake on a raw socket, with the message 1 that opened it. */
async function handshake(): Promise<{ ws: WebSocket; sent: Uint8Array }> {
  const ws = await openSocket(target.wsUrl);
  const sent = message1();
  const reply = new Promise((resolve) => ws.once('message', resolve));
  ws.send(sent);
  await reply;
  return { ws, sent };
}

test('transport bytes with no handshake: 1002', async () => {
  // Shaped like a sealed message (chunk prefix, ciphertext, tag), on a socket that never did the handshake.
  const outcome = await sendAndClose([Uint8Array.from([0, 48, ...randomBytes(48)])]);
  assert.is(outcome.code, 1002);
  assert.is(outcome.replies, 0);
  await stillServes();
});

test('message 1 for another relay key: 1002, no message 2', async () => {
  const outcome = await sendAndClose([message1(noblePrimitives.generateKeyPair().publicKey)]);
  assert.is(outcome.code, 1002);
  assert.is(outcome.replies, 0);
});

test('message 1 truncated, extended (a payload), empty or oversized: 1002 (1009 past max-message-bytes)', async () => {
  const good = message1();
  for (const bad of [good.subarray(0, 31), good.subarray(0, good.length - 1), Uint8Array.from([...good, 0]), EMPTY, randomBytes(65_535)]) {
    const outcome = await sendAndClose([bad]);
    assert.is(outcome.code, 1002, `message 1 of ${bad.length} bytes`);
    assert.is(outcome.replies, 0);
  }
  const huge = await sendAndClose([randomBytes(2 * 1024 * 1024 + 1)]);
  assert.is(huge.code, 1009);
  await stillServes();
});

test('a replayed message 1 on a new socket gets a message 2 it cannot use: its transport bytes close it (1002)', async () => {
  const { ws: original, sent } = await handshake();
  const replay = await openSocket(target.wsUrl);
  const replies: Buffer[] = [];
  replay.on('message', (data: Buffer) => replies.push(data));
  const closed = whenClosed(replay);
  replay.send(sent);
  while (replies.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  // The replayer lacks the ephemeral secret, so anything it seals is noise to the relay.
  replay.send(Uint8Array.from([0, 32, ...randomBytes(32)]));
  assert.is((await closed).code, 1002);
  original.terminate();
  await stillServes();
});

test('a second message 1 on an established socket is a bad transport message: 1002', async () => {
  const { ws, sent } = await handshake();
  const closed = whenClosed(ws);
  ws.send(sent);
  assert.is((await closed).code, 1002);
});

test('a socket that never sends message 1 is closed after handshake-timeout-ms (1008)', async () => {
  const ws = await openSocket(target.wsUrl);
  const started = Date.now();
  const closed = await whenClosed(ws);
  const elapsed = Date.now() - started;
  assert.is(closed.code, 1008);
  assert.ok(elapsed >= HANDSHAKE_TIMEOUT_MS - 50 && elapsed < HANDSHAKE_TIMEOUT_MS + 1000, `closed after ${elapsed} ms`);
});

/** A connected client's next sealed message, captured instead of sent. */
function sealedPing(client: RawClient): Uint8Array {
  let captured: Uint8Array | undefined;
  const send = client.ws.send.bind(client.ws);
  client.ws.send = ((data: Uint8Array) => {
    captured = new Uint8Array(data);
  }) as typeof client.ws.send;
  client.send({ type: 'ping', rid: client.nextRid() });
  client.ws.send = send;
  if (captured === undefined) throw new Error('nothing sealed');
  return captured;
}

test('tampered ciphertext, a replayed transport message, and bad chunk prefixes each close with 1002', async () => {
  const cases: [string, (message: Uint8Array) => Uint8Array][] = [
    ['one ciphertext bit flipped', (m) => {
      const t = m.slice();
      t[5]! ^= 1;
      return t;
    }],
    ['tag cut off', (m) => Uint8Array.from([0, m.length - 2 - 16, ...m.subarray(2, m.length - 16)])],
    ['chunk prefix longer than the message', (m) => Uint8Array.from([0xff, 0xff, ...m.subarray(2)])],
    ['chunk prefix shorter than a tag', () => Uint8Array.of(0, 3, 1, 2, 3)],
    ['a lone chunk-prefix byte', () => Uint8Array.of(0)],
    ['a zero-length chunk', () => Uint8Array.of(0, 0)],
    ['valid chunk followed by a cut prefix', (m) => Uint8Array.from([...m, 0])],
  ];
  for (const [name, tamper] of cases) {
    const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
    client.sendRaw(tamper(sealedPing(client)));
    assert.is((await client.closed).code, 1002, name);
  }

  const replayer = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  const ping = sealedPing(replayer);
  replayer.sendRaw(ping);
  await replayer.waitForType('pong');
  replayer.sendRaw(ping);
  assert.is((await replayer.closed).code, 1002, 'replayed transport message');
  await stillServes();
});

test('a frame larger than max-frame-bytes inside a valid transport closes with 1002', async () => {
  // RawClient's transport would refuse to seal it; this one is built with the relay's message limit only.
  const ws = await openSocket(target.wsUrl);
  const initiator = new NkInitiator(noblePrimitives, target.relay.publicKey, SOTTO_NOISE_PROLOGUE, undefined, {
    maxFrameBytes: 2 * 1024 * 1024, maxMessageBytes: 2 * 1024 * 1024,
  });
  const reply = new Promise<Buffer>((resolve) => ws.once('message', resolve));
  ws.send(initiator.writeMessage1(EMPTY));
  const { transport } = initiator.readMessage2(new Uint8Array(await reply));
  const big = new Uint8Array(1024 * 1024 + 1);
  big.set(encodeClientFrame({ type: 'ping', rid: 1 }));
  const closed = whenClosed(ws);
  ws.send(transport.seal([big]));
  assert.is((await closed).code, 1002);
  await stillServes();
});

test.run();
