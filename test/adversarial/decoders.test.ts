// Property tests: every decoder, fed arbitrary and mutated bytes, returns a value or throws a
// SottoError, never anything else, and never takes long. A failing case prints its bytes; add them
// to test/corpus/hostile-inputs.json so they are replayed on every run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { utf8 } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import {
  CipherState, NkInitiator, NkResponder, noblePrimitives, NoiseTransport, SOTTO_NOISE_PROLOGUE, type NoiseKeyPair,
} from '../../protocol/noise/index.js';
import { nodePrimitives } from '../../protocol/platform/node-noise-primitives.js';
import { parseInviteLink } from '../../protocol/wire/invite.js';
import { CLIENT_FRAME, RECORD, RELAY_FRAME, type RecordName } from '../../protocol/wire/types.js';
import { DECODERS, outcomeOf, type DecoderName } from './decoders.js';
import { hostileBytes, mutated, NUM_RUNS } from './mutation.js';
import { buildSamples, encodedClientFrames, encodedRelayFrames, type Samples } from './samples.js';

const EMPTY = new Uint8Array(0);
let samples: Samples;

test.before(async () => {
  samples = await buildSamples();
});

function seedsFor(name: DecoderName): { seeds: Uint8Array[]; tags: number[] } {
  switch (name) {
    case 'clientFrame':
      return { seeds: encodedClientFrames(samples), tags: Object.values(CLIENT_FRAME) };
    case 'relayFrame':
      return { seeds: encodedRelayFrames(samples), tags: Object.values(RELAY_FRAME) };
    case 'content':
      return { seeds: [samples.content], tags: [] };
    case 'welcomePayload':
      return { seeds: [samples.welcomePayload], tags: [] };
    default:
      return { seeds: [samples.records[name as RecordName]], tags: [RECORD[name as RecordName]] };
  }
}

for (const name of Object.keys(DECODERS) as DecoderName[]) {
  test(`${name} decoder: any bytes give a value or a SottoError`, () => {
    const { seeds, tags } = seedsFor(name);
    for (const seed of seeds) assert.is(outcomeOf(DECODERS[name], seed), 'ok', 'the seeds themselves decode');
    fc.assert(fc.property(hostileBytes(seeds, tags), (bytes) => {
      outcomeOf(DECODERS[name], bytes);
    }), { numRuns: NUM_RUNS });
  });
}

test('invite link parser: any text gives a link or a SottoError', () => {
  const link = samples.inviteLink;
  assert.is(outcomeOf(parseInviteLink, link), 'ok');
  // Lenient decoding: a mutated link is still text, with U+FFFD where the bytes broke.
  const mutatedLink = mutated([utf8(link)]).map((bytes) => new TextDecoder().decode(bytes));
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutatedLink), (text) => {
    outcomeOf(parseInviteLink, text);
  }), { numRuns: NUM_RUNS });
});

/** Both directions of one session's transport keys, so messages sealed by one open at the other. */
function transportPair(keys: { a: Uint8Array; b: Uint8Array }): { sender: NoiseTransport; receiver: NoiseTransport } {
  return {
    sender: new NoiseTransport({ send: new CipherState(noblePrimitives, keys.a), receive: new CipherState(noblePrimitives, keys.b) }),
    receiver: new NoiseTransport({ send: new CipherState(noblePrimitives, keys.b), receive: new CipherState(noblePrimitives, keys.a) }),
  };
}

test('NoiseTransport.open: any bytes give frames or a SottoError', () => {
  const keys = { a: randomBytes(32), b: randomBytes(32) };
  const frames = encodedClientFrames(samples);
  // Each seed is the first message of a fresh session, so a fresh receiver can open it.
  const seeds = [[frames[12]!], frames, [randomBytes(70_000)], [new Uint8Array(0)]].map((batch) => transportPair(keys).sender.seal(batch));
  for (const seed of seeds) assert.is(outcomeOf((m: Uint8Array) => transportPair(keys).receiver.open(m), seed), 'ok');
  fc.assert(fc.property(hostileBytes(seeds), (bytes) => {
    outcomeOf((m: Uint8Array) => transportPair(keys).receiver.open(m), bytes);
  }), { numRuns: NUM_RUNS });
});

test('Noise NK message 1 (relay side) and message 2 (client side): any bytes give a result or a SottoError', () => {
  const relayKey: NoiseKeyPair = nodePrimitives.generateKeyPair();
  const ephemeral = noblePrimitives.generateKeyPair();
  const initiator = (): NkInitiator => new NkInitiator(noblePrimitives, relayKey.publicKey, SOTTO_NOISE_PROLOGUE, ephemeral);
  const message1 = initiator().writeMessage1(EMPTY);
  const responder = (): NkResponder => new NkResponder(nodePrimitives, relayKey, SOTTO_NOISE_PROLOGUE);
  const answering = responder();
  answering.readMessage1(message1);
  const message2 = answering.writeMessage2(EMPTY).message;

  const readMessage1 = (m: Uint8Array): Uint8Array => responder().readMessage1(m);
  const readMessage2 = (m: Uint8Array): unknown => {
    const client = initiator();
    client.writeMessage1(EMPTY);
    return client.readMessage2(m);
  };
  assert.is(outcomeOf(readMessage1, message1), 'ok');
  assert.is(outcomeOf(readMessage2, message2), 'ok');
  fc.assert(fc.property(hostileBytes([message1]), (bytes) => {
    outcomeOf(readMessage1, bytes);
  }), { numRuns: NUM_RUNS });
  fc.assert(fc.property(hostileBytes([message2]), (bytes) => {
    outcomeOf(readMessage2, bytes);
  }), { numRuns: NUM_RUNS });
});

test.run();
