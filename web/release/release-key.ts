// Release keys on disk (Node only): an Ed25519 private key in PKCS#8 PEM (what OpenSSL and Node
// read and write), a public key as one line of base64url over the raw 32 bytes (what the service
// worker pins). Signing a built dist/www writes release.sig beside release.json.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../../protocol/bytes.js';
import { encodeSignature, MANIFEST_FILE, manifestId, parseManifest, SIGNATURE_FILE, signedBytes, verifyManifest } from './release-manifest.js';

/** Raw 32-byte public key from a .pub file (base64url, one line). */
export function readPublicKey(path: string): Uint8Array {
  const key = fromBase64Url(readFileSync(path, 'utf8').trim());
  if (key.length !== 32) throw new Error(`${path}: not an Ed25519 public key (expected 32 bytes in base64url)`);
  return key;
}

function privateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('release key must be an Ed25519 private key (PKCS#8 PEM)');
  return key;
}

/** The raw public half of a private key PEM. */
export function publicKeyOf(privatePem: string): Uint8Array {
  const jwk = createPublicKey(privateKey(privatePem)).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('release key has no public half');
  return fromBase64Url(jwk.x);
}

/**
 * A new key pair: the private key at `privatePath` (mode 0600, never overwritten), the public key
 * at `publicPath`. Returns the public key.
 */
export function generateReleaseKey(privatePath: string, publicPath: string): Uint8Array {
  if (existsSync(privatePath)) throw new Error(`${privatePath} exists; a release key is never overwritten`);
  const { privateKey: key } = generateKeyPairSync('ed25519');
  const pem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
  mkdirSync(dirname(privatePath), { recursive: true, mode: 0o700 });
  writeFileSync(privatePath, pem, { mode: 0o600, flag: 'wx' });
  const publicKey = publicKeyOf(pem);
  mkdirSync(dirname(publicPath), { recursive: true });
  writeFileSync(publicPath, `${toBase64Url(publicKey)}\n`);
  return publicKey;
}

/**
 * Signs `outDir`/release.json with the key in `privatePem`, writes release.sig, and checks the
 * result the way the service worker will. Returns the manifest id people compare.
 */
export function signRelease(outDir: string, privatePem: string): { id: string; publicKey: Uint8Array } {
  const manifest = readFileSync(join(outDir, MANIFEST_FILE));
  const publicKey = publicKeyOf(privatePem);
  // The wrong key would make a release every browser refuses: say so here instead.
  const { signer } = parseManifest(manifest);
  if (signer !== toBase64Url(publicKey)) throw new Error(`this build pins the key ${signer}; the key given is ${toBase64Url(publicKey)}`);
  const signature = sign(null, signedBytes(manifest), privateKey(privatePem));
  const text = encodeSignature(signature);
  verifyManifest(manifest, text, publicKey);
  writeFileSync(join(outDir, SIGNATURE_FILE), text);
  return { id: manifestId(manifest), publicKey };
}
