// Known answers: every cacophony vector of Noise_*_25519_ChaChaPoly_SHA256, through both primitives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex } from '../../../protocol/bytes.js';
import { NkInitiator, NkResponder } from '../../../protocol/noise/handshake.js';
import { HANDSHAKE_PATTERNS, noiseProtocolName, type HandshakePattern } from '../../../protocol/noise/handshake-pattern.js';
import { HandshakeState } from '../../../protocol/noise/handshake-state.js';
import { readVectorJson } from '../../helpers/paths.js';
import { IMPLEMENTATIONS, keyPairFromSecret, type Implementation } from './fixtures.js';

interface NoiseVector {
  protocol_name: string;
  init_prologue: string;
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_static?: string;
  resp_ephemeral?: string;
  resp_remote_static?: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const { vectors } = readVectorJson<{ vectors: NoiseVector[] }>('noise-25519-chachapoly-sha256.json');
const EMPTY = new Uint8Array(0);

function patternOf(vector: NoiseVector): HandshakePattern {
  const name = /^Noise_([A-Z]+)_25519_ChaChaPoly_SHA256$/.exec(vector.protocol_name)?.[1];
  const pattern = name === undefined ? undefined : (HANDSHAKE_PATTERNS as Record<string, HandshakePattern | undefined>)[name];
  if (pattern === undefined) throw new Error(`no pattern for ${vector.protocol_name}`);
  return pattern;
}

function runVector({ primitives }: Implementation, vector: NoiseVector): void {
  const pattern = patternOf(vector);
  assert.is(noiseProtocolName(pattern), vector.protocol_name);
  const keyPair = (secret: string | undefined) => (secret === undefined ? undefined : keyPairFromSecret(primitives, fromHex(secret)));
  const key = (hex: string | undefined) => (hex === undefined ? undefined : fromHex(hex));
  const initiator = new HandshakeState(primitives, {
    pattern,
    initiator: true,
    prologue: fromHex(vector.init_prologue),
    staticKeyPair: keyPair(vector.init_static),
    ephemeralKeyPair: keyPair(vector.init_ephemeral),
    remoteStaticPublic: key(vector.init_remote_static),
  });
  const responder = new HandshakeState(primitives, {
    pattern,
    initiator: false,
    prologue: fromHex(vector.resp_prologue),
    staticKeyPair: keyPair(vector.resp_static),
    ephemeralKeyPair: keyPair(vector.resp_ephemeral),
    remoteStaticPublic: key(vector.resp_remote_static),
  });

  const handshakeLength = pattern.messages.length;
  assert.ok(vector.messages.length > handshakeLength, 'vector has transport messages');
  vector.messages.slice(0, handshakeLength).forEach(({ payload, ciphertext }, index) => {
    const [sender, receiver] = index % 2 === 0 ? [initiator, responder] : [responder, initiator];
    const message = sender.writeMessage(fromHex(payload));
    assert.is(toHex(message), ciphertext, `handshake message ${index}`);
    assert.is(toHex(receiver.readMessage(message)), payload, `handshake payload ${index}`);
  });
  assert.ok(initiator.isComplete && responder.isComplete);
  assert.is(toHex(initiator.handshakeHash), vector.handshake_hash);
  assert.is(toHex(responder.handshakeHash), vector.handshake_hash);

  const initiatorStates = initiator.split();
  const responderStates = responder.split();
  // Cacophony alternates senders after the handshake too, except in one-way patterns where only
  // the initiator ever sends.
  const oneWay = handshakeLength === 1;
  vector.messages.slice(handshakeLength).forEach(({ payload, ciphertext }, offset) => {
    const index = handshakeLength + offset;
    const [sender, receiver] = oneWay || index % 2 === 0 ? [initiatorStates, responderStates] : [responderStates, initiatorStates];
    const message = sender.send.encryptWithAd(EMPTY, fromHex(payload));
    assert.is(toHex(message), ciphertext, `transport message ${index}`);
    assert.is(toHex(receiver.receive.decryptWithAd(EMPTY, message)), payload, `transport payload ${index}`);
  });
}

for (const implementation of IMPLEMENTATIONS) {
  test(`cacophony: every vector with ${implementation.name}`, () => {
    const ran: string[] = [];
    for (const vector of vectors) {
      runVector(implementation, vector);
      ran.push(vector.protocol_name);
    }
    assert.is(ran.length, 10);
    assert.ok(ran.includes('Noise_NK_25519_ChaChaPoly_SHA256'));
  });

  test(`cacophony: NK through NkInitiator/NkResponder with ${implementation.name}`, () => {
    const { primitives } = implementation;
    const nk = vectors.filter((vector) => vector.protocol_name === 'Noise_NK_25519_ChaChaPoly_SHA256');
    assert.is(nk.length, 1);
    const vector = nk[0]!;
    const [first, second] = vector.messages;
    const client = new NkInitiator(
      primitives,
      fromHex(vector.init_remote_static!),
      fromHex(vector.init_prologue),
      keyPairFromSecret(primitives, fromHex(vector.init_ephemeral)),
    );
    const relay = new NkResponder(
      primitives,
      keyPairFromSecret(primitives, fromHex(vector.resp_static!)),
      fromHex(vector.resp_prologue),
      keyPairFromSecret(primitives, fromHex(vector.resp_ephemeral!)),
    );
    const message1 = client.writeMessage1(fromHex(first!.payload));
    assert.is(toHex(message1), first!.ciphertext);
    assert.is(toHex(relay.readMessage1(message1)), first!.payload);
    const relayDone = relay.writeMessage2(fromHex(second!.payload));
    assert.is(toHex(relayDone.message), second!.ciphertext);
    const clientDone = client.readMessage2(relayDone.message);
    assert.is(toHex(clientDone.payload), second!.payload);
    assert.is(toHex(clientDone.handshakeHash), vector.handshake_hash);
    assert.is(toHex(relayDone.handshakeHash), vector.handshake_hash);
  });
}

test.run();
