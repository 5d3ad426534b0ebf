// The pure-JavaScript suite: used where WebCrypto lacks Ed25519 or X25519, and as the reference the
// WebCrypto suite is checked against.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { SottoError } from '../errors.js';
import { randomBytes } from './random.js';
import { cofactorlessVerify } from './ed25519-checks.js';
import { checkSharedSecret, checkX25519PublicKey } from './x25519-checks.js';
import type { AgreementKey, SigningKey, Suite } from './suite.js';

const SECRET_LENGTH = 32;

/** A private copy, so the caller may wipe its buffer without breaking the key and vice versa. */
function copySecret(secret: Uint8Array, what: string): Uint8Array {
  if (secret.length !== SECRET_LENGTH) throw new SottoError('BAD_VALUE', `${what} length`);
  return Uint8Array.from(secret);
}

class NobleSigningKey implements SigningKey {
  readonly publicKey: Uint8Array;
  readonly #seed: Uint8Array;

  constructor(seed: Uint8Array) {
    this.#seed = seed;
    this.publicKey = ed25519.getPublicKey(seed);
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return ed25519.sign(message, this.#seed);
  }
}

class NobleAgreementKey implements AgreementKey {
  readonly publicKey: Uint8Array;
  readonly #secret: Uint8Array;

  constructor(secret: Uint8Array) {
    this.#secret = secret;
    this.publicKey = x25519.getPublicKey(secret);
  }

  async agree(peerPublicKey: Uint8Array): Promise<Uint8Array> {
    checkX25519PublicKey(peerPublicKey);
    try {
      // noble already throws on an all-zero result; the shared check keeps the rule in one place.
      return checkSharedSecret(x25519.scalarMult(this.#secret, peerPublicKey));
    } catch {
      throw new SottoError('BAD_KEY', 'X25519 result is all zero');
    }
  }
}

export const nobleSuite: Suite = {
  name: 'noble',
  async signingKeyFromSeed(seed) {
    return new NobleSigningKey(copySecret(seed, 'Ed25519 seed'));
  },
  async agreementKeyFromSecret(secret) {
    return new NobleAgreementKey(copySecret(secret, 'X25519 secret'));
  },
  async ephemeralAgreementKey() {
    return new NobleAgreementKey(randomBytes(SECRET_LENGTH));
  },
  async verify(publicKey, message, signature) {
    // Not ed25519.verify: its cofactored equation accepts what OpenSSL rejects (ed25519-checks.ts).
    return cofactorlessVerify(publicKey, message, signature);
  },
};
