// The two NoisePrimitives implementations every noise test runs against, and small shared fixtures.
import { fromHex } from '../../../protocol/bytes.js';
import { isSottoError, type ErrorName } from '../../../protocol/errors.js';
import type { ChaChaPolyAead } from '../../../protocol/noise/aead.js';
import { HANDSHAKE_PATTERNS } from '../../../protocol/noise/handshake-pattern.js';
import { HandshakeState } from '../../../protocol/noise/handshake-state.js';
import { nobleChaChaPoly, noblePrimitives } from '../../../protocol/noise/noble-primitives.js';
import type { NoiseKeyPair, NoisePrimitives } from '../../../protocol/noise/primitives.js';
import { SOTTO_NOISE_PROLOGUE } from '../../../protocol/noise/prologue.js';
import type { CipherStatePair } from '../../../protocol/noise/cipher-state.js';
import { nodeChaChaPoly, nodePrimitives } from '../../../protocol/platform/node-noise-primitives.js';

export interface Implementation {
  readonly name: string;
  readonly primitives: NoisePrimitives;
  readonly aead: ChaChaPolyAead;
}

export const IMPLEMENTATIONS: readonly Implementation[] = [
  { name: 'noble', primitives: noblePrimitives, aead: nobleChaChaPoly },
  { name: 'node', primitives: nodePrimitives, aead: nodeChaChaPoly },
];

/** Every (initiator, responder) pairing, so each implementation also talks to the other. */
export const PAIRINGS: readonly (readonly [Implementation, Implementation])[] = IMPLEMENTATIONS.flatMap((a) =>
  IMPLEMENTATIONS.map((b) => [a, b] as const),
);

const X25519_BASEPOINT = fromHex('0900000000000000000000000000000000000000000000000000000000000000');

/** The interface has no "public key of"; X25519 with the base point is exactly that. */
export function keyPairFromSecret(primitives: NoisePrimitives, secretKey: Uint8Array): NoiseKeyPair {
  return { secretKey, publicKey: primitives.dh(secretKey, X25519_BASEPOINT) };
}

/** Runs an NK handshake and hands back the raw CipherStates, for tests that need to forge messages. */
export function nkCipherStates(
  initiatorPrimitives: NoisePrimitives,
  responderPrimitives: NoisePrimitives,
): { initiator: CipherStatePair; responder: CipherStatePair } {
  const relayStatic = responderPrimitives.generateKeyPair();
  const initiator = new HandshakeState(initiatorPrimitives, {
    pattern: HANDSHAKE_PATTERNS.NK,
    initiator: true,
    prologue: SOTTO_NOISE_PROLOGUE,
    remoteStaticPublic: relayStatic.publicKey,
  });
  const responder = new HandshakeState(responderPrimitives, {
    pattern: HANDSHAKE_PATTERNS.NK,
    initiator: false,
    prologue: SOTTO_NOISE_PROLOGUE,
    staticKeyPair: relayStatic,
  });
  responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
  initiator.readMessage(responder.writeMessage(new Uint8Array(0)));
  return { initiator: initiator.split(), responder: responder.split() };
}

export function throwsCode(run: () => unknown, name: ErrorName): boolean {
  try {
    run();
    return false;
  } catch (error) {
    return isSottoError(error, name);
  }
}
