// Hostile input at the WebSocket and HTTP layer: text, oversized messages, floods of one-byte
// fragments, headers sent a byte at a time, sockets that say nothing. The relay closes each with a
// clear code (or cuts it) and keeps serving.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NkInitiator, noblePrimitives, SOTTO_NOISE_PROLOGUE } from '../../protocol/noise/index.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { RawClient } from '../helpers/raw-client.js';
import { sleep, startTestRelay, type TestRelay } from './harness.js';
import { clientFrame, closeCode, fragmented, OPCODE, rawUpgrade, serverFrames, tcpConnect, upgradeRequest } from './raw-socket.js';

const HEADERS_TIMEOUT_MS = 1000;
let target: TestRelay;

test.before(async () => {
  target = await startTestRelay({ headersTimeoutMs: HEADERS_TIMEOUT_MS, maxMessageFragments: 256 });
});

test.after(async () => {
  await target.close();
});

async function stillServes(): Promise<void> {
  const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  assert.is((await client.request({ type: 'ping', rid: client.nextRid() })).type, 'pong');
  await client.close();
}

test('text messages close with 1003, before and after the handshake', async () => {
  const { status, socket, rest } = await rawUpgrade(target.relay.port);
  assert.is(status, 101);
  const frames = serverFrames(socket, rest);
  socket.write(clientFrame(OPCODE.text, new TextEncoder().encode('hello'), true));
  assert.is(closeCode(await frames), 1003);

  const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  client.sendRaw('{"type":"ping"}');
  assert.is((await client.closed).code, 1003);
});

test('a message over max-message-bytes closes with 1009 as soon as its length is read', async () => {
  const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  client.sendRaw(randomBytes(2 * 1024 * 1024 + 1));
  assert.is((await client.closed).code, 1009);
  // The header alone announces the size: the relay does not wait for (or buffer) the body.
  const { socket, rest } = await rawUpgrade(target.relay.port);
  const frames = serverFrames(socket, rest);
  socket.write(Uint8Array.from([0x82, 0xff, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4]));
  assert.is(closeCode(await frames), 1009);
  await stillServes();
});

test('a message in one-byte fragments is fine under max-message-fragments; a flood of them closes with 1008', async () => {
  const relayKey = target.relay.publicKey;
  const initiator = new NkInitiator(noblePrimitives, relayKey, SOTTO_NOISE_PROLOGUE);
  const legit = await rawUpgrade(target.relay.port);
  const legitFrames = serverFrames(legit.socket, legit.rest);
  legit.socket.write(fragmented(initiator.writeMessage1(new Uint8Array(0))));
  await sleep(200);
  legit.socket.destroy();
  assert.ok((await legitFrames).some((f) => f.opcode === OPCODE.binary), 'message 1 in 48 fragments was answered');

  const flood = await rawUpgrade(target.relay.port);
  const floodFrames = serverFrames(flood.socket, flood.rest);
  // 5000 fragments and never a FIN: without a bound every one would be a buffer held until the end.
  flood.socket.write(fragmented(randomBytes(5000), false));
  assert.is(closeCode(await floodFrames), 1008);
  await stillServes();
});

test('headers sent one byte per 100 ms: the connection is cut after headers-timeout-ms', async () => {
  const socket = await tcpConnect(target.relay.port);
  const request = upgradeRequest(target.relay.port);
  const started = Date.now();
  let closed = false;
  socket.once('close', () => {
    closed = true;
  });
  socket.on('error', () => undefined);
  let sent = 0;
  while (!closed && sent < request.length) {
    socket.write(request[sent++]!);
    await sleep(100);
  }
  const elapsed = Date.now() - started;
  assert.ok(closed, 'the relay waited for the whole request');
  assert.ok(sent < request.length, `${sent} of ${request.length} bytes sent`);
  assert.ok(elapsed < HEADERS_TIMEOUT_MS + 2500, `cut after ${elapsed} ms`);
  await stillServes();
});

test('a TCP connection that never sends a byte is cut after headers-timeout-ms', async () => {
  const socket = await tcpConnect(target.relay.port);
  const started = Date.now();
  await new Promise((resolve) => socket.once('close', resolve));
  assert.ok(Date.now() - started < HEADERS_TIMEOUT_MS + 2500, `cut after ${Date.now() - started} ms`);
});

test('an upgraded WebSocket is not cut by the idle timeout meant for HTTP', async () => {
  const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  await sleep(HEADERS_TIMEOUT_MS + 1500);
  assert.is((await client.request({ type: 'ping', rid: client.nextRid() })).type, 'pong');
  await client.close();
});

test.run();
