// The relay end to end, in-process: real SQLite in a temp dir, real sockets, Noise, signatures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBase64Url, toHex } from '../../protocol/bytes.js';
import { eventHash } from '../../protocol/membership/roster.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { encodeClientFrame, type RelayFrame } from '../../protocol/wire/frames.js';
import { resolveConfig, type RelayConfig } from '../../relay/config.js';
import { startRelay, type RunningRelay } from '../../relay/server.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { openSocket, RawClient, whenClosed } from '../helpers/raw-client.js';
import type { SigningKey } from '../../protocol/crypto/suite.js';
import type { MemberEvent, Role } from '../../protocol/wire/membership.js';
import type { Rotation } from '../../protocol/wire/rotation.js';
import { WIRE_VERSION } from '../../protocol/wire/types.js';
import { admit, authFrame, createRoom, expectOk, identity, outcome, signingKey, type Identity, type RoomModel } from './fixtures.js';

let dir: string;
let relay: RunningRelay;
let wsUrl: string;
let httpUrl: string;
const clients: RawClient[] = [];

async function startTestRelay(overrides: Partial<RelayConfig> = {}): Promise<RunningRelay> {
  return startRelay(resolveConfig({
    port: 0, host: '127.0.0.1', dataDir: mkdtempSync(join(dir, 'relay-')), staticDir: join(REPO_ROOT, 'static'), logLevel: 'silent',
    roomsPerAddressPerHour: 1_000_000, ...overrides,
  }));
}

async function connect(url = wsUrl, key = relay.publicKey): Promise<RawClient> {
  const client = await RawClient.connect(url, key);
  clients.push(client);
  return client;
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sotto-relay-flows-'));
  relay = await startTestRelay();
  wsUrl = `ws://127.0.0.1:${relay.port}/ws`;
  httpUrl = `http://127.0.0.1:${relay.port}`;
});

test.after(async () => {
  for (const client of clients) client.ws.terminate();
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
});

test('HTTP: healthz, no metrics, config.json, static files with strict headers, no traversal', async () => {
  const health = await fetch(`${httpUrl}/healthz`);
  assert.is(health.status, 200);
  assert.ok(health.headers.get('content-type')!.startsWith('application/json'));
  const body = (await health.json()) as Record<string, unknown>;
  assert.is(body['status'], 'ok');
  assert.type(body['connections'], 'number');

  const config = (await (await fetch(`${httpUrl}/config.json`)).json()) as { relayPublicKey: string; wsPath: string };
  assert.equal(fromBase64Url(config.relayPublicKey), new Uint8Array(relay.publicKey));
  assert.is(config.wsPath, '/ws');

  // Metrics live on a listener of their own (test/ops/metrics.test.ts), never on the public port.
  assert.is((await fetch(`${httpUrl}/metrics`)).status, 404);

  const index = await fetch(`${httpUrl}/`);
  assert.is(index.status, 200);
  assert.ok(index.headers.get('content-type')!.startsWith('text/html'));
  assert.ok(index.headers.get('content-security-policy')!.includes("frame-ancestors 'none'"));
  assert.is(index.headers.get('referrer-policy'), 'no-referrer');
  assert.is(index.headers.get('x-content-type-options'), 'nosniff');
  assert.is(index.headers.get('cache-control'), 'no-cache');
  assert.ok((await index.text()).includes('Sotto'));

  for (const path of ['/nope', '/..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/%00']) {
    assert.is((await fetch(`${httpUrl}${path}`)).status, 404, path);
  }
  assert.is((await fetch(`${httpUrl}/`, { method: 'POST' })).status, 405);
});

test('create a room, auth as owner; the same id again is ROOM_EXISTS', async () => {
  const client = await connect();
  const owner = await identity();
  const room = await createRoom(client, owner);
  const again = await client.request({ type: 'createRoom', rid: client.nextRid(), genesis: room.events[0]! });
  assert.is(outcome(again), 'ROOM_EXISTS');
});

test('auth with a key that is not in the room: NOT_MEMBER (any connection could claim any key in 0fc)', async () => {
  const ownerClient = await connect();
  const room = await createRoom(ownerClient, await identity());
  const stranger = await connect();
  assert.is(outcome(await stranger.request(await authFrame(stranger, room.roomId, 'member', await identity()))), 'NOT_MEMBER');
  // An unknown room looks the same, so auth reveals nothing about which rooms exist.
  assert.is(outcome(await stranger.request(await authFrame(stranger, randomBytes(16), 'member', await identity()))), 'NOT_MEMBER');
});

test('auth signed over another handshake hash: BAD_SIGNATURE', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const other = await connect();
  // Signed for ownerClient's session, replayed on another connection.
  const replayed = await authFrame(ownerClient, room.roomId, 'member', owner);
  assert.is(outcome(await other.request({ ...replayed, rid: other.nextRid() })), 'BAD_SIGNATURE');
});

test('getInvite: unknown invite is INVITE_NOT_FOUND (0fc never checked); a live one returns the invite and the log', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const anyone = await connect();
  const unknown = await anyone.request({ type: 'getInvite', rid: anyone.nextRid(), roomId: room.roomId, invitePublicKey: randomBytes(32) });
  assert.is(outcome(unknown), 'INVITE_NOT_FOUND');

  const inviteKey = await signingKey();
  const invite = await room.invite(owner, inviteKey);
  expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite }), 'registerInvite');
  const info = await anyone.request({ type: 'getInvite', rid: anyone.nextRid(), roomId: room.roomId, invitePublicKey: inviteKey.publicKey });
  assert.is(info.type, 'inviteInfo');
  if (info.type !== 'inviteInfo') return;
  assert.equal(new Uint8Array(info.invite.bytes), new Uint8Array(invite.bytes));
  assert.is(info.events.length, 1);
  assert.is(toHex(info.events[0]!.bytes), toHex(room.events[0]!.bytes));
});

test('registerInvite: only a bound owner/admin for its own key, expiry within the limit', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const { client: memberClient, who: member } = await joined(room, ownerClient, owner);

  const byMember = await room.invite(member, await signingKey());
  assert.is(outcome(await memberClient.request({ type: 'registerInvite', rid: memberClient.nextRid(), invite: byMember })), 'NOT_ADMIN');
  const forOwner = await room.invite(owner, await signingKey());
  assert.is(outcome(await memberClient.request({ type: 'registerInvite', rid: memberClient.nextRid(), invite: forOwner })), 'SENDER_MISMATCH');
  const tooLong = await room.invite(owner, await signingKey(), Date.now() + 31 * 24 * 3600_000);
  assert.is(outcome(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: tooLong })), 'BAD_VALUE');
  const past = await room.invite(owner, await signingKey(), Date.now() - 1000);
  assert.is(outcome(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: past })), 'INVITE_EXPIRED');
});

test('joinRequest with a wrong invite proof: BAD_INVITE_PROOF, then INVITE_LOCKED for more bad ones; a correct proof still joins', async () => {
  const lockRelay = await startTestRelay({ inviteMaxFailures: 3 });
  try {
    const url = `ws://127.0.0.1:${lockRelay.port}/ws`;
    const ownerClient = await connect(url, lockRelay.publicKey);
    const owner = await identity();
    const room = await createRoom(ownerClient, owner);
    const inviteKey = await signingKey();
    expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'invite');
    const joinerClient = await connect(url, lockRelay.publicKey);
    const joiner = await identity();
    const wrongKey = await signingKey();
    for (let i = 0; i < 3; i++) {
      const bad = await room.joinRequest(inviteKey, joiner, wrongKey);
      assert.is(outcome(await joinerClient.request({ type: 'joinRequest', rid: joinerClient.nextRid(), request: bad })), 'BAD_INVITE_PROOF');
    }
    const bad = await room.joinRequest(inviteKey, joiner, wrongKey);
    assert.is(outcome(await joinerClient.request({ type: 'joinRequest', rid: joinerClient.nextRid(), request: bad })), 'INVITE_LOCKED');
    const good = await room.joinRequest(inviteKey, joiner);
    expectOk(await joinerClient.request({ type: 'joinRequest', rid: joinerClient.nextRid(), request: good }), 'a correct proof while locked');
  } finally {
    await lockRelay.close();
  }
});

// Checked against the old code: the repeat was INVITE_USED, so a joiner whose first answer was
// lost (its relay process killed after the claim committed) could never join.
test('V-110: a join request repeated byte for byte is answered ok again and pushed again; another request for the claimed invite is INVITE_USED', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const inviteKey = await signingKey();
  expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'invite');
  const joiner = await identity();
  const request = await room.joinRequest(inviteKey, joiner);
  const first = await connect();
  expectOk(await first.request({ type: 'joinRequest', rid: first.nextRid(), request }), 'first');
  await ownerClient.waitForType('joinPending');
  const again = await connect();
  expectOk(await again.request({ type: 'joinRequest', rid: again.nextRid(), request }), 'the same request again');
  const told = await ownerClient.waitForType('joinPending');
  assert.equal(new Uint8Array(told.request.bytes), new Uint8Array(request.bytes), 'the issuer is told again');
  // The same joiner key with a fresh request (other bytes), and another joiner: both refused.
  const fresh = await room.joinRequest(inviteKey, joiner);
  assert.is(outcome(await again.request({ type: 'joinRequest', rid: again.nextRid(), request: fresh })), 'INVITE_USED');
  const other = await room.joinRequest(inviteKey, await identity());
  assert.is(outcome(await again.request({ type: 'joinRequest', rid: again.nextRid(), request: other })), 'INVITE_USED');
});

test('two racing join requests for one invite: exactly one ok, the other INVITE_USED', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const inviteKey = await signingKey();
  expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'invite');
  const a = await connect();
  const b = await connect();
  const [ra, rb] = await Promise.all([
    room.joinRequest(inviteKey, await identity()).then((request) => a.request({ type: 'joinRequest', rid: a.nextRid(), request })),
    room.joinRequest(inviteKey, await identity()).then((request) => b.request({ type: 'joinRequest', rid: b.nextRid(), request })),
  ]);
  assert.equal([outcome(ra), outcome(rb)].sort(), ['INVITE_USED', 'ok']);
  const pending = await ownerClient.waitForType('joinPending');
  assert.equal(new Uint8Array(pending.request.invitePublicKey), new Uint8Array(inviteKey.publicKey));
  const info = await a.request({ type: 'getInvite', rid: a.nextRid(), roomId: room.roomId, invitePublicKey: inviteKey.publicKey });
  assert.is(outcome(info), 'INVITE_USED');
});

test('join steps: pushes reach each side, out-of-order steps are refused, pending work is re-pushed on auth', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const inviteKey = await signingKey();
  expectOk(await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) }), 'invite');
  const joinerClient = await connect();
  const joiner = await identity();
  expectOk(await joinerClient.request({ type: 'joinRequest', rid: joinerClient.nextRid(), request: await room.joinRequest(inviteKey, joiner) }), 'join');
  await ownerClient.waitForType('joinPending');

  // Before the add the joiner holds no member binding, so it cannot confirm; an add without its
  // rotation or its welcome is refused (V-70): no key or welcome ever precedes the log entry.
  expectOk(await joinerClient.request(await authFrame(joinerClient, room.roomId, 'joiner', joiner)), 'joiner auth');
  const early = await joinerClient.request({ type: 'joinConfirm', rid: joinerClient.nextRid(), confirm: await room.confirm(joiner, inviteKey.publicKey) });
  assert.is(outcome(early), 'NOT_AUTHENTICATED');
  const { add, rotation, welcome } = await room.addCommit(owner, joiner, inviteKey.publicKey);
  assert.is(outcome(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: add, rotation: undefined, welcome })), 'BAD_ROTATION');
  assert.is(outcome(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: add, rotation, welcome: undefined })), 'JOIN_STATE');

  // A fresh owner session gets the pending request pushed after its auth.
  const ownerAgain = await connect();
  expectOk(await ownerAgain.request(await authFrame(ownerAgain, room.roomId, 'member', owner)), 'owner auth');
  await ownerAgain.waitForType('joinPending');

  expectOk(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: add, rotation, welcome }), 'add');
  room.accept(add);
  room.epoch = rotation.epoch;
  // The joiner session was promoted: it gets the event, the rotation and its welcome, in that order.
  const got = await joinerClient.waitForType('welcomeReady');
  assert.equal(new Uint8Array(got.welcome.bytes), new Uint8Array(welcome.bytes));
  assert.equal(joinerClient.received.filter((f) => f.type === 'event' || f.type === 'rotation').map((f) => f.type), ['event', 'rotation']);
  // A joiner auth after the add is refused: the key now binds as the member it is, and is handed
  // its welcome until it confirms.
  const joinerAgain = await connect();
  assert.is(outcome(await joinerAgain.request(await authFrame(joinerAgain, room.roomId, 'joiner', joiner))), 'JOIN_NOT_FOUND');
  expectOk(await joinerAgain.request(await authFrame(joinerAgain, room.roomId, 'member', joiner)), 'member auth');
  await joinerAgain.waitForType('welcomeReady');

  // Only the joiner confirms; once it has, a new session is not handed the welcome again.
  const confirm = await room.confirm(joiner, inviteKey.publicKey);
  assert.is(outcome(await ownerClient.request({ type: 'joinConfirm', rid: ownerClient.nextRid(), confirm })), 'SENDER_MISMATCH');
  expectOk(await joinerClient.request({ type: 'joinConfirm', rid: joinerClient.nextRid(), confirm }), 'confirm');
  const third = await connect();
  expectOk(await third.request(await authFrame(third, room.roomId, 'member', joiner)), 'member auth after confirm');
  await third.request({ type: 'ping', rid: third.nextRid() });
  assert.not.ok(third.received.some((f) => f.type === 'welcomeReady'));

  expectOk(await joinerClient.request({ type: 'send', rid: joinerClient.nextRid(), message: await room.message(joiner, 1) }), 'send as new member');
  // The epoch before the add is closed to everyone.
  assert.is(outcome(await ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message: await room.message(owner, 1, 0) })), 'STALE_EPOCH');
  const used = await joinerClient.request({ type: 'getInvite', rid: joinerClient.nextRid(), roomId: room.roomId, invitePublicKey: inviteKey.publicKey });
  assert.is(outcome(used), 'INVITE_USED');
});

test('membership change unsigned or signed by another key: BAD_SIGNATURE', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const { who: member } = await joined(room, ownerClient, owner);

  const promote = await room.event(owner, 'role', member, 'admin');
  const unsigned = { ...promote, signature: new Uint8Array(64) };
  const zeroed = new Uint8Array(promote.bytes);
  zeroed.fill(0, zeroed.length - 64);
  assert.is(outcome(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: { ...unsigned, bytes: zeroed }, rotation: undefined, welcome: undefined })), 'BAD_SIGNATURE');
  const forged = await room.event({ ...owner, key: member.key }, 'role', member, 'admin');
  assert.is(outcome(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: forged, rotation: undefined, welcome: undefined })), 'BAD_SIGNATURE');
  // The log did not move: the honest event still fits.
  expectOk(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: promote, rotation: undefined, welcome: undefined }), 'role');
  room.accept(promote);
});

test('remove by a non-admin: NOT_ADMIN; removal without rotation: BAD_ROTATION; any member may rotate', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const { client: bClient, who: b } = await joined(room, ownerClient, owner);
  const { who: c } = await joined(room, ownerClient, owner);
  const next = room.epoch + 1;

  const remove = await room.event(b, 'remove', c, 'member');
  const rotation = await room.rotation(b, next, [owner.sign, b.sign], room.events.length + 1);
  assert.is(outcome(await bClient.request({ type: 'appendEvent', rid: bClient.nextRid(), event: remove, rotation, welcome: undefined })), 'NOT_ADMIN');

  const ownerRemove = await room.event(owner, 'remove', c, 'member');
  assert.is(outcome(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: ownerRemove, rotation: undefined, welcome: undefined })), 'BAD_ROTATION');
  // A rotation for the pre-removal roster would hand the removed member the new key.
  const stale = await room.rotation(owner, next, [owner.sign, b.sign, c.sign]);
  assert.is(outcome(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: ownerRemove, rotation: stale, welcome: undefined })), 'BAD_ROTATION');

  // Protocol 2: a member whose epoch has run out starts the next one itself (V-71).
  const rotate = await room.rotation(b, next, [owner.sign, b.sign, c.sign]);
  expectOk(await bClient.request({ type: 'rotate', rid: bClient.nextRid(), rotation: rotate }), 'rotate by a member');
});

test('remove with its rotation: applied together, the removed member is cut off at once, others get event and rotation', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const { client: bClient, who: b } = await joined(room, ownerClient, owner);
  const { client: cClient, who: c } = await joined(room, ownerClient, owner);

  const before = room.epoch;
  const remove = await room.event(owner, 'remove', c, 'member');
  const rotation = await room.rotation(owner, before + 1, [owner.sign, b.sign], room.events.length + 1, eventHash(remove));
  expectOk(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: remove, rotation, welcome: undefined }), 'remove');
  room.accept(remove);
  room.epoch = before + 1;

  await bClient.waitFor((f) => f.type === 'event' && f.event.kind === 'remove');
  const pushed = await bClient.waitFor((f) => f.type === 'rotation' && f.rotation.epoch === before + 1);
  assert.is(pushed.type, 'rotation');
  await cClient.waitFor((f) => f.type === 'event' && f.event.kind === 'remove');

  const cSend = await cClient.request({ type: 'send', rid: cClient.nextRid(), message: await room.message(c, 1) });
  assert.is(outcome(cSend), 'NOT_AUTHENTICATED');
  assert.is(outcome(await cClient.request(await authFrame(cClient, room.roomId, 'member', c))), 'NOT_MEMBER');
  // The old epoch is closed; the new one is open.
  assert.is(outcome(await bClient.request({ type: 'send', rid: bClient.nextRid(), message: await room.message(b, 1, before) })), 'STALE_EPOCH');
  expectOk(await bClient.request({ type: 'send', rid: bClient.nextRid(), message: await room.message(b, 1) }), 'send in the new epoch');
});

test('leave marks the room rotation-pending until a member rotates', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const { client: bClient, who: b } = await joined(room, ownerClient, owner);

  const leave = await room.event(b, 'leave', b, 'member');
  expectOk(await bClient.request({ type: 'appendEvent', rid: bClient.nextRid(), event: leave, rotation: undefined, welcome: undefined }), 'leave');
  room.accept(leave);
  await ownerClient.waitFor((f) => f.type === 'event' && f.event.kind === 'leave');
  assert.is(outcome(await bClient.request({ type: 'send', rid: bClient.nextRid(), message: await room.message(b, 1) })), 'NOT_AUTHENTICATED');
  assert.is(outcome(await ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message: await room.message(owner, 1) })), 'STALE_EPOCH');

  const next = room.epoch + 1;
  const missing = await room.rotation(owner, next, [owner.sign, b.sign]);
  assert.is(outcome(await ownerClient.request({ type: 'rotate', rid: ownerClient.nextRid(), rotation: missing })), 'BAD_ROTATION');
  const skipping = await room.rotation(owner, next + 1, [owner.sign]);
  assert.is(outcome(await ownerClient.request({ type: 'rotate', rid: ownerClient.nextRid(), rotation: skipping })), 'STALE_EPOCH');
  const rotation = await room.rotation(owner, next, [owner.sign]);
  expectOk(await ownerClient.request({ type: 'rotate', rid: ownerClient.nextRid(), rotation }), 'rotate');
  room.epoch = next;
  expectOk(await ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message: await room.message(owner, 1) }), 'send after rotation');
});

test('key update: only the member itself, with the next rotation by its new key; its session goes on as the new key, every other binding of the old key ends', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const { client: bClient, who: b } = await joined(room, ownerClient, owner);
  const { client: cClient, who: c } = await joined(room, ownerClient, owner);
  // A second session of Bob's old key: a thief's copy, say.
  const copy = await connect();
  expectOk(await copy.request(await authFrame(copy, room.roomId, 'member', b)), 'auth of the copy');
  const next = await identity();
  const epoch = room.epoch + 1;
  const append = (client: RawClient, event: MemberEvent, rotation: Rotation | undefined): Promise<RelayFrame> =>
    client.request({ type: 'appendEvent', rid: client.nextRid(), event, rotation, welcome: undefined });

  const update = await room.update(b, next, 'member');
  const members = room.members(update);
  assert.is(outcome(await append(bClient, update, undefined)), 'BAD_ROTATION');
  assert.is(outcome(await append(bClient, update, await room.rotation(b, epoch, members, room.events.length + 1, eventHash(update)))), 'SENDER_MISMATCH');
  const byOwner = await room.update(b, next, 'member', owner);
  assert.is(outcome(await append(ownerClient, byOwner, await room.rotation(next, epoch, members, room.events.length + 1, eventHash(byOwner)))), 'BAD_EVENT');
  const unproven = await room.update(b, next, 'member', b, c.key);
  assert.is(outcome(await append(bClient, unproven, await room.rotation(next, epoch, members, room.events.length + 1, eventHash(unproven)))), 'BAD_SIGNATURE');

  expectOk(await append(bClient, update, await room.rotation(next, epoch, members, room.events.length + 1, eventHash(update))), 'update');
  room.accept(update);
  room.epoch = epoch;
  await cClient.waitFor((f) => f.type === 'event' && f.event.kind === 'update');
  await cClient.waitFor((f) => f.type === 'rotation' && f.rotation.epoch === epoch);
  // No new auth needed: the update proved the new key on this session.
  expectOk(await bClient.request({ type: 'send', rid: bClient.nextRid(), message: await room.message(next, 1) }), 'send as the new key');
  assert.is(outcome(await bClient.request({ type: 'send', rid: bClient.nextRid(), message: await room.message(b, 1) })), 'SENDER_MISMATCH');
  // The old key's other session hears the update, then loses its binding, as a removed member does.
  await copy.waitFor((f) => f.type === 'event' && f.event.kind === 'update');
  assert.is(outcome(await copy.request({ type: 'send', rid: copy.nextRid(), message: await room.message(b, 2) })), 'NOT_AUTHENTICATED');
  assert.is(outcome(await copy.request(await authFrame(copy, room.roomId, 'member', b))), 'NOT_MEMBER');
  expectOk(await copy.request(await authFrame(copy, room.roomId, 'member', next)), 'the new key binds anywhere it is proved');
});

test('send: NOT_AUTHENTICATED before auth, SENDER_MISMATCH for another sender, STALE_EPOCH for a wrong epoch', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const fresh = await connect();
  assert.is(outcome(await fresh.request({ type: 'send', rid: fresh.nextRid(), message: await room.message(owner, 1) })), 'NOT_AUTHENTICATED');
  const someoneElse = await identity();
  assert.is(outcome(await ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message: await room.message(someoneElse, 1, 0, owner) })), 'SENDER_MISMATCH');
  assert.is(outcome(await ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message: await room.message(owner, 1, 1) })), 'STALE_EPOCH');
});

test('messages: acks carry gapless seqs, other members get deliver, the sender only its ack; sync replays', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const { client: bClient, who: b } = await joined(room, ownerClient, owner);

  const sent = [];
  for (let counter = 1; counter <= 5; counter++) sent.push(await room.message(owner, counter));
  const acks = await Promise.all(sent.map((message) => ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message })));
  assert.equal(acks.map((a) => (a.type === 'ok' ? a.value : -1)), [1, 2, 3, 4, 5]);
  for (let seq = 1; seq <= 5; seq++) {
    const deliver = await bClient.waitFor((f) => f.type === 'deliver' && f.seq === seq);
    if (deliver.type === 'deliver') assert.equal(new Uint8Array(deliver.message.bytes), new Uint8Array(sent[seq - 1]!.bytes));
  }
  await ownerClient.request({ type: 'ping', rid: ownerClient.nextRid() });
  assert.is(ownerClient.received.filter((f) => f.type === 'deliver').length, 0);

  const syncer = await connect();
  expectOk(await syncer.request(await authFrame(syncer, room.roomId, 'member', b)), 'auth');
  const done = await syncer.request({ type: 'sync', rid: syncer.nextRid(), roomId: room.roomId, logFrom: 0, epochFrom: 0, seqFrom: 2, limit: 2 });
  assert.is(done.type, 'syncDone');
  if (done.type !== 'syncDone') return;
  assert.equal([done.logLength, done.epoch, done.lastSeq, done.more], [2, 1, 5, true]);
  // The add started epoch 1: its rotation is b's first, and nothing before it is served.
  const replay = syncer.take((f) => f.type === 'event' || f.type === 'deliver' || f.type === 'rotation');
  const label = (f: RelayFrame): string => (f.type === 'event' ? `e${f.event.index}` : f.type === 'deliver' ? `m${f.seq}` : f.type === 'rotation' ? `r${f.rotation.epoch}` : f.type);
  assert.equal(replay.map(label), ['e0', 'e1', 'r1', 'm3', 'm4']);
  const rest = await syncer.request({ type: 'sync', rid: syncer.nextRid(), roomId: room.roomId, logFrom: 2, epochFrom: 2, seqFrom: 4, limit: 10 });
  assert.is(rest.type === 'syncDone' && rest.more, false);
  assert.equal(syncer.take().map((f) => (f.type === 'deliver' ? f.seq : f.type)), [5]);
});

test('sends arriving together are stored as one run, answered in the order asked; a refused one fails alone', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const someoneElse = await identity();
  const frames = [
    { type: 'send' as const, rid: ownerClient.nextRid(), message: await room.message(owner, 1) },
    { type: 'send' as const, rid: ownerClient.nextRid(), message: await room.message(someoneElse, 1, 0, owner) },
    { type: 'send' as const, rid: ownerClient.nextRid(), message: await room.message(owner, 2) },
    { type: 'send' as const, rid: ownerClient.nextRid(), message: await room.message(owner, 3, 1) },
    { type: 'send' as const, rid: ownerClient.nextRid(), message: await room.message(owner, 4) },
    { type: 'ping' as const, rid: ownerClient.nextRid() },
  ];
  ownerClient.send(...frames);
  // waitFor takes the pong; everything answered before it is still in `received`, in arrival order.
  await ownerClient.waitFor((f) => f.type === 'pong' && f.rid === frames[5]!.rid);
  const rids = new Set(frames.map((f) => f.rid));
  const answers = ownerClient.take((f) => 'rid' in f && rids.has(f.rid));
  assert.equal(answers.map((f) => (f.type === 'ok' ? `ok ${f.value}` : f.type === 'error' ? outcome(f) : f.type)), [
    'ok 1', 'SENDER_MISMATCH', 'ok 2', 'STALE_EPOCH', 'ok 3',
  ]);
  assert.equal(answers.map((f) => ('rid' in f ? f.rid : -1)), frames.slice(0, 5).map((f) => f.rid));
});

test('frames sent together are answered in one coalesced WebSocket message', async () => {
  const client = await connect();
  const before = client.messageCount;
  const rids = [client.nextRid(), client.nextRid(), client.nextRid()];
  client.send(...rids.map((rid) => ({ type: 'ping' as const, rid })));
  for (const rid of rids) await client.waitFor((f) => f.type === 'pong' && f.rid === rid);
  assert.is(client.messageCount - before, 1);
});

test('undecodable frames: error with the rid when readable, else rid 0; the session goes on', async () => {
  const client = await connect();
  const ping = encodeClientFrame({ type: 'ping', rid: 77 });
  client.sendFrameBytes(Uint8Array.from([...ping, 0xff]));
  const trailing = await client.waitFor((f) => f.type === 'error' && f.rid === 77);
  assert.is(outcome(trailing), 'TRAILING_BYTES');
  client.sendFrameBytes(Uint8Array.of(WIRE_VERSION));
  assert.is(outcome(await client.waitFor((f) => f.type === 'error' && f.rid === 0)), 'TRUNCATED');
  // A client of protocol 1 hears, for its own request, that it is out of date.
  const old = encodeClientFrame({ type: 'ping', rid: 78 });
  old[0] = WIRE_VERSION - 1;
  client.sendFrameBytes(old);
  const outdated = await client.waitFor((f) => f.type === 'error' && f.rid === 78);
  assert.is(outcome(outdated), 'BAD_VERSION');
  assert.match(outdated.type === 'error' ? outdated.text : '', /reload the page or update the client/);
  assert.is((await client.request({ type: 'ping', rid: client.nextRid() })).type, 'pong');
});

test('garbage after the handshake closes the socket (1002); text closes with 1003; the relay still serves', async () => {
  const client = await connect();
  client.sendRaw(randomBytes(64));
  assert.is((await client.closed).code, 1002);

  const texter = await connect();
  texter.sendRaw('hello');
  assert.is((await texter.closed).code, 1003);

  const badHandshake = await openSocket(wsUrl);
  const closed = whenClosed(badHandshake);
  badHandshake.send(randomBytes(10));
  assert.is((await closed).code, 1002);

  const fine = await connect();
  assert.is((await fine.request({ type: 'ping', rid: fine.nextRid() })).type, 'pong');
});

test('a client that will not stop after being rate limited is refused, then closed', async () => {
  const limited = await startTestRelay({ rateLimitPerSecond: 1, rateLimitBurst: 2 });
  try {
    const client = await connect(`ws://127.0.0.1:${limited.port}/ws`, limited.publicKey);
    const rids = Array.from({ length: 8 }, () => client.nextRid());
    client.send(...rids.map((rid) => ({ type: 'ping' as const, rid })));
    const limitedAnswer = await client.waitFor((f) => f.type === 'error' && f.rid === rids[2]);
    assert.is(outcome(limitedAnswer), 'RATE_LIMITED');
    assert.is((await client.closed).code, 1008);
  } finally {
    await limited.close();
  }
});

test('the relay key survives a restart', async () => {
  const dataDir = mkdtempSync(join(dir, 'restart-'));
  const first = await startRelay(resolveConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' }));
  const key = toHex(first.publicKey);
  await first.close();
  const second = await startRelay(resolveConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' }));
  assert.is(toHex(second.publicKey), key);
  await second.close();
});

/** A new connection with a fresh identity. */
async function participant(): Promise<{ client: RawClient; who: Identity }> {
  return { client: await connect(), who: await identity() };
}

/** A new room, its owner bound on its own connection. */
async function ownedRoom(): Promise<{ ownerClient: RawClient; owner: Identity; room: RoomModel }> {
  const { client: ownerClient, who: owner } = await participant();
  return { ownerClient, owner, room: await createRoom(ownerClient, owner) };
}

/** A new participant admitted to `room` by its owner through the whole join exchange. */
async function joined(room: RoomModel, ownerClient: RawClient, owner: Identity, role: Role = 'member'): Promise<{ client: RawClient; who: Identity }> {
  const member = await participant();
  await admit(room, ownerClient, owner, member.client, member.who, role);
  return member;
}

/** Registers a fresh invite issued by `issuer`; returns its key. */
async function registerInvite(client: RawClient, room: RoomModel, issuer: Identity): Promise<SigningKey> {
  const inviteKey = await signingKey();
  expectOk(await client.request({ type: 'registerInvite', rid: client.nextRid(), invite: await room.invite(issuer, inviteKey) }), 'invite');
  return inviteKey;
}

async function requestJoin(client: RawClient, room: RoomModel, inviteKey: SigningKey, joiner: Identity): Promise<RelayFrame> {
  return client.request({ type: 'joinRequest', rid: client.nextRid(), request: await room.joinRequest(inviteKey, joiner) });
}

test('joiner auth without a pending join is JOIN_NOT_FOUND', async () => {
  const { room } = await ownedRoom();
  const stranger = await participant();
  assert.is(outcome(await stranger.client.request(await authFrame(stranger.client, room.roomId, 'joiner', stranger.who))), 'JOIN_NOT_FOUND');
});

test('registering the same invite key twice is INVITE_EXISTS', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const inviteKey = await registerInvite(ownerClient, room, owner);
  const again = await ownerClient.request({ type: 'registerInvite', rid: ownerClient.nextRid(), invite: await room.invite(owner, inviteKey) });
  assert.is(outcome(again), 'INVITE_EXISTS');
});

test('a member asking to join again is BAD_EVENT; a joiner with a pending join asking again is JOIN_STATE', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const member = await joined(room, ownerClient, owner);
  assert.is(outcome(await requestJoin(member.client, room, await registerInvite(ownerClient, room, owner), member.who)), 'BAD_EVENT');
  const joiner = await participant();
  expectOk(await requestJoin(joiner.client, room, await registerInvite(ownerClient, room, owner), joiner.who), 'first join');
  assert.is(outcome(await requestJoin(joiner.client, room, await registerInvite(ownerClient, room, owner), joiner.who)), 'JOIN_STATE');
});

test('an add by an admin for a join under an invite the owner issued is JOIN_NOT_FOUND', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const admin = await joined(room, ownerClient, owner, 'admin');
  const inviteKey = await registerInvite(ownerClient, room, owner);
  const joiner = await participant();
  expectOk(await requestJoin(joiner.client, room, inviteKey, joiner.who), 'join');
  const { add, rotation, welcome } = await room.addCommit(admin.who, joiner.who, inviteKey.publicKey);
  assert.is(outcome(await admin.client.request({ type: 'appendEvent', rid: admin.client.nextRid(), event: add, rotation, welcome })), 'JOIN_NOT_FOUND');
});

test('a removed member can neither sync (binding gone) nor bind again (NOT_MEMBER)', async () => {
  const { ownerClient, owner, room } = await ownedRoom();
  const b = await joined(room, ownerClient, owner);
  const remove = await room.event(owner, 'remove', b.who, 'member');
  const rotation = await room.rotation(owner, room.epoch + 1, [owner.sign], room.events.length + 1, eventHash(remove));
  expectOk(await ownerClient.request({ type: 'appendEvent', rid: ownerClient.nextRid(), event: remove, rotation, welcome: undefined }), 'remove');
  await b.client.waitFor((f) => f.type === 'event' && f.event.kind === 'remove');
  const sync = { type: 'sync', rid: b.client.nextRid(), roomId: room.roomId, logFrom: 0, epochFrom: 0, seqFrom: 0, limit: 100 } as const;
  assert.is(outcome(await b.client.request(sync)), 'NOT_AUTHENTICATED');
  const fresh = await connect();
  assert.is(outcome(await fresh.request(await authFrame(fresh, room.roomId, 'member', b.who))), 'NOT_MEMBER');
});

test.run();
