// NoisePrimitives on node:crypto (OpenSSL): the relay's hot path. Node returns Buffers, which are
// Uint8Arrays, so results are handed back as they come without copying.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
} from 'node:crypto';
import { checkAeadSizes, noiseCipher, AEAD_TAG_BYTES, type ChaChaPolyAead } from '../noise/aead.js';
import { checkedDh, DH_BYTES, type NoisePrimitives } from '../noise/primitives.js';

const CHACHA = 'chacha20-poly1305';

// node:crypto has no raw-bytes import for X25519; these fixed DER headers (RFC 8410) wrap the
// 32 raw bytes as PKCS#8 / SPKI, and stripping them gets the raw bytes back out.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

// Every transport message has empty associated data. RFC 8439's tag over an empty AAD is the tag
// with none given (no AAD bytes, no padding, a zero length), so setAAD is skipped then: it is a
// native call and an options check per message, on the relay's hottest path.
export const nodeChaChaPoly: ChaChaPolyAead = {
  seal(key, nonce, ad, plaintext) {
    checkAeadSizes(key, nonce);
    const cipher = createCipheriv(CHACHA, key, nonce, { authTagLength: AEAD_TAG_BYTES });
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    cipher.final(); // a stream cipher: final() emits nothing, it only computes the tag
    return Buffer.concat([body, cipher.getAuthTag()], body.length + AEAD_TAG_BYTES);
  },
  open(key, nonce, ad, ciphertext) {
    checkAeadSizes(key, nonce);
    if (ciphertext.length < AEAD_TAG_BYTES) return null;
    const bodyLength = ciphertext.length - AEAD_TAG_BYTES;
    const decipher = createDecipheriv(CHACHA, key, nonce, { authTagLength: AEAD_TAG_BYTES });
    if (ad.length > 0) decipher.setAAD(ad, { plaintextLength: bodyLength });
    decipher.setAuthTag(ciphertext.subarray(bodyLength));
    const plaintext = decipher.update(ciphertext.subarray(0, bodyLength));
    try {
      decipher.final();
    } catch {
      return null; // the unauthenticated plaintext above is dropped unread
    }
    return plaintext;
  },
};

function x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return diffieHellman({
    privateKey: createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secretKey]), format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, publicKey]), format: 'der', type: 'spki' }),
  });
}

export const nodePrimitives: NoisePrimitives = {
  generateKeyPair() {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    return {
      secretKey: privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-DH_BYTES),
      publicKey: publicKey.export({ format: 'der', type: 'spki' }).subarray(-DH_BYTES),
    };
  },
  dh: (secretKey, publicKey) => checkedDh(x25519, secretKey, publicKey),
  ...noiseCipher(nodeChaChaPoly),
  hash: (data) => createHash('sha256').update(data).digest(),
  hmac: (key, data) => createHmac('sha256', key).update(data).digest(),
};
