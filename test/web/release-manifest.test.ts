// The release manifest and its signature, as the build signs them and the service worker checks
// them: every way a server could pass off other code is a typed refusal. Written before
// web/release/ existed (there was nothing to check, so all of these "passed" by loading anything).
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toBase64Url } from '../../protocol/bytes.js';
import { isSottoError } from '../../protocol/errors.js';
import { publicKeyOf, signRelease } from '../../web/release/release-key.js';
import { parseManifest, verifyManifest } from '../../web/release/release-manifest.js';
import { writeManifest } from '../../web/release/write-manifest.js';
import { TEST_RELEASE_KEY } from '../helpers/release-test-key.js';

const KEY = readFileSync(TEST_RELEASE_KEY, 'utf8');
const PUBLIC = publicKeyOf(KEY);

function built(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-release-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Sotto</title>');
  writeFileSync(join(dir, 'main-ABCDEFGH.js'), 'console.log(1)');
  writeFileSync(join(dir, 'main-ABCDEFGH.js.br'), 'compressed copies are not listed');
  writeFileSync(join(dir, 'sw.js'), 'the service worker is not listed');
  writeManifest(dir, { version: '0.1.0', channel: 'test', built: 1_700_000_000_000, signer: toBase64Url(PUBLIC) });
  return dir;
}

function refused(name: string, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(isSottoError(error), `typed error, got ${String(error)}`);
    assert.is(error.errorName, name);
    return;
  }
  assert.unreachable(`expected ${name}`);
}

test('a signed build verifies and lists exactly its app files', () => {
  const dir = built();
  try {
    const { id } = signRelease(dir, KEY);
    const manifest = verifyManifest(readFileSync(join(dir, 'release.json')), readFileSync(join(dir, 'release.sig'), 'utf8'), PUBLIC);
    assert.equal(Object.keys(manifest.files), ['/index.html', '/main-ABCDEFGH.js']);
    assert.match(id, /^[0-9a-f]{64}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an altered manifest, another key, a missing or bare signature are BAD_SIGNATURE', () => {
  const dir = built();
  try {
    signRelease(dir, KEY);
    const bytes = readFileSync(join(dir, 'release.json'));
    const signature = readFileSync(join(dir, 'release.sig'), 'utf8');
    const altered = Buffer.from(bytes.toString('utf8').replace('"0.1.0"', '"0.1.1"'));
    refused('BAD_SIGNATURE', () => verifyManifest(altered, signature, PUBLIC));
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    refused('BAD_SIGNATURE', () => verifyManifest(bytes, signature, publicKeyOf(other)));
    refused('BAD_SIGNATURE', () => verifyManifest(bytes, '', PUBLIC));
    refused('BAD_SIGNATURE', () => verifyManifest(bytes, 'not base64url!', PUBLIC));
    // A signature over the manifest alone, without the release context, is not a release signature.
    const bare = sign(null, bytes, KEY).toString('base64url');
    refused('BAD_SIGNATURE', () => verifyManifest(bytes, bare, PUBLIC));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('signing with a key other than the one the build pinned stops with the pinned key named', () => {
  const dir = built();
  try {
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.throws(() => signRelease(dir, other), (error: Error) => error.message.includes(toBase64Url(PUBLIC)));
    assert.not.ok(existsSync(join(dir, 'release.sig')), 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed manifest is BAD_VALUE', () => {
  const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
  const good = { format: 1, version: '1.0.0', channel: 'release', built: 1, signer: toBase64Url(PUBLIC), files: { '/index.html': 'a'.repeat(64) } };
  parseManifest(encode(good));
  refused('BAD_VALUE', () => parseManifest(new TextEncoder().encode('not json')));
  refused('BAD_VALUE', () => parseManifest(encode({ ...good, extra: true })));
  refused('BAD_VALUE', () => parseManifest(encode({ ...good, channel: 'nightly' })));
  refused('BAD_VALUE', () => parseManifest(encode({ ...good, signer: 'short' })));
  refused('BAD_VALUE', () => parseManifest(encode({ ...good, files: { '/../etc/passwd': 'a'.repeat(64) } })));
  refused('BAD_VALUE', () => parseManifest(encode({ ...good, files: { '/main.js': 'a'.repeat(64) } })));
  refused('BAD_VALUE', () => parseManifest(encode({ ...good, files: { '/index.html': 'A'.repeat(64) } })));
});

test.run();
