// Which key a build pins in its service worker, and whether the build signs itself. Three kinds:
// - release: the project's release key (release/sotto-release.pub); the private key never comes
//   near a build machine or a server, so the build is signed afterwards (npm run release:sign).
// - dev: a key made on this machine the first time it builds (.sotto-dev/, never committed, never
//   served); the build signs itself and the app says "development build" wherever it names its
//   release, so it never passes for a Sotto release.
// - test: the throwaway key committed under test/fixtures/, for tests only.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateReleaseKey, publicKeyOf, readPublicKey } from './release-key.js';
import type { ReleaseChannel } from './release-manifest.js';

/** This file runs as dist/web/release/release-plan.js. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const PROJECT_RELEASE_PUBLIC_KEY = join(REPO_ROOT, 'release', 'sotto-release.pub');
export const DEV_KEY_DIR = join(REPO_ROOT, '.sotto-dev');

export interface ReleasePlan {
  readonly channel: ReleaseChannel;
  /** The key the service worker pins. */
  readonly publicKey: Uint8Array;
  /** Signs the build at once; undefined for a release, which is signed off the server. */
  readonly privatePem: string | undefined;
  /** Where the key came from, for the build's log. */
  readonly keyPath: string;
}

export function projectRelease(): ReleasePlan {
  return { channel: 'release', publicKey: readPublicKey(PROJECT_RELEASE_PUBLIC_KEY), privatePem: undefined, keyPath: PROJECT_RELEASE_PUBLIC_KEY };
}

/** A plan that pins and signs with the key pair at `privatePath`. */
export function selfSignedRelease(channel: 'dev' | 'test', privatePath: string): ReleasePlan {
  const privatePem = readFileSync(privatePath, 'utf8');
  return { channel, publicKey: publicKeyOf(privatePem), privatePem, keyPath: privatePath };
}

/** This machine's development key, made on first use. */
export function devRelease(): ReleasePlan {
  const privatePath = join(DEV_KEY_DIR, 'release-dev.key');
  if (!existsSync(privatePath)) generateReleaseKey(privatePath, join(DEV_KEY_DIR, 'release-dev.pub'));
  return selfSignedRelease('dev', privatePath);
}
