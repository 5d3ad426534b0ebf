// The client's transport seam (protocol/client/connection.ts) against a scripted relay end: the real
// Noise NK responder, driven through a WebSocket-shaped fake that can deliver messages the way the
// `ws` package does — several in one synchronous burst when they arrive in one TCP read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openConnection, type SocketClose, type SocketLike, type SocketMessage } from '../../../protocol/client/connection.js';
import type { SottoError } from '../../../protocol/errors.js';
import { NkResponder, SOTTO_NOISE_PROLOGUE } from '../../../protocol/noise/index.js';
import { noblePrimitives } from '../../../protocol/noise/noble-primitives.js';
import { encodeRelayFrame, type RelayFrame } from '../../../protocol/wire/frames.js';

/** A socket already open; the test plays the relay by calling `deliver`. */
class ScriptedSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 1;
  readonly sent: Uint8Array[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: SocketMessage) => void) | null = null;
  onclose: ((event: SocketClose) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closedWith: number | undefined;

  send(data: Uint8Array): void {
    this.sent.push(Uint8Array.from(data));
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  /** Every message in one synchronous run, with no turn of the event loop between them. */
  deliver(...messages: Uint8Array[]): void {
    for (const data of messages) this.onmessage?.({ data: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) });
  }
}

async function sentMessage1(socket: ScriptedSocket): Promise<Uint8Array> {
  while (socket.sent.length === 0) await new Promise((resolve) => setImmediate(resolve));
  return socket.sent[0]!;
}

// Before the fix, a relay frame that arrived in the same read as handshake message 2 reached the
// handshake's handler, which had already taken message 2, and was dropped: the next frame then failed
// to decrypt (its nonce was one ahead) and the client closed the socket (1002). Checked by running
// this test against the old connection.ts: the first pong was lost and the third frame closed it.
test('frames that arrive in the same burst as handshake message 2 are delivered in order, none lost', async () => {
  const relayKey = noblePrimitives.generateKeyPair();
  const socket = new ScriptedSocket();
  const frames: RelayFrame[] = [];
  let refused: SottoError | undefined;
  const opening = openConnection(socket, relayKey.publicKey, noblePrimitives, {
    onFrame: (frame) => frames.push(frame),
    onClose: (_info, error) => { refused = error; },
  });
  const responder = new NkResponder(noblePrimitives, relayKey, SOTTO_NOISE_PROLOGUE);
  responder.readMessage1(await sentMessage1(socket));
  const { message, transport } = responder.writeMessage2(new Uint8Array(0));
  const sealed = (rid: number): Uint8Array => transport.seal([encodeRelayFrame({ type: 'pong', rid })]);
  socket.deliver(message, sealed(1), sealed(2));
  const connection = await opening;
  socket.deliver(sealed(3));
  assert.equal(frames, [{ type: 'pong', rid: 1 }, { type: 'pong', rid: 2 }, { type: 'pong', rid: 3 }]);
  assert.is(refused, undefined);
  assert.is(socket.closedWith, undefined);
  connection.close();
});

test('bytes in the same burst as message 2 that do not decrypt close the connection once the handshake is done', async () => {
  const relayKey = noblePrimitives.generateKeyPair();
  const socket = new ScriptedSocket();
  let refused: SottoError | undefined;
  const opening = openConnection(socket, relayKey.publicKey, noblePrimitives, {
    onFrame: () => undefined,
    onClose: (_info, error) => { refused = error; },
  });
  const responder = new NkResponder(noblePrimitives, relayKey, SOTTO_NOISE_PROLOGUE);
  responder.readMessage1(await sentMessage1(socket));
  const { message } = responder.writeMessage2(new Uint8Array(0));
  socket.deliver(message, new Uint8Array(40).fill(7));
  await opening;
  assert.is(socket.closedWith, 1002);
  assert.ok(refused !== undefined, 'the client says the relay sent bytes it refuses');
});

test.run();
