// Noise spec §5.2 SymmetricState: the chaining key, the handshake hash, and the CipherState they key.
// HKDF is the spec's §4.3 construction over HMAC-SHA256 (not RFC 5869's info/length interface).
import { concat, utf8 } from '../bytes.js';
import { CipherState } from './cipher-state.js';
import { HASH_BYTES, type NoisePrimitives } from './primitives.js';

const EMPTY = new Uint8Array(0);
const BYTE_1 = Uint8Array.of(1);
const BYTE_2 = Uint8Array.of(2);

export class SymmetricState {
  readonly #primitives: NoisePrimitives;
  readonly #cipher: CipherState;
  #chainingKey: Uint8Array;
  #hash: Uint8Array;

  constructor(primitives: NoisePrimitives, protocolName: string) {
    this.#primitives = primitives;
    const name = utf8(protocolName);
    if (name.length <= HASH_BYTES) {
      this.#hash = new Uint8Array(HASH_BYTES);
      this.#hash.set(name);
    } else {
      this.#hash = primitives.hash(name);
    }
    this.#chainingKey = this.#hash;
    this.#cipher = new CipherState(primitives);
  }

  get handshakeHash(): Uint8Array {
    return this.#hash;
  }

  get hasKey(): boolean {
    return this.#cipher.hasKey;
  }

  mixKey(inputKeyMaterial: Uint8Array): void {
    const [chainingKey, key] = this.#hkdf2(inputKeyMaterial);
    this.#chainingKey = chainingKey;
    this.#cipher.initializeKey(key);
  }

  mixHash(data: Uint8Array): void {
    this.#hash = this.#primitives.hash(concat(this.#hash, data));
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.#cipher.encryptWithAd(this.#hash, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** Throws DECRYPT_FAILED. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.#cipher.decryptWithAd(this.#hash, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Returns [c1, c2]: c1 carries initiator→responder traffic, c2 the other way. */
  split(): [CipherState, CipherState] {
    // Both keys live as long as the connection, so one allocation holds them: a relay keeps a pair per
    // idle connection, and each separate small byte array costs a few hundred bytes beyond its 32.
    const keys = concat(...this.#hkdf2(EMPTY));
    return [new CipherState(this.#primitives, keys.subarray(0, HASH_BYTES)), new CipherState(this.#primitives, keys.subarray(HASH_BYTES))];
  }

  // The spec truncates HKDF outputs to 32 bytes for the cipher key; with SHA-256 they already are.
  #hkdf2(inputKeyMaterial: Uint8Array): [Uint8Array, Uint8Array] {
    const tempKey = this.#primitives.hmac(this.#chainingKey, inputKeyMaterial);
    const output1 = this.#primitives.hmac(tempKey, BYTE_1);
    const output2 = this.#primitives.hmac(tempKey, concat(output1, BYTE_2));
    return [output1, output2];
  }
}
