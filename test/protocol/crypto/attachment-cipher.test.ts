// The attachment chunk cipher and reference (docs/protocol.md §9.2): a chunk opens only where it
// was sealed, and a reference carries only a sane name, media type and size.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { sha256 } from '../../../protocol/crypto/hash.js';
import { checkAttachmentHash, openChunk, sealChunk } from '../../../protocol/crypto/attachment-cipher.js';
import {
  ATTACHMENT_CHUNK, chunkCount, decodeAttachmentRef, encodeAttachmentRef, MAX_ATTACHMENT_SIZE, type AttachmentRef,
} from '../../../protocol/wire/attachment-ref.js';
import { expectSottoError } from './expect-error.js';

const key = randomBytes(32);
const id = randomBytes(16);
const file = randomBytes(ATTACHMENT_CHUNK * 2 + 1000);
const sealed = [0, 1, 2].map((i) => sealChunk(key, id, file, i));

test('attachment chunks: sealed and opened in place give back the file; the hash covers the ciphertexts', () => {
  assert.is(chunkCount(file.length), 3);
  assert.is(chunkCount(0), 1);
  assert.is(sealed[2]!.length, 1000 + 16);
  const opened = sealed.map((c, i) => openChunk(key, id, file.length, i, c));
  assert.equal(new Uint8Array(opened.flatMap((c) => [...c])), file);
  checkAttachmentHash(sha256(...sealed), sha256(...sealed));
  assert.throws(() => checkAttachmentHash(sha256(...sealed), sha256(sealed[1]!, sealed[0]!, sealed[2]!)));
  // An empty file is one sealed empty chunk.
  assert.equal(openChunk(key, id, 0, 0, sealChunk(key, id, new Uint8Array(0), 0)), new Uint8Array(0));
});

test('V-170: a chunk opens only at its own index, with its last flag, in its own attachment', async () => {
  await expectSottoError(() => openChunk(key, id, file.length, 1, sealed[0]!), 'ATTACHMENT_CORRUPT', 'chunk 0 at index 1');
  await expectSottoError(() => openChunk(key, randomBytes(16), file.length, 0, sealed[0]!), 'ATTACHMENT_CORRUPT', 'another attachment id');
  await expectSottoError(() => openChunk(randomBytes(32), id, file.length, 0, sealed[0]!), 'ATTACHMENT_CORRUPT', 'another key');
  // Truncation: a file claimed two chunks long makes chunk 1 the last, which it was not sealed as.
  await expectSottoError(() => openChunk(key, id, ATTACHMENT_CHUNK * 2, 1, sealed[1]!), 'ATTACHMENT_CORRUPT', 'cut after chunk 1');
  await expectSottoError(() => openChunk(key, id, file.length, 3, sealed[2]!), 'ATTACHMENT_CORRUPT', 'past the end');
  const flipped = sealed[2]!.slice();
  flipped[5]! ^= 1;
  await expectSottoError(() => openChunk(key, id, file.length, 2, flipped), 'ATTACHMENT_CORRUPT', 'flipped bit');
  // A size that disagrees with the sealed length of the last chunk is refused after it opens.
  await expectSottoError(() => openChunk(key, id, file.length - 1, 2, sealed[2]!), 'ATTACHMENT_CORRUPT', 'size off by one');
});

test('V-172: a reference with a bad name, media type or size is BAD_VALUE', async () => {
  const ref: AttachmentRef = { id, key, hash: sha256(...sealed), size: file.length, name: 'Quarterly report.pdf', mediaType: 'application/pdf' };
  assert.equal(decodeAttachmentRef(encodeAttachmentRef(ref)), ref);
  for (const name of ['', '../etc/passwd', 'a\\b', 'line\nbreak', 'nul\u0000', 'x'.repeat(256)]) {
    await expectSottoError(() => encodeAttachmentRef({ ...ref, name }), 'BAD_VALUE', `name ${JSON.stringify(name)}`);
  }
  for (const mediaType of ['', 'text', 'Text/HTML', 'text/html; charset=utf-8', 'a/b/c', '/x']) {
    await expectSottoError(() => encodeAttachmentRef({ ...ref, mediaType }), 'BAD_VALUE', `type ${JSON.stringify(mediaType)}`);
  }
  await expectSottoError(() => encodeAttachmentRef({ ...ref, size: MAX_ATTACHMENT_SIZE + 1 }), 'BAD_VALUE', 'size');
  await expectSottoError(() => encodeAttachmentRef({ ...ref, size: -1 }), 'BAD_VALUE', 'negative size');
  // A decoder meets bytes no encoder of ours made: the same rules hold there.
  const good = encodeAttachmentRef(ref);
  const nameAt = 16 + 32 + 32 + 8 + 2;
  const slash = good.slice();
  slash[nameAt] = 0x2f;
  await expectSottoError(() => decodeAttachmentRef(slash), 'BAD_VALUE', 'decoded name with a slash');
});

test.run();
