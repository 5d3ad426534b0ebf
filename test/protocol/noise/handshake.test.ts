// NK through the public API: success across implementations, and every way a handshake must fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromUtf8, toHex, utf8 } from '../../../protocol/bytes.js';
import { NkInitiator, NkResponder } from '../../../protocol/noise/handshake.js';
import { HANDSHAKE_PATTERNS } from '../../../protocol/noise/handshake-pattern.js';
import { HandshakeState } from '../../../protocol/noise/handshake-state.js';
import { noblePrimitives } from '../../../protocol/noise/noble-primitives.js';
import type { NoiseKeyPair } from '../../../protocol/noise/primitives.js';
import { SOTTO_NOISE_PROLOGUE } from '../../../protocol/noise/prologue.js';
import { nodePrimitives } from '../../../protocol/platform/node-noise-primitives.js';
import { PAIRINGS, throwsCode } from './fixtures.js';

const failsHandshake = (run: () => unknown): boolean => throwsCode(run, 'HANDSHAKE_FAILED');

test('prologue is the UTF-8 of sotto/v1/noise', () => {
  assert.is(fromUtf8(SOTTO_NOISE_PROLOGUE), 'sotto/v1/noise');
});

for (const [client, relay] of PAIRINGS) {
  test(`NK: ${client.name} client with ${relay.name} relay`, () => {
    const relayStatic = relay.primitives.generateKeyPair();
    const initiator = new NkInitiator(client.primitives, relayStatic.publicKey, SOTTO_NOISE_PROLOGUE);
    const responder = new NkResponder(relay.primitives, relayStatic, SOTTO_NOISE_PROLOGUE);
    const message1 = initiator.writeMessage1(utf8('hello relay'));
    assert.is(message1.length, 32 + 11 + 16);
    assert.is(fromUtf8(responder.readMessage1(message1)), 'hello relay');
    const relayDone = responder.writeMessage2(utf8('hello client'));
    const clientDone = initiator.readMessage2(relayDone.message);
    assert.is(fromUtf8(clientDone.payload), 'hello client');
    assert.is(clientDone.handshakeHash.length, 32);
    assert.is(toHex(clientDone.handshakeHash), toHex(relayDone.handshakeHash));
    assert.is(fromUtf8(relayDone.transport.open(clientDone.transport.seal([utf8('up')]))[0]!), 'up');
    assert.is(fromUtf8(clientDone.transport.open(relayDone.transport.seal([utf8('down')]))[0]!), 'down');
  });
}

function started(): { relayStatic: NoiseKeyPair; initiator: NkInitiator; message1: Uint8Array } {
  const relayStatic = nodePrimitives.generateKeyPair();
  const initiator = new NkInitiator(noblePrimitives, relayStatic.publicKey, SOTTO_NOISE_PROLOGUE);
  return { relayStatic, initiator, message1: initiator.writeMessage1(new Uint8Array(0)) };
}

test('NK: a client holding the wrong relay key cannot complete', () => {
  const { message1 } = started();
  const impostorTarget = new NkResponder(nodePrimitives, nodePrimitives.generateKeyPair(), SOTTO_NOISE_PROLOGUE);
  assert.ok(failsHandshake(() => impostorTarget.readMessage1(message1)));
});

test('NK: a different prologue fails', () => {
  const { relayStatic, message1 } = started();
  const responder = new NkResponder(nodePrimitives, relayStatic, utf8('sotto/v2/noise'));
  assert.ok(failsHandshake(() => responder.readMessage1(message1)));
});

test('NK: truncated, empty and oversized first messages fail', () => {
  const { relayStatic, message1 } = started();
  assert.is(message1.length, 48);
  for (const bad of [new Uint8Array(0), message1.subarray(0, 31), message1.subarray(0, 32), message1.subarray(0, 47), new Uint8Array(65536)]) {
    const responder = new NkResponder(nodePrimitives, relayStatic, SOTTO_NOISE_PROLOGUE);
    assert.ok(failsHandshake(() => responder.readMessage1(bad)), `length ${bad.length}`);
  }
});

test('NK: truncated or tampered second message fails, and the initiator stays failed', () => {
  for (const damage of [(m: Uint8Array) => m.subarray(0, 47), (m: Uint8Array) => m.subarray(0, 20), (m: Uint8Array) => m.map((b, i) => (i === 40 ? b ^ 1 : b))]) {
    const { relayStatic, initiator, message1 } = started();
    const responder = new NkResponder(nodePrimitives, relayStatic, SOTTO_NOISE_PROLOGUE);
    responder.readMessage1(message1);
    const { message } = responder.writeMessage2(new Uint8Array(0));
    assert.ok(failsHandshake(() => initiator.readMessage2(damage(message))));
    assert.ok(failsHandshake(() => initiator.readMessage2(message)), 'no second try after a failure');
  }
});

test('NK: a small-order ephemeral is a failed handshake, not a crash', () => {
  const { relayStatic, message1 } = started();
  const forged = message1.slice();
  forged.fill(0, 0, 32);
  const responder = new NkResponder(nodePrimitives, relayStatic, SOTTO_NOISE_PROLOGUE);
  assert.ok(failsHandshake(() => responder.readMessage1(forged)));
});

test('NK: steps out of turn fail', () => {
  const relayStatic = nodePrimitives.generateKeyPair();
  const initiator = new NkInitiator(nodePrimitives, relayStatic.publicKey, SOTTO_NOISE_PROLOGUE);
  assert.ok(failsHandshake(() => initiator.readMessage2(new Uint8Array(48))));
  const responder = new NkResponder(nodePrimitives, relayStatic, SOTTO_NOISE_PROLOGUE);
  assert.ok(failsHandshake(() => responder.writeMessage2(new Uint8Array(0))));
});

test('NK: a payload too large for one Noise message is refused', () => {
  const relayStatic = nodePrimitives.generateKeyPair();
  const initiator = new NkInitiator(nodePrimitives, relayStatic.publicKey, SOTTO_NOISE_PROLOGUE);
  assert.ok(failsHandshake(() => initiator.writeMessage1(new Uint8Array(65535 - 48 + 1))));
  const fits = new NkInitiator(nodePrimitives, relayStatic.publicKey, SOTTO_NOISE_PROLOGUE);
  assert.is(fits.writeMessage1(new Uint8Array(65535 - 48)).length, 65535);
});

test('NK: a relay key that is not 32 bytes is BAD_KEY', () => {
  assert.ok(throwsCode(() => new NkInitiator(nodePrimitives, new Uint8Array(31), SOTTO_NOISE_PROLOGUE), 'BAD_KEY'));
});

test('HandshakeState: missing keys are refused up front, and Split happens once', () => {
  const options = { pattern: HANDSHAKE_PATTERNS.NK, prologue: SOTTO_NOISE_PROLOGUE };
  assert.ok(throwsCode(() => new HandshakeState(nodePrimitives, { ...options, initiator: true }), 'BAD_VALUE'));
  assert.ok(throwsCode(() => new HandshakeState(nodePrimitives, { ...options, initiator: false }), 'BAD_VALUE'));
  const relayStatic = nodePrimitives.generateKeyPair();
  const initiator = new HandshakeState(nodePrimitives, { ...options, initiator: true, remoteStaticPublic: relayStatic.publicKey });
  const responder = new HandshakeState(nodePrimitives, { ...options, initiator: false, staticKeyPair: relayStatic });
  assert.ok(failsHandshake(() => initiator.split()), 'not before completion');
  assert.ok(failsHandshake(() => initiator.handshakeHash), 'no hash before completion');
  responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
  initiator.readMessage(responder.writeMessage(new Uint8Array(0)));
  initiator.split();
  assert.ok(failsHandshake(() => initiator.split()), 'a second split would reuse nonces');
  assert.ok(failsHandshake(() => initiator.writeMessage(new Uint8Array(0))), 'no messages after completion');
});

test.run();
