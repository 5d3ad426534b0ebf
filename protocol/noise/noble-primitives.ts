// NoisePrimitives on noble: pure JS, so it runs in the browser and anywhere WebCrypto lacks X25519.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { checkAeadSizes, noiseCipher, type ChaChaPolyAead } from './aead.js';
import { checkedDh, type NoisePrimitives } from './primitives.js';

export const nobleChaChaPoly: ChaChaPolyAead = {
  seal(key, nonce, ad, plaintext) {
    checkAeadSizes(key, nonce);
    return chacha20poly1305(key, nonce, ad).encrypt(plaintext);
  },
  open(key, nonce, ad, ciphertext) {
    checkAeadSizes(key, nonce);
    try {
      return chacha20poly1305(key, nonce, ad).decrypt(ciphertext);
    } catch {
      // With sizes checked, noble only throws here for a bad tag or a ciphertext shorter than one.
      return null;
    }
  },
};

export const noblePrimitives: NoisePrimitives = {
  generateKeyPair: () => x25519.keygen(),
  dh: (secretKey, publicKey) => checkedDh(x25519.getSharedSecret, secretKey, publicKey),
  ...noiseCipher(nobleChaChaPoly),
  hash: (data) => sha256(data),
  hmac: (key, data) => hmac(sha256, key, data),
};
