// The platform suite: Ed25519 and X25519 through WebCrypto, so private keys live in non-extractable
// CryptoKeys the page's JavaScript cannot read back. detectSuite() picks it when the platform has both.
import { fromBase64Url, fromHex, toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import { isStrictEd25519Input } from './ed25519-checks.js';
import { checkSharedSecret, checkX25519PublicKey } from './x25519-checks.js';
import type { AgreementKey, SigningKey, Suite } from './suite.js';

type Algorithm = 'Ed25519' | 'X25519';

const SECRET_LENGTH = 32;
// PKCS#8 PrivateKeyInfo for RFC 8410 keys with the 32-byte secret appended: the only private-key
// import both algorithms share across Node and browsers.
const PKCS8_PREFIX: Record<Algorithm, Uint8Array> = {
  Ed25519: fromHex('302e020100300506032b657004220420'),
  X25519: fromHex('302e020100300506032b656e04220420'),
};

/** WebCrypto takes ArrayBuffer-backed views only; copy when the caller's bytes live elsewhere. */
function arrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : Uint8Array.from(bytes);
}

/**
 * Imports the secret as a non-extractable key and returns it with its public key. WebCrypto has no
 * "public key of this private key" call, so a transient extractable import is exported as JWK for
 * `x` and dropped. Deriving the public key here rather than with noble keeps the two suites
 * independent implementations, which is what the cross-suite tests compare.
 */
async function importPrivateKey(
  algorithm: Algorithm,
  secret: Uint8Array,
  usages: KeyUsage[],
): Promise<{ key: CryptoKey; publicKey: Uint8Array }> {
  if (secret.length !== SECRET_LENGTH) throw new SottoError('BAD_VALUE', `${algorithm} secret length`);
  const prefix = PKCS8_PREFIX[algorithm];
  const pkcs8 = new Uint8Array(prefix.length + SECRET_LENGTH);
  pkcs8.set(prefix);
  pkcs8.set(secret, prefix.length);
  try {
    const subtle = globalThis.crypto.subtle;
    const jwk = await subtle.exportKey('jwk', await subtle.importKey('pkcs8', pkcs8, algorithm, true, usages));
    if (jwk.x === undefined) throw new SottoError('BAD_KEY', `${algorithm} JWK export has no public key`);
    const key = await subtle.importKey('pkcs8', pkcs8, algorithm, false, usages);
    return { key, publicKey: fromBase64Url(jwk.x) };
  } finally {
    pkcs8.fill(0);
  }
}

class WebCryptoSigningKey implements SigningKey {
  readonly #key: CryptoKey;

  constructor(
    key: CryptoKey,
    readonly publicKey: Uint8Array,
  ) {
    this.#key = key;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await globalThis.crypto.subtle.sign('Ed25519', this.#key, arrayBufferView(message)));
  }
}

class WebCryptoAgreementKey implements AgreementKey {
  readonly #key: CryptoKey;

  constructor(
    key: CryptoKey,
    readonly publicKey: Uint8Array,
  ) {
    this.#key = key;
  }

  async agree(peerPublicKey: Uint8Array): Promise<Uint8Array> {
    checkX25519PublicKey(peerPublicKey);
    const subtle = globalThis.crypto.subtle;
    try {
      const peer = await subtle.importKey('raw', arrayBufferView(peerPublicKey), 'X25519', false, []);
      // Node and Chromium fail deriveBits on an all-zero result rather than returning it.
      return checkSharedSecret(new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: peer }, this.#key, 256)));
    } catch {
      throw new SottoError('BAD_KEY', 'X25519 result is all zero');
    }
  }
}

// Importing a public key costs as much as a verification; rooms verify many messages per key.
const VERIFY_KEY_CACHE_LIMIT = 4096;
const verifyKeys = new Map<string, Promise<CryptoKey>>();

function verifyKey(publicKey: Uint8Array): Promise<CryptoKey> {
  const id = toHex(publicKey);
  let key = verifyKeys.get(id);
  if (key === undefined) {
    key = globalThis.crypto.subtle.importKey('raw', arrayBufferView(publicKey), 'Ed25519', false, ['verify']);
    key.catch(() => verifyKeys.delete(id));
    if (verifyKeys.size >= VERIFY_KEY_CACHE_LIMIT) verifyKeys.clear();
    verifyKeys.set(id, key);
  }
  return key;
}

export const webCryptoSuite: Suite = {
  name: 'webcrypto',
  async signingKeyFromSeed(seed) {
    const { key, publicKey } = await importPrivateKey('Ed25519', seed, ['sign']);
    return new WebCryptoSigningKey(key, publicKey);
  },
  async agreementKeyFromSecret(secret) {
    const { key, publicKey } = await importPrivateKey('X25519', secret, ['deriveBits']);
    return new WebCryptoAgreementKey(key, publicKey);
  },
  async ephemeralAgreementKey() {
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey('X25519', false, ['deriveBits'])) as CryptoKeyPair;
    return new WebCryptoAgreementKey(pair.privateKey, new Uint8Array(await subtle.exportKey('raw', pair.publicKey)));
  },
  async verify(publicKey, message, signature) {
    if (!isStrictEd25519Input(publicKey, signature)) return false;
    try {
      const subtle = globalThis.crypto.subtle;
      const key = await verifyKey(publicKey);
      return await subtle.verify('Ed25519', key, arrayBufferView(signature), arrayBufferView(message));
    } catch {
      return false;
    }
  },
};
