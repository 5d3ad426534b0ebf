// Sotto's framing over Noise transport messages: round trips, chunking, and every way open must fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concat, toHex } from '../../../protocol/bytes.js';
import type { CipherState } from '../../../protocol/noise/cipher-state.js';
import { NkInitiator, NkResponder } from '../../../protocol/noise/handshake.js';
import { noblePrimitives } from '../../../protocol/noise/noble-primitives.js';
import type { NoisePrimitives } from '../../../protocol/noise/primitives.js';
import { SOTTO_NOISE_PROLOGUE } from '../../../protocol/noise/prologue.js';
import { DEFAULT_NOISE_TRANSPORT_OPTIONS, NoiseTransport, type NoiseTransportOptions } from '../../../protocol/noise/transport.js';
import { nodePrimitives } from '../../../protocol/platform/node-noise-primitives.js';
import { nkCipherStates, PAIRINGS, throwsCode } from './fixtures.js';

const EMPTY = new Uint8Array(0);
const CHUNK_PLAINTEXT = 65519;

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

function connect(
  client: NoisePrimitives = nodePrimitives,
  relay: NoisePrimitives = nodePrimitives,
  relayOptions: Partial<NoiseTransportOptions> = {},
): { client: NoiseTransport; relay: NoiseTransport } {
  const states = nkCipherStates(client, relay);
  return { client: new NoiseTransport(states.initiator), relay: new NoiseTransport(states.responder, relayOptions) };
}

function sameFrames(actual: Uint8Array[], expected: readonly Uint8Array[]): void {
  assert.is(actual.length, expected.length);
  actual.forEach((frame, i) => assert.is(toHex(frame), toHex(expected[i]!), `frame ${i}`));
}

/** A chunk as a sender would write it, around plaintext the real seal would never produce. */
function forgedChunk(send: CipherState, plaintext: Uint8Array): Uint8Array {
  const ciphertext = send.encryptWithAd(EMPTY, plaintext);
  return concat(Uint8Array.of(ciphertext.length >> 8, ciphertext.length & 0xff), ciphertext);
}

/** Wraps primitives to count decrypt calls (the handshake's included), to prove a check ran before any AEAD work. */
function countingDecrypts(primitives: NoisePrimitives): { primitives: NoisePrimitives; calls: () => number } {
  let calls = 0;
  return {
    primitives: {
      ...primitives,
      decrypt: (...args) => {
        calls++;
        return primitives.decrypt(...args);
      },
    },
    calls: () => calls,
  };
}

test('defaults', () => {
  assert.equal({ ...DEFAULT_NOISE_TRANSPORT_OPTIONS }, { maxMessageBytes: 2 * 1024 * 1024, maxFrameBytes: 1024 * 1024, maxFramesPerMessage: 4096 });
  assert.ok(Object.isFrozen(DEFAULT_NOISE_TRANSPORT_OPTIONS));
});

for (const [a, b] of PAIRINGS) {
  test(`round trips, ${a.name} client ↔ ${b.name} relay`, () => {
    const { client, relay } = connect(a.primitives, b.primitives);
    const one = [pattern(5, 1)];
    const many = Array.from({ length: 100 }, (_, i) => pattern(i * 7, i));
    const big = [pattern(200_000, 9), pattern(3, 4)];
    for (const frames of [one, many, big, [EMPTY]]) {
      sameFrames(relay.open(client.seal(frames)), frames);
      sameFrames(client.open(relay.seal(frames)), frames);
    }
  });
}

test('one chunk: u16 length, then ciphertext of u32 length || frame', () => {
  const { client, relay } = connect();
  const message = client.seal([pattern(5, 0)]);
  assert.is(message.length, 2 + 4 + 5 + 16);
  assert.is((message[0]! << 8) | message[1]!, 4 + 5 + 16);
  relay.open(message);
});

test('chunk boundary: a 65519-byte stream is one chunk, one more byte makes two', () => {
  const { client, relay } = connect();
  const exact = client.seal([pattern(CHUNK_PLAINTEXT - 4, 0)]);
  assert.is(exact.length, 2 + 65535);
  assert.is((exact[0]! << 8) | exact[1]!, 65535);
  const over = client.seal([pattern(CHUNK_PLAINTEXT - 3, 0)]);
  assert.is(over.length, 2 + 65535 + 2 + 1 + 16);
  sameFrames(relay.open(exact), [pattern(CHUNK_PLAINTEXT - 4, 0)]);
  sameFrames(relay.open(over), [pattern(CHUNK_PLAINTEXT - 3, 0)]);
});

test('a 200 KB frame spans four Noise messages', () => {
  const { client, relay } = connect(noblePrimitives, nodePrimitives);
  const frame = pattern(200_000, 3);
  const message = client.seal([frame]);
  const chunks = Math.ceil((200_000 + 4) / CHUNK_PLAINTEXT);
  assert.is(chunks, 4);
  assert.is(message.length, 200_004 + chunks * 18);
  sameFrames(relay.open(message), [frame]);
});

test('sealing no frames is an error and uses no nonce', () => {
  const { client, relay } = connect();
  assert.ok(throwsCode(() => client.seal([]), 'BAD_VALUE'));
  relay.open(client.seal([pattern(1, 0)]));
});

test('a tampered byte fails to decrypt, and the transport stays dead', () => {
  const { client, relay } = connect();
  const message = client.seal([pattern(50, 0)]);
  message[20]! ^= 0x01;
  assert.ok(throwsCode(() => relay.open(message), 'DECRYPT_FAILED'));
  const next = client.seal([pattern(10, 0)]);
  assert.ok(throwsCode(() => relay.open(next), 'DECRYPT_FAILED'));
});

test('a tampered byte in a later chunk fails too', () => {
  const { client, relay } = connect();
  const message = client.seal([pattern(150_000, 0)]);
  message[message.length - 1]! ^= 0x80;
  assert.ok(throwsCode(() => relay.open(message), 'DECRYPT_FAILED'));
});

test('a replayed message fails', () => {
  const { client, relay } = connect();
  const message = client.seal([pattern(10, 0)]);
  relay.open(message);
  assert.ok(throwsCode(() => relay.open(message), 'DECRYPT_FAILED'));
});

test('reordered messages fail', () => {
  const { client, relay } = connect();
  client.seal([pattern(10, 0)]);
  const second = client.seal([pattern(10, 1)]);
  assert.ok(throwsCode(() => relay.open(second), 'DECRYPT_FAILED'));
});

test('truncated and malformed chunk framing is rejected before decryption', () => {
  const cases: [string, (m: Uint8Array) => Uint8Array, 'TRUNCATED' | 'BAD_VALUE'][] = [
    ['empty', () => EMPTY, 'TRUNCATED'],
    ['half a length prefix', (m) => m.subarray(0, 1), 'TRUNCATED'],
    ['chunk cut short', (m) => m.subarray(0, m.length - 1), 'TRUNCATED'],
    ['stray byte after the last chunk', (m) => concat(m, Uint8Array.of(0)), 'TRUNCATED'],
    ['chunk shorter than a tag', () => Uint8Array.of(0, 15, ...new Uint8Array(15)), 'BAD_VALUE'],
  ];
  for (const [name, damage, code] of cases) {
    const counter = countingDecrypts(nodePrimitives);
    const { client, relay } = connect(nodePrimitives, counter.primitives);
    const afterHandshake = counter.calls();
    assert.ok(throwsCode(() => relay.open(damage(client.seal([pattern(40, 0)]))), code), name);
    assert.is(counter.calls(), afterHandshake, name);
    assert.ok(throwsCode(() => relay.open(client.seal([pattern(1, 0)])), 'DECRYPT_FAILED'), `${name}: dead after`);
  }
});

test('an oversized message is rejected before decryption', () => {
  const counter = countingDecrypts(nodePrimitives);
  const { client, relay } = connect(nodePrimitives, counter.primitives, { maxMessageBytes: 1000 });
  const afterHandshake = counter.calls();
  assert.ok(throwsCode(() => relay.open(client.seal([pattern(1000, 0)])), 'FRAME_TOO_LARGE'));
  assert.is(counter.calls(), afterHandshake);
});

test('sealing over the limits is refused without using a nonce', () => {
  const states = nkCipherStates(nodePrimitives, nodePrimitives);
  const client = new NoiseTransport(states.initiator, { maxMessageBytes: 200, maxFrameBytes: 100, maxFramesPerMessage: 3 });
  const relay = new NoiseTransport(states.responder);
  assert.ok(throwsCode(() => client.seal([pattern(101, 0)]), 'FRAME_TOO_LARGE'));
  assert.ok(throwsCode(() => client.seal([EMPTY, EMPTY, EMPTY, EMPTY]), 'BAD_VALUE'));
  assert.ok(throwsCode(() => client.seal([pattern(100, 0), pattern(100, 0)]), 'FRAME_TOO_LARGE'));
  sameFrames(relay.open(client.seal([pattern(100, 0)])), [pattern(100, 0)]);
});

test("a frame over the receiver's limit is rejected", () => {
  const { client, relay } = connect(nodePrimitives, nodePrimitives, { maxFrameBytes: 100 });
  sameFrames(relay.open(client.seal([pattern(100, 0)])), [pattern(100, 0)]);
  assert.ok(throwsCode(() => relay.open(client.seal([pattern(101, 0)])), 'FRAME_TOO_LARGE'));
});

test('more frames than the receiver allows are rejected', () => {
  const { client, relay } = connect(nodePrimitives, nodePrimitives, { maxFramesPerMessage: 3 });
  sameFrames(relay.open(client.seal([EMPTY, EMPTY, EMPTY])), [EMPTY, EMPTY, EMPTY]);
  assert.ok(throwsCode(() => relay.open(client.seal([EMPTY, EMPTY, EMPTY, EMPTY])), 'BAD_VALUE'));
});

test('authentic but malformed plaintext streams are rejected', () => {
  const cases: [string, Uint8Array, 'TRUNCATED' | 'BAD_VALUE' | 'FRAME_TOO_LARGE'][] = [
    ['no frames', EMPTY, 'BAD_VALUE'],
    ['frame length cut short', Uint8Array.of(0, 0, 1), 'TRUNCATED'],
    ['frame runs past the stream', Uint8Array.of(0, 0, 0, 10, 1, 2, 3), 'TRUNCATED'],
    ['second frame runs past the stream', Uint8Array.of(0, 0, 0, 1, 7, 0, 0, 0, 2, 1), 'TRUNCATED'],
    ['frame length ≥ 2^31', Uint8Array.of(0x80, 0, 0, 0), 'FRAME_TOO_LARGE'],
  ];
  for (const [name, plaintext, code] of cases) {
    const states = nkCipherStates(nodePrimitives, noblePrimitives);
    const relay = new NoiseTransport(states.responder);
    assert.ok(throwsCode(() => relay.open(forgedChunk(states.initiator.send, plaintext)), code), name);
    assert.ok(throwsCode(() => relay.open(forgedChunk(states.initiator.send, Uint8Array.of(0, 0, 0, 0))), 'DECRYPT_FAILED'), `${name}: dead after`);
  }
});

test("chunk sizes are the sender's choice: a frame may straddle any chunk boundary", () => {
  const states = nkCipherStates(noblePrimitives, nodePrimitives);
  const relay = new NoiseTransport(states.responder);
  const stream = Uint8Array.of(0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0);
  const pieces = [stream.subarray(0, 2), stream.subarray(2, 5), EMPTY, stream.subarray(5)];
  const message = concat(...pieces.map((piece) => forgedChunk(states.initiator.send, piece)));
  sameFrames(relay.open(message), [Uint8Array.of(1, 2, 3), EMPTY]);
});

test('limits must be positive integers; an undefined one takes its default', () => {
  const states = nkCipherStates(nodePrimitives, nodePrimitives);
  const relay = new NoiseTransport(states.responder, { maxFrameBytes: undefined });
  sameFrames(relay.open(new NoiseTransport(states.initiator).seal([pattern(1024 * 1024, 0)])), [pattern(1024 * 1024, 0)]);
  for (const options of [{ maxFrameBytes: 0 }, { maxMessageBytes: -1 }, { maxFramesPerMessage: 1.5 }, { maxMessageBytes: Number.POSITIVE_INFINITY }, { maxFrameBytes: Number.NaN }]) {
    assert.ok(throwsCode(() => new NoiseTransport(states.initiator, options), 'BAD_VALUE'), JSON.stringify(options));
  }
});

test('the transports NkInitiator and NkResponder hand out carry the options given', () => {
  const relayStatic = nodePrimitives.generateKeyPair();
  const initiator = new NkInitiator(nodePrimitives, relayStatic.publicKey, SOTTO_NOISE_PROLOGUE);
  const responder = new NkResponder(nodePrimitives, relayStatic, SOTTO_NOISE_PROLOGUE, undefined, { maxFrameBytes: 10 });
  responder.readMessage1(initiator.writeMessage1(EMPTY));
  const relayDone = responder.writeMessage2(EMPTY);
  const client = initiator.readMessage2(relayDone.message).transport;
  assert.ok(throwsCode(() => relayDone.transport.seal([pattern(11, 0)]), 'FRAME_TOO_LARGE'));
  assert.ok(throwsCode(() => relayDone.transport.open(client.seal([pattern(11, 0)])), 'FRAME_TOO_LARGE'));
});

test.run();
