// Snapshot (de)serialisation and redaction: the persisted form round-trips exactly, and nothing
// printable (util.inspect, JSON.stringify) of a client or a room state shows a secret byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import { bytesEqual, concat, fromBase64Url, toBase64Url, toHex } from '../../../protocol/bytes.js';
import { decodeTombstone, encodeTombstoneSigned } from '../../../protocol/wire/tombstone.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { Secret } from '../../../protocol/crypto/secret.js';
import { SottoClient } from '../../../protocol/client/client.js';
import { genesisEvent } from '../../../protocol/client/events.js';
import { generateMemberKeys } from '../../../protocol/client/member-keys.js';
import { messageHash, sealMessage } from '../../../protocol/client/message-crypto.js';
import { epochFromKey } from '../../../protocol/client/epoch-keys.js';
import { takeMessageKey } from '../../../protocol/client/sender-ratchet.js';
import { appendVerified, currentRoster, newRoomState, type RoomState } from '../../../protocol/client/room-state.js';
import { applyEvent, ZERO_HASH } from '../../../protocol/membership/roster.js';
import { decodeSnapshot, encodeSnapshot } from '../../../protocol/client/snapshot.js';
import { STATE_RECORD } from '../../../protocol/client/record-layout.js';
import { MemoryPersistence } from '../../helpers/memory-persistence.js';
import { noblePrimitives } from '../../../protocol/noise/index.js';
import { SottoError } from '../../../protocol/errors.js';

const suite = nobleSuite;

interface Secrets {
  readonly room: RoomState;
  readonly secrets: Uint8Array[];
}

/** A room state with every kind of secret it can hold. */
async function busyRoom(): Promise<Secrets> {
  const me = await generateMemberKeys(suite);
  const roomId = randomBytes(16);
  const genesis = await genesisEvent(me.sign, me.enc.publicKey, roomId, undefined);
  const roster = await applyEvent(suite, undefined, genesis);
  const room = newRoomState(roomId, me, 'member', 'Snapshots', 'Me');
  appendVerified(room, genesis, roster);
  const epochKey = randomBytes(32);
  const token = randomBytes(32);
  const joiningKey = randomBytes(32);
  room.epochs.set(0, epochFromKey(epochKey.slice(), { roomId, epoch: 0, roster, startedAt: 5, rotationHash: undefined }));
  room.epoch = 0;
  // Our chain moved to index 2, keeping the keys of 0 and 1: a chain key and skipped keys to persist.
  const chains = room.epochs.get(0)!.chains!;
  const taken = takeMessageKey(chains.get(toHex(me.sign.publicKey))!, 2);
  chains.set(toHex(me.sign.publicKey), taken.chain);
  const record = await sealMessage({
    signer: me.sign, roomId, epoch: 0, key: taken.messageKey, index: 2, counter: 1, prevHash: ZERO_HASH,
    seenSeq: 0, seenHash: ZERO_HASH, logLength: 1, logHash: ZERO_HASH, content: { type: 'text', time: 9, text: 'queued' },
  });
  room.counter = 1;
  room.lastHash = messageHash(record.bytes);
  room.sentHashes.add(toHex(room.lastHash));
  room.outbox.push({ counter: 1, content: { type: 'text', time: 9, text: 'queued' }, record });
  // A queued reaction names its target (§9.1): the target must survive a restart with it.
  room.outbox.push({ counter: 1, content: { type: 'reaction', time: 10, target: { sender: me.sign.publicKey, counter: 7 }, text: '👍' }, record });
  room.verified.add('cd'.repeat(32));
  // A message that could not be checked yet: the sync cursor is past it, so only the keystore keeps it.
  room.waiting.push({ seq: 5, record, error: 'UNKNOWN_SENDER', detail: 'seq 5 waits to be checked', after: 0, told: false });
  // A tombstone behind it (V-197): it must keep its place across a restart too.
  const tombstone = decodeTombstone(concat(encodeTombstoneSigned({
    roomId: room.roomId, seq: 6, epoch: 0, sender: record.sender, counter: 2, index: 1, prevHash: messageHash(record.bytes), hash: randomBytes(32), time: 11,
  }), randomBytes(64)));
  room.waiting.push({ seq: 6, tombstone, error: 'UNKNOWN_SENDER', detail: 'behind seq 5', after: 0, told: false });
  room.seen.set(4, randomBytes(32));
  room.lastSeen = 4;
  room.syncSeq = 4;
  room.senders.set(toHex(randomBytes(32)), { counter: 3, hash: randomBytes(32) });
  room.names.set(toHex(me.sign.publicKey), 'Me');
  room.epochCounts.set(0, 4);
  room.messages.push({ seq: 4, epoch: 0, sender: 'ab', senderName: 'X', senderLabel: 'X', fingerprint: 'f', text: 'hi', time: 1, mine: false, warnings: ['GAP'], pending: false, counter: 2, about: { kind: 'reply', target: 'cd:1' } });
  room.readSeq = 3;
  room.invites.set(toHex(randomBytes(32)), { token: new Secret(token), expiresAt: 77 });
  room.join = { token: new Secret(token), invitePublicKey: randomBytes(32), issuer: randomBytes(32), joiningKey: new Secret(joiningKey), state: 'requested' };
  const held = [taken.chain.key, ...taken.chain.skipped.values()].map((s) => s.expose().slice());
  return { room, secrets: [me.signSeed.expose(), me.encSecret.expose(), ...held, token, joiningKey] };
}

function assertNoSecrets(text: string, secrets: readonly Uint8Array[], what: string): void {
  for (const secret of secrets) {
    assert.not.ok(text.includes(toHex(secret)), `${what} shows a secret in hex`);
    assert.not.ok(text.includes(toBase64Url(secret)), `${what} shows a secret in base64url`);
    assert.not.ok(text.includes([...secret.subarray(0, 6)].join(', ')), `${what} shows a secret's bytes`);
    assert.not.ok(text.includes([...secret.subarray(0, 6)].join(',')), `${what} shows a secret's bytes`);
  }
}

test('snapshot: encode → decode → encode is the identity, and the log is re-verified on load', async () => {
  const { room } = await busyRoom();
  const bytes = encodeSnapshot([room]);
  const { rooms: [back] } = await decodeSnapshot(suite, bytes);
  assert.ok(bytesEqual(encodeSnapshot([back!]), bytes));
  assert.is(back!.events.length, 1);
  assert.is(currentRoster(back!)?.length, 1);
  assert.ok(bytesEqual(back!.me.sign.publicKey, room.me.sign.publicKey));
  assert.equal(back!.outbox[0]!.content, { type: 'text', time: 9, text: 'queued' });
  assert.equal(back!.outbox[1]!.content, room.outbox[1]!.content, 'a queued reaction keeps its target');
  assert.equal([...back!.verified], ['cd'.repeat(32)], 'the verified marks are kept');
  assert.equal(back!.messages[0]!.about, { kind: 'reply', target: 'cd:1' });
  assert.equal(back!.waiting.map((m) => [m.seq, toHex((m.record ?? m.tombstone)!.bytes)]), room.waiting.map((m) => [m.seq, toHex((m.record ?? m.tombstone)!.bytes)]), 'a waiting tombstone keeps its place behind its sender’s message');
  assert.is(back!.waiting[1]!.tombstone?.seq, 6);
  assert.is(back!.join!.state, 'requested');

  const tampered = new TextDecoder().decode(bytes).replace(/"events":\["([^"]+)"/, (_, e: string) => `"events":["${e.slice(0, -4)}AAAA"`);
  try {
    await decodeSnapshot(suite, new TextEncoder().encode(tampered));
    assert.unreachable('a snapshot with a forged event loaded');
  } catch (error) {
    assert.ok(error instanceof SottoError);
  }
});

test('views: a queued text is listed pending after the delivered ones; the read mark survives a reload', async () => {
  const { room } = await busyRoom();
  const persistence = new MemoryPersistence();
  persistence.records.set(STATE_RECORD, encodeSnapshot([room]));
  const client = await SottoClient.open({
    suite, primitives: noblePrimitives,
    connect: () => Promise.reject(new Error('offline for this test')),
    persistence,
  });
  try {
    const views = client.messages(room.hex);
    assert.equal(views.map((m) => [m.text, m.seq, m.pending]), [['hi', 4, false], ['queued', undefined, true]]);
    assert.ok(views[1]!.mine);
    assert.is(client.rooms()[0]!.unread, 1);
    client.markRead(room.hex);
    assert.is(client.rooms()[0]!.unread, 0);
  } finally {
    await client.close();
  }
  const { rooms: [back] } = await decodeSnapshot(suite, persistence.snapshot!);
  assert.is(back!.readSeq, 4);
  // A snapshot from before read marks were kept counts nothing already held as unread.
  const old = JSON.parse(new TextDecoder().decode(encodeSnapshot([room]))) as { rooms: Record<string, unknown>[] };
  delete old.rooms[0]!['readSeq'];
  const { rooms: [legacy] } = await decodeSnapshot(suite, new TextEncoder().encode(JSON.stringify(old)));
  assert.is(legacy!.readSeq, 4);
});

// Protocol 2 cannot read protocol 1's records; the keystore must neither fail to open nor lose them.
test('snapshot: a room made by protocol 1 is kept byte for byte and reported, the others open', async () => {
  const { room } = await busyRoom();
  const current = JSON.parse(new TextDecoder().decode(encodeSnapshot([room]))) as { version: number; rooms: Record<string, unknown>[] };
  const old = structuredClone(current.rooms[0]!);
  // The same room as protocol 1 wrote it: its records carry version byte 1.
  old['events'] = (old['events'] as string[]).map((text) => {
    const bytes = fromBase64Url(text);
    bytes[0] = 1;
    return toBase64Url(bytes);
  });
  old['name'] = 'Book club';
  const mixed = new TextEncoder().encode(JSON.stringify({ version: current.version, rooms: [current.rooms[0], old] }));
  const { rooms, outdated } = await decodeSnapshot(suite, mixed);
  assert.equal(rooms.map((r) => r.hex), [room.hex]);
  assert.equal(outdated.map((o) => [o.roomId, o.name]), [[room.hex, 'Book club']]);
  const written = JSON.parse(new TextDecoder().decode(encodeSnapshot(rooms, outdated))) as { rooms: unknown[] };
  assert.equal(written.rooms[1], old, 'written back exactly as it was');
});

test('redaction: util.inspect and JSON.stringify of a room state show no secret bytes', async () => {
  const { room, secrets } = await busyRoom();
  assertNoSecrets(inspect(room, { depth: 20, showHidden: true }), secrets, 'inspect(room)');
  assertNoSecrets(JSON.stringify(room), secrets, 'JSON.stringify(room)');
  // The snapshot does hold them: that is why only an encrypting persistence may see it.
  const snapshot = new TextDecoder().decode(encodeSnapshot([room]));
  assert.ok(snapshot.includes(toBase64Url(secrets[2]!)));
});

test('redaction: a client prints as a summary, not its rooms', async () => {
  const { room, secrets } = await busyRoom();
  const client = await SottoClient.open({
    suite, primitives: noblePrimitives,
    connect: () => Promise.reject(new Error('offline for this test')),
    persistence: { load: async () => new Map([[STATE_RECORD, encodeSnapshot([room])]]), save: async () => undefined },
  });
  try {
    assert.is(client.rooms().length, 1);
    const shown = [inspect(client, { depth: 20, showHidden: true }), JSON.stringify(client), String(client), JSON.stringify(client.rooms()), JSON.stringify(client.messages(room.hex))];
    for (const text of shown) assertNoSecrets(text, secrets, 'client');
  } finally {
    await client.close();
  }
});

test.run();
