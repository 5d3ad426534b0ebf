// The relay's static Noise key: clients pin its public half, so it must survive restarts. Only the
// 32-byte secret is stored; the public key is derived from it, so the two can never disagree.
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url } from '../protocol/bytes.js';
import { Secret } from '../protocol/crypto/secret.js';
import { SottoError } from '../protocol/errors.js';
import type { NoiseKeyPair, NoisePrimitives } from '../protocol/noise/index.js';
import { ensureDataDir, FILE_MODE, RELAY_KEY_FILE } from './data-dir.js';

const SECRET_BYTES = 32;
// The X25519 base point u = 9: DH with it maps a secret to its public key.
const BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));

/**
 * The relay's key pair. It is reachable from the relay's long-lived objects, so a debug dump or a
 * JSON log of one of them must not print the secret: only the public key is ever shown.
 */
export class RelayKeyPair implements NoiseKeyPair {
  readonly publicKey: Uint8Array;
  readonly #secret: Secret;

  constructor(secretKey: Uint8Array, publicKey: Uint8Array) {
    this.#secret = new Secret(secretKey);
    this.publicKey = publicKey;
  }

  get secretKey(): Uint8Array {
    return this.#secret.expose();
  }

  toJSON(): { publicKey: string } {
    return { publicKey: toBase64Url(this.publicKey) };
  }

  toString(): string {
    return `RelayKeyPair(${toBase64Url(this.publicKey)})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export function loadOrCreateRelayKey(dataDir: string, primitives: NoisePrimitives): RelayKeyPair {
  ensureDataDir(dataDir);
  const path = join(dataDir, RELAY_KEY_FILE);
  let secretKey: Uint8Array;
  try {
    secretKey = new Uint8Array(readFileSync(path));
    chmodSync(path, FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    secretKey = primitives.generateKeyPair().secretKey;
    writeSecretFile(path, secretKey);
  }
  if (secretKey.length !== SECRET_BYTES) throw new SottoError('BAD_KEY', `${path} must hold exactly ${SECRET_BYTES} bytes`);
  const keyPair = new RelayKeyPair(secretKey, primitives.dh(secretKey, BASE_POINT));
  // The Secret holds its own copy; this one would otherwise linger until collected.
  secretKey.fill(0);
  return keyPair;
}

/** Write-then-rename, so a crash never leaves a truncated key that would change the relay's identity. */
export function writeSecretFile(path: string, secretKey: Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w', FILE_MODE);
  try {
    writeSync(fd, secretKey);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
