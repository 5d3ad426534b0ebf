// Fetching and verifying a release from the server: the manifest and its signature, then every
// file it names, each hashed before it is kept. Anything that does not match is a typed error and
// nothing of that release is kept.
import { fromUtf8 } from '../../protocol/bytes.js';
import { SottoError } from '../../protocol/errors.js';
import { contentTypeOf, SECURITY_HEADERS } from '../../relay/security-headers.js';
import {
  fileDigest, MANIFEST_FILE, manifestId, parseManifest, SIGNATURE_FILE, verifyManifest, type ReleaseManifest,
} from '../release/release-manifest.js';
import type { ReleaseStore, StoredRelease } from './release-store.js';

/** What the server offers now, or undefined when it cannot be reached (offline, relay down). */
export async function fetchOffered(origin: string): Promise<{ manifest: Uint8Array; signature: string } | undefined> {
  let manifestResponse: Response;
  try {
    manifestResponse = await fetch(new URL(`/${MANIFEST_FILE}`, origin), { cache: 'no-store', credentials: 'omit' });
  } catch {
    return undefined;
  }
  // A proxy's error page while the relay restarts is not an offer; the verified release stays.
  if (!manifestResponse.ok) return undefined;
  const manifest = new Uint8Array(await manifestResponse.arrayBuffer());
  let signature = '';
  try {
    const response = await fetch(new URL(`/${SIGNATURE_FILE}`, origin), { cache: 'no-store', credentials: 'omit' });
    if (response.ok) signature = await response.text();
  } catch {
    return undefined;
  }
  return { manifest, signature };
}

/**
 * The offered release, verified against the pinned key and newer than `current`, with every file
 * downloaded, hashed and put in its own cache. Throws BAD_SIGNATURE, BAD_VALUE, ROLLBACK or
 * TAMPERED; on any failure its files are deleted again.
 */
export async function verifyOffered(
  origin: string, offered: { manifest: Uint8Array; signature: string }, pinnedKey: Uint8Array,
  current: StoredRelease | undefined, store: ReleaseStore,
): Promise<StoredRelease> {
  if (offered.signature.trim() === '') throw new SottoError('BAD_SIGNATURE', 'the release manifest is not signed');
  const manifest = verifyManifest(offered.manifest, offered.signature, pinnedKey);
  if (current !== undefined && manifest.built <= parseManifest(new TextEncoder().encode(current.manifest)).built) {
    throw new SottoError('ROLLBACK', `release ${manifest.version} is not newer than the running one`);
  }
  const id = manifestId(offered.manifest);
  try {
    await download(origin, manifest, await store.files(id));
  } catch (error) {
    await store.dropFiles(id);
    throw error;
  }
  return { manifest: fromUtf8(offered.manifest), signature: offered.signature, id };
}

async function download(origin: string, manifest: ReleaseManifest, cache: Cache): Promise<void> {
  for (const [path, digest] of Object.entries(manifest.files)) {
    const response = await fetch(new URL(path, origin), { cache: 'no-cache', credentials: 'omit', redirect: 'error' });
    if (!response.ok) throw new SottoError('TAMPERED', `${path}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (fileDigest(bytes) !== digest) throw new SottoError('TAMPERED', `${path} differs from the signed release`);
    // Our headers, never the server's: the bytes are what was verified, the rest is fixed here.
    await cache.put(new URL(path, origin).href, new Response(bytes, {
      headers: { ...SECURITY_HEADERS, 'Content-Type': contentTypeOf(path), 'Cache-Control': 'no-cache' },
    }));
  }
}
