// attachPut / attachGet at a real relay (docs/protocol.md §9.2): who may store and read chunks,
// in what order, how large, and what an unfinished attachment serves. Raw frames over real Noise,
// so every refusal is the relay's own. Written before the handlers: on the old relay every frame
// here was UNKNOWN_TYPE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from '../../protocol/crypto/random.js';
import type { RelayFrame } from '../../protocol/wire/frames.js';
import type { RawClient } from '../helpers/raw-client.js';
import { InProcessRelay } from './in-process-relay.js';
import { admit, createRoom, expectOk, identity, outcome, type Identity, type RoomModel } from './fixtures.js';

/** Small limits, so the size rules show with small chunks. */
const MAX_ATTACHMENT = 1000;
const MAX_ROOM = 2500;

let served: InProcessRelay;
let owner: Identity;
let ownerClient: RawClient;
let memberClient: RawClient;
let room: RoomModel;

function connect(): Promise<RawClient> {
  return served.connect();
}

function put(client: RawClient, attachmentId: Uint8Array, index: number, last: boolean, chunk: Uint8Array, roomId = room.roomId): Promise<RelayFrame> {
  return client.request({ type: 'attachPut', rid: client.nextRid(), roomId, attachmentId, index, last, chunk });
}

function get(client: RawClient, attachmentId: Uint8Array, index: number, roomId = room.roomId): Promise<RelayFrame> {
  return client.request({ type: 'attachGet', rid: client.nextRid(), roomId, attachmentId, index });
}

test.before(async () => {
  served = await InProcessRelay.start('relay-attachments', { maxAttachmentBytes: MAX_ATTACHMENT - 16, maxRoomAttachmentBytes: MAX_ROOM });
  owner = await identity();
  ownerClient = await connect();
  room = await createRoom(ownerClient, owner);
  memberClient = await connect();
  await admit(room, ownerClient, owner, memberClient, await identity());
});

test.after(async () => {
  await served.close();
});

test('V-135: only a member of the room stores or reads its attachments', async () => {
  const id = randomBytes(16);
  expectOk(await put(ownerClient, id, 0, true, randomBytes(100)), 'owner put');
  const stranger = await connect();
  assert.is(outcome(await put(stranger, randomBytes(16), 0, true, randomBytes(10))), 'NOT_AUTHENTICATED');
  assert.is(outcome(await get(stranger, id, 0)), 'NOT_AUTHENTICATED');
  // A member of another room, bound there, is no member here.
  const elsewhere = await connect();
  const other = await createRoom(elsewhere, await identity());
  assert.is(outcome(await get(elsewhere, id, 0)), 'NOT_AUTHENTICATED');
  assert.is(outcome(await get(elsewhere, id, 0, other.roomId)), 'ATTACHMENT_NOT_FOUND', 'an id of another room is unknown in this one');
  const served = await get(memberClient, id, 0);
  assert.is(served.type, 'attachChunk');
});

test('V-136: chunks in order, from their uploader, until the last; a same resend is answered again', async () => {
  const id = randomBytes(16);
  const [a, b, c] = [randomBytes(100), randomBytes(100), randomBytes(50)];
  assert.is(outcome(await put(memberClient, id, 1, false, b)), 'ATTACHMENT_STATE', 'no gap before the first chunk');
  assert.is(expectOk(await put(memberClient, id, 0, false, a), 'chunk 0').value, 100);
  assert.is(expectOk(await put(memberClient, id, 0, false, a), 'resend of chunk 0').value, 100);
  assert.is(outcome(await put(memberClient, id, 0, false, b)), 'ATTACHMENT_STATE', 'other bytes at a stored index');
  assert.is(outcome(await put(ownerClient, id, 1, false, b)), 'ATTACHMENT_STATE', 'another member adds nothing');
  assert.is(outcome(await put(memberClient, id, 2, false, c)), 'ATTACHMENT_STATE', 'no gap');
  expectOk(await put(memberClient, id, 1, false, b), 'chunk 1');
  assert.is(expectOk(await put(memberClient, id, 2, true, c), 'last chunk').value, 250);
  assert.is(outcome(await put(memberClient, id, 3, true, c)), 'ATTACHMENT_STATE', 'nothing after the last chunk');
  for (const [index, bytes] of [a, b, c].entries()) {
    const served = await get(ownerClient, id, index);
    assert.ok(served.type === 'attachChunk' && served.index === index && served.last === (index === 2));
    assert.equal(served.type === 'attachChunk' ? served.chunk : undefined, bytes);
  }
  // The codec: an empty chunk or an index of 8192 never reaches the store.
  assert.is(outcome(await put(memberClient, randomBytes(16), 0, true, new Uint8Array(0))), 'BAD_VALUE');
  assert.is(outcome(await put(memberClient, randomBytes(16), 8192, true, randomBytes(1))), 'BAD_VALUE');
});

test('V-137: an attachment past the relay’s limit, or a room past its space, is refused', async () => {
  const id = randomBytes(16);
  expectOk(await put(memberClient, id, 0, false, randomBytes(600)), 'within the limit');
  assert.is(outcome(await put(memberClient, id, 1, true, randomBytes(401))), 'ATTACHMENT_TOO_LARGE');
  expectOk(await put(memberClient, id, 1, true, randomBytes(400)), 'exactly the limit');
  // The room holds 100 + 250 + 1000 bytes now; two more attachments of 600 pass its 2500.
  expectOk(await put(memberClient, randomBytes(16), 0, true, randomBytes(600)), 'room space left');
  assert.is(outcome(await put(memberClient, randomBytes(16), 0, true, randomBytes(600))), 'ATTACHMENT_TOO_LARGE');
});

test('V-138: an unfinished or unknown attachment is not served', async () => {
  const id = randomBytes(16);
  // The first room's space is used up by V-137: a room of its own.
  const other = await createRoom(ownerClient, owner);
  expectOk(await put(ownerClient, id, 0, false, randomBytes(10), other.roomId), 'open attachment');
  assert.is(outcome(await get(ownerClient, id, 0, other.roomId)), 'ATTACHMENT_NOT_FOUND', 'unfinished');
  assert.is(outcome(await get(ownerClient, randomBytes(16), 0, other.roomId)), 'ATTACHMENT_NOT_FOUND', 'unknown');
  expectOk(await put(ownerClient, id, 1, true, randomBytes(10), other.roomId), 'last chunk');
  assert.is((await get(ownerClient, id, 1, other.roomId)).type, 'attachChunk');
  assert.is(outcome(await get(ownerClient, id, 2, other.roomId)), 'ATTACHMENT_NOT_FOUND', 'past the end');
});

test.run();
