// A malicious relay against attachments (docs/protocol.md §9.2): it holds every chunk's ciphertext,
// so it can alter one, hand back chunks out of place, or serve another attachment's chunks. The
// client refuses each with ATTACHMENT_CORRUPT and returns no bytes (V-139, V-170). Checked against
// the old code by making downloadAttachment skip checkAttachmentHash and open chunks at the index
// the relay names: the altered and the swapped chunks then came back as plaintext.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSottoError } from '../../../protocol/errors.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { ATTACHMENT_CHUNK } from '../../../protocol/wire/attachment-ref.js';
import type { RelayFrame } from '../../../protocol/wire/frames.js';
import type { AttachmentView } from '../../../protocol/client/attachment-view.js';
import { flipBit } from './forge.js';
import { HostileRelay, until, type Person } from './hostile-relay.js';
import { script } from './tap.js';

type Chunk = Extract<RelayFrame, { type: 'attachChunk' }>;

let relay: HostileRelay;
let alice: Person;
let bob: Person;
let roomId: string;
/** 2.5 chunks: the last chunk is short, so truncation and padding both show. */
const file = randomBytes(ATTACHMENT_CHUNK * 2 + ATTACHMENT_CHUNK / 2);
let attachment: AttachmentView;

test.before(async () => {
  relay = await HostileRelay.start();
  ({ people: [alice, bob], roomId } = await relay.gather('alice', 'bob'));
  await alice.client.sendAttachment(roomId, { bytes: file, name: 'report.pdf', mediaType: 'application/pdf' });
  await until(() => bob.client.messages(roomId).some((m) => m.attachment !== undefined), 'bob receives the attachment message');
  attachment = bob.client.messages(roomId).find((m) => m.attachment !== undefined)!.attachment!;
});

test.after(async () => {
  await relay.close();
});

async function refused(what: string): Promise<void> {
  try {
    await bob.client.fetchAttachment(roomId, attachment);
  } catch (error) {
    assert.ok(isSottoError(error, 'ATTACHMENT_CORRUPT'), `${what}: ${String(error)}`);
    return;
  } finally {
    bob.tap.script = script({});
  }
  assert.unreachable(`${what} was accepted`);
}

test('untouched, the attachment comes back byte-exact with its name and type', async () => {
  assert.is(attachment.name, 'report.pdf');
  assert.is(attachment.mediaType, 'application/pdf');
  assert.equal(await bob.client.fetchAttachment(roomId, attachment), file);
});

test('a chunk with one bit flipped is refused (V-139)', async () => {
  bob.tap.script = script({ toClient: (f) => [f.type === 'attachChunk' && f.index === 1 ? { ...f, chunk: flipBit(f.chunk, 100) } : f] });
  await refused('flipped bit');
});

test('chunks served at each other’s place are refused (V-170)', async () => {
  const held: Chunk[] = [];
  bob.tap.script = script({
    toClient: (f) => {
      if (f.type !== 'attachChunk' || f.index > 1) return [f];
      held.push(f);
      // Chunk 0's bytes answer the request for 1 and the other way round.
      if (held.length < 2) return [];
      const [a, b] = held as [Chunk, Chunk];
      return [{ ...a, chunk: b.chunk }, { ...b, chunk: a.chunk }];
    },
  });
  await refused('swapped chunks');
});

test('a last chunk cut short, or marked last too early, is refused', async () => {
  bob.tap.script = script({ toClient: (f) => [f.type === 'attachChunk' && f.index === 2 ? { ...f, chunk: f.chunk.subarray(0, f.chunk.length - 1) } : f] });
  await refused('truncated chunk');
  bob.tap.script = script({ toClient: (f) => [f.type === 'attachChunk' && f.index === 1 ? { ...f, last: true } : f] });
  await refused('early last flag');
});

test('another attachment of the room, served in its place, is refused', async () => {
  const other = randomBytes(1000);
  await alice.client.sendAttachment(roomId, { bytes: other, name: 'other.bin', mediaType: 'application/octet-stream' });
  await until(() => bob.client.messages(roomId).filter((m) => m.attachment !== undefined).length === 2, 'bob receives the second attachment');
  const second = bob.client.messages(roomId).filter((m) => m.attachment !== undefined)[1]!.attachment!;
  // Serving the second attachment's only chunk for the first's chunk 0: a valid ciphertext, the wrong key and id.
  const otherChunk = await new Promise<Uint8Array>((resolve) => {
    bob.tap.script = script({ toClient: (f) => { if (f.type === 'attachChunk') resolve(f.chunk); return [f]; } });
    void bob.client.fetchAttachment(roomId, second);
  });
  bob.tap.script = script({ toClient: (f) => [f.type === 'attachChunk' && f.index === 0 ? { ...f, chunk: otherChunk } : f] });
  await refused('another attachment’s chunk');
});

test.run();
