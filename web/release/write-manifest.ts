// Writes release.json for a built web client (Node only): every file the service worker will
// serve, by URL path, with its SHA-256. Keys sorted, so the same build gives the same bytes.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileDigest, isReleaseFile, MANIFEST_FILE, parseManifest, type ReleaseChannel } from './release-manifest.js';

export interface ManifestFields {
  readonly version: string;
  readonly channel: ReleaseChannel;
  readonly built: number;
  /** The pinned public key, base64url. */
  readonly signer: string;
}

/** (Re)writes `outDir`/release.json from the files in `outDir` now; returns its bytes. */
export function writeManifest(outDir: string, fields: ManifestFields): Uint8Array {
  const files: Record<string, string> = {};
  for (const name of readdirSync(outDir).sort()) {
    if (!isReleaseFile(name) || !statSync(join(outDir, name)).isFile()) continue;
    files[`/${name}`] = fileDigest(readFileSync(join(outDir, name)));
  }
  const bytes = new TextEncoder().encode(`${JSON.stringify({ format: 1, version: fields.version, channel: fields.channel, built: fields.built, signer: fields.signer, files }, null, 1)}\n`);
  // What the service worker would refuse, the build refuses first.
  parseManifest(bytes);
  writeFileSync(join(outDir, MANIFEST_FILE), bytes);
  return bytes;
}
