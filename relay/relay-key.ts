// The relay's static Noise key: clients pin its public half, so it must survive restarts. Only the
// 32-byte secret is stored; the public key is derived from it, so the two can never disagree.
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SottoError } from '../protocol/errors.js';
import type { NoiseKeyPair, NoisePrimitives } from '../protocol/noise/index.js';

const RELAY_KEY_FILE = 'relay-key';

const SECRET_BYTES = 32;
// The X25519 base point u = 9: DH with it maps a secret to its public key.
const BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));

/** Creates the data directory (0700) if needed; other users on the host have no business in it. */
function ensureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

export function loadOrCreateRelayKey(dataDir: string, primitives: NoisePrimitives): NoiseKeyPair {
  ensureDataDir(dataDir);
  const path = join(dataDir, RELAY_KEY_FILE);
  let secretKey: Uint8Array;
  try {
    secretKey = new Uint8Array(readFileSync(path));
    chmodSync(path, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    secretKey = primitives.generateKeyPair().secretKey;
    writeSecret(path, secretKey);
  }
  if (secretKey.length !== SECRET_BYTES) throw new SottoError('BAD_KEY', `${path} must hold exactly ${SECRET_BYTES} bytes`);
  return { secretKey, publicKey: primitives.dh(secretKey, BASE_POINT) };
}

/** Write-then-rename, so a crash never leaves a truncated key that would change the relay's identity. */
function writeSecret(path: string, secretKey: Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, secretKey);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
