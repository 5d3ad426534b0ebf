// Noise spec §5.1 CipherState: a key (or none yet) and the next nonce. In the handshake it may be
// keyless (then it passes data through, as the spec says); after Split each direction gets one.
import { SottoError } from '../errors.js';
import type { NoisePrimitives } from './primitives.js';

/** Noise caps every message, handshake or transport, at 65535 bytes (spec §3). */
export const NOISE_MAX_MESSAGE_BYTES = 65535;

/** One direction each, as Split hands them to the side that will use them. */
export interface CipherStatePair {
  readonly send: CipherState;
  readonly receive: CipherState;
}

export class CipherState {
  readonly #primitives: NoisePrimitives;
  #key: Uint8Array | null;
  #nonce = 0;

  constructor(primitives: NoisePrimitives, key: Uint8Array | null = null) {
    this.#primitives = primitives;
    this.#key = key;
  }

  get hasKey(): boolean {
    return this.#key !== null;
  }

  initializeKey(key: Uint8Array): void {
    this.#key = key;
    this.#nonce = 0;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#key === null) return plaintext;
    const ciphertext = this.#primitives.encrypt(this.#key, this.#nonce, ad, plaintext);
    this.#nonce++;
    return ciphertext;
  }

  /** Throws DECRYPT_FAILED, leaving the nonce where it was (spec §5.1). */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#key === null) return ciphertext;
    const plaintext = this.#primitives.decrypt(this.#key, this.#nonce, ad, ciphertext);
    if (plaintext === null) throw new SottoError('DECRYPT_FAILED');
    this.#nonce++;
    return plaintext;
  }
}
