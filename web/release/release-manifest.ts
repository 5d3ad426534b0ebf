// The signed release manifest: which files make up the web app and the SHA-256 of each. The build
// writes it (release.json), a release key signs its exact bytes (release.sig), and the service
// worker checks both before it serves a single byte of app code. Pure: runs in Node (build, sign)
// and in the service worker alike.
import { concat, fromBase64Url, toBase64Url, toHex, utf8 } from '../../protocol/bytes.js';
import { cofactorlessVerify } from '../../protocol/crypto/ed25519-checks.js';
import { sha256 } from '../../protocol/crypto/hash.js';
import { SottoError } from '../../protocol/errors.js';

export const MANIFEST_FILE = 'release.json';
export const SIGNATURE_FILE = 'release.sig';
export const SERVICE_WORKER_FILE = 'sw.js';

/**
 * Signed before the manifest bytes, so a release signature can never be replayed as any other
 * Ed25519 signature the same key might make, nor the reverse.
 */
const SIGNING_CONTEXT = utf8('sotto release manifest v1\n');

/** Files the build writes that are not app code the service worker serves from its cache. */
export function isReleaseFile(name: string): boolean {
  return name !== MANIFEST_FILE && name !== SIGNATURE_FILE && name !== SERVICE_WORKER_FILE &&
    !name.endsWith('.br') && !name.endsWith('.gz');
}

/** How the release was signed; shown to the person beside the manifest hash. */
export type ReleaseChannel = 'release' | 'dev' | 'test';

export interface ReleaseManifest {
  readonly format: 1;
  /** package.json's version. */
  readonly version: string;
  readonly channel: ReleaseChannel;
  /** Build time in ms: a later release must have a later one (no rollback to an older signed release). */
  readonly built: number;
  /** The public key the build's service worker pins (base64url): the one key that may sign it. */
  readonly signer: string;
  /** URL path ("/index.html") → lowercase hex SHA-256 of the file's bytes. */
  readonly files: Readonly<Record<string, string>>;
}

/** Lowercase hex SHA-256, the form the manifest names files by. */
export function fileDigest(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

/** The release's identity: SHA-256 of the manifest's exact bytes, what people compare. */
export function manifestId(manifestBytes: Uint8Array): string {
  return fileDigest(manifestBytes);
}

const MAX_FILES = 500;
const PATH = /^\/[A-Za-z0-9._-]+$/;
const DIGEST = /^[0-9a-f]{64}$/;

/** Strict: every field present and in range, nothing else; a bad manifest is BAD_VALUE. */
export function parseManifest(bytes: Uint8Array): ReleaseManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new SottoError('BAD_VALUE', 'release manifest is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SottoError('BAD_VALUE', 'release manifest');
  const m = json as Record<string, unknown>;
  const keys = Object.keys(m).sort().join(',');
  if (keys !== 'built,channel,files,format,signer,version') throw new SottoError('BAD_VALUE', 'release manifest fields');
  if (m['format'] !== 1) throw new SottoError('BAD_VALUE', 'release manifest format');
  if (typeof m['version'] !== 'string' || !/^[0-9A-Za-z.+-]{1,40}$/.test(m['version'])) throw new SottoError('BAD_VALUE', 'release version');
  if (m['channel'] !== 'release' && m['channel'] !== 'dev' && m['channel'] !== 'test') throw new SottoError('BAD_VALUE', 'release channel');
  if (typeof m['built'] !== 'number' || !Number.isSafeInteger(m['built']) || m['built'] <= 0) throw new SottoError('BAD_VALUE', 'release build time');
  if (typeof m['signer'] !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(m['signer'])) throw new SottoError('BAD_VALUE', 'release signer');
  const files = m['files'];
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new SottoError('BAD_VALUE', 'release files');
  const entries = Object.entries(files);
  if (entries.length === 0 || entries.length > MAX_FILES) throw new SottoError('BAD_VALUE', 'release file count');
  for (const [path, digest] of entries) {
    if (!PATH.test(path) || typeof digest !== 'string' || !DIGEST.test(digest)) throw new SottoError('BAD_VALUE', 'release file entry');
  }
  if (!Object.hasOwn(files, '/index.html')) throw new SottoError('BAD_VALUE', 'release has no index.html');
  return { format: 1, version: m['version'], channel: m['channel'], built: m['built'], signer: m['signer'], files: files as Record<string, string> };
}

/** The bytes a release key signs: the context, then the manifest exactly as served. */
export function signedBytes(manifestBytes: Uint8Array): Uint8Array {
  return concat(SIGNING_CONTEXT, manifestBytes);
}

/** release.sig's text: the 64-byte signature in base64url and a newline. */
export function encodeSignature(signature: Uint8Array): string {
  return `${toBase64Url(signature)}\n`;
}

/**
 * The manifest, if `signatureText` is a signature by `publicKey` over exactly these bytes; else
 * BAD_SIGNATURE (missing, malformed or wrong key alike: the service worker refuses all three).
 */
export function verifyManifest(manifestBytes: Uint8Array, signatureText: string, publicKey: Uint8Array): ReleaseManifest {
  let signature: Uint8Array;
  try {
    signature = fromBase64Url(signatureText.trim());
  } catch {
    throw new SottoError('BAD_SIGNATURE', 'release signature is not base64url');
  }
  if (signature.length !== 64 || publicKey.length !== 32) throw new SottoError('BAD_SIGNATURE', 'release signature length');
  // The project's one Ed25519 check: the same strict equation as OpenSSL, which signs releases.
  if (!cofactorlessVerify(publicKey, signedBytes(manifestBytes), signature)) throw new SottoError('BAD_SIGNATURE', 'release manifest is not signed by the pinned release key');
  const manifest = parseManifest(manifestBytes);
  if (manifest.signer !== toBase64Url(publicKey)) throw new SottoError('BAD_SIGNATURE', 'release manifest names another signer');
  return manifest;
}
