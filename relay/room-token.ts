// Room-creation tokens (V-116): under --require-room-token a relay creates rooms only for a client
// that shows a token its operator issued with `sotto-relay room-token`. A token is its expiry, an
// id and a MAC over both under a secret kept in the data directory, so the relay stores no list of
// tokens and every process given the same secret file accepts the same tokens. A token may create
// rooms until it expires (still within --rooms-per-address-per-hour); deleting the secret file and
// issuing new tokens revokes every earlier one.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../protocol/bytes.js';
import { SottoError } from '../protocol/errors.js';
import { ensureDataDir } from './data-dir.js';
import { writeSecretFile } from './relay-key.js';

export const ROOM_TOKEN_SECRET_FILE = 'room-token-secret';

const SECRET_BYTES = 32;
const EXPIRY_BYTES = 8;
const ID_BYTES = 8;
const MAC_BYTES = 16;
const TOKEN_BYTES = EXPIRY_BYTES + ID_BYTES + MAC_BYTES;
const LABEL = 'sotto room token\0';

function mac(secret: Uint8Array, body: Uint8Array): Uint8Array {
  return createHmac('sha256', secret).update(LABEL).update(body).digest().subarray(0, MAC_BYTES);
}

/** A token good until `expiresAt` (ms since the Unix epoch); `id` only makes tokens differ. */
export function issueRoomToken(secret: Uint8Array, expiresAt: number, id: Uint8Array = randomBytes(ID_BYTES)): string {
  const body = new Uint8Array(EXPIRY_BYTES + ID_BYTES);
  new DataView(body.buffer).setBigUint64(0, BigInt(expiresAt));
  body.set(id.subarray(0, ID_BYTES), EXPIRY_BYTES);
  const token = new Uint8Array(TOKEN_BYTES);
  token.set(body);
  token.set(mac(secret, body), body.length);
  return toBase64Url(token);
}

/** BAD_ROOM_TOKEN unless `token` was issued under `secret` and is unexpired at `now`. */
export function checkRoomToken(secret: Uint8Array, token: string, now: number): void {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(token.trim());
  } catch {
    throw new SottoError('BAD_ROOM_TOKEN', 'not a token');
  }
  if (bytes.length !== TOKEN_BYTES) throw new SottoError('BAD_ROOM_TOKEN', 'not a token');
  const body = bytes.subarray(0, EXPIRY_BYTES + ID_BYTES);
  if (!timingSafeEqual(mac(secret, body), bytes.subarray(body.length))) throw new SottoError('BAD_ROOM_TOKEN', 'not issued by this relay');
  const expiresAt = Number(new DataView(body.buffer, body.byteOffset).getBigUint64(0));
  if (expiresAt <= now) throw new SottoError('BAD_ROOM_TOKEN', 'expired');
}

/** The secret tokens are checked with; `create` makes it when missing (the issuing command), else it must exist. */
export function loadRoomTokenSecret(dataDir: string, create: boolean): Uint8Array {
  const path = join(dataDir, ROOM_TOKEN_SECRET_FILE);
  try {
    const secret = new Uint8Array(readFileSync(path));
    if (secret.length !== SECRET_BYTES) throw new SottoError('BAD_KEY', `${path} must hold exactly ${SECRET_BYTES} bytes`);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (!create) throw new Error(`--require-room-token needs ${path}: issue a first token with \`sotto-relay room-token\``);
    ensureDataDir(dataDir);
    const secret = new Uint8Array(randomBytes(SECRET_BYTES));
    writeSecretFile(path, secret);
    return secret;
  }
}
