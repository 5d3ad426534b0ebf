// The membership log a client holds (room-state.ts): rosters kept every ROSTER_STRIDE events, not one
// per event, give the same answers as a replay from the genesis at every length; the questions asked
// per event and per message (memberDuringEpoch, everMember, epochReplaced) answer from indices kept
// as events are appended.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../../protocol/bytes.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { signEvent } from '../../../protocol/client/events.js';
import { generateMemberKeys, type MemberKeys } from '../../../protocol/client/member-keys.js';
import {
  appendVerified, currentRoster, everMember, headHashAt, logLength, memberDuringEpoch, newRoomState, ROSTER_STRIDE, rosterAt,
  type RoomState,
} from '../../../protocol/client/room-state.js';
import { eventHash, memberOf, nextRoster, type Roster } from '../../../protocol/membership/roster.js';
import type { MemberEvent, MemberEventFields } from '../../../protocol/wire/membership.js';

const suite = nobleSuite;
const ROOM_ID = new Uint8Array(16).fill(7);

type Fields = Omit<MemberEventFields, 'roomId' | 'index' | 'prevHash' | 'time' | 'issuer'>;

/** Appends one event signed by `issuer` to `room`, as a verified one; returns it. */
async function append(room: RoomState, issuer: MemberKeys, fields: Fields): Promise<MemberEvent> {
  const roster = currentRoster(room);
  const event = await signEvent(issuer.sign, {
    ...fields, roomId: ROOM_ID, index: logLength(room), prevHash: roster?.headHash ?? new Uint8Array(32), time: 1_700_000_000_000,
    issuer: issuer.sign.publicKey,
  });
  appendVerified(room, event, nextRoster(roster, event));
  return event;
}

interface Log {
  readonly room: RoomState;
  readonly owner: MemberKeys;
  readonly ben: MemberKeys;
  readonly carol: MemberKeys;
  /** Carol's add and removal, by log index. */
  readonly carolAdded: number;
  readonly carolRemoved: number;
}

/** Owner and Ben, 700 role flips of Ben with Carol added and removed among them. */
async function longLog(): Promise<Log> {
  const [owner, ben, carol] = await Promise.all([generateMemberKeys(suite), generateMemberKeys(suite), generateMemberKeys(suite)]);
  const room = newRoomState(ROOM_ID, owner, 'member', 'long', 'Owner');
  await append(room, owner, {
    kind: 'create', subjectSign: owner.sign.publicKey, subjectEnc: owner.enc.publicKey, role: 'owner',
    settings: { rotateEveryMessages: 100, rotateAfterSeconds: 86_400, history: { mode: 'join', count: 0 } },
  });
  await append(room, owner, { kind: 'add', subjectSign: ben.sign.publicKey, subjectEnc: ben.enc.publicKey, role: 'member', invitePublicKey: new Uint8Array(32).fill(1) });
  let carolAdded = -1;
  let carolRemoved = -1;
  for (let i = 0; i < 700; i++) {
    if (i === 300) {
      carolAdded = logLength(room);
      await append(room, owner, { kind: 'add', subjectSign: carol.sign.publicKey, subjectEnc: carol.enc.publicKey, role: 'member', invitePublicKey: new Uint8Array(32).fill(2) });
    }
    if (i === 420) {
      carolRemoved = logLength(room);
      await append(room, owner, { kind: 'remove', subjectSign: carol.sign.publicKey, subjectEnc: carol.enc.publicKey, role: 'member' });
    }
    const role = memberOf(currentRoster(room)!, ben.sign.publicKey)!.role === 'admin' ? 'member' : 'admin';
    await append(room, owner, { kind: 'role', subjectSign: ben.sign.publicKey, subjectEnc: ben.enc.publicKey, role });
  }
  return { room, owner, ben, carol, carolAdded, carolRemoved };
}

test('room log: rosters kept every ROSTER_STRIDE events answer rosterAt as a replay from the genesis does, at every length', async () => {
  const { room } = await longLog();
  assert.is(room.keptRosters.length, Math.floor(room.events.length / ROSTER_STRIDE), 'one kept roster a stride, not one an event');
  let replay: Roster | undefined;
  for (let length = 1; length <= logLength(room); length++) {
    replay = nextRoster(replay, room.events[length - 1]!);
    const at = rosterAt(room, length)!;
    assert.is(at.length, length);
    assert.is(toHex(at.headHash), toHex(replay.headHash), `head at ${length}`);
    assert.equal([...at.members.values()].map((m) => [toHex(m.sign), m.role]), [...replay.members.values()].map((m) => [toHex(m.sign), m.role]), `members at ${length}`);
    assert.is(toHex(headHashAt(room, length)!), toHex(eventHash(room.events[length - 1]!)));
  }
  assert.is(rosterAt(room, logLength(room) + 1), undefined, 'past the head');
  assert.is(rosterAt(room, 0), undefined, 'before the genesis');
});

test('room log: memberDuringEpoch finds a member added and removed inside an epoch, and no one else', async () => {
  const { room, ben, carol, carolAdded, carolRemoved } = await longLog();
  const stranger = await generateMemberKeys(suite);
  const epoch = (logLength: number): void => {
    room.epochs.set(room.epochs.size, {
      chains: undefined, code: '', initSecret: undefined, rosterHash: new Uint8Array(32), logLength, startedAt: 0, rotationHash: undefined,
    });
  };
  // Epoch 0 from the genesis to Carol's add; epoch 1 spans Carol's whole membership; epoch 2 after her removal.
  epoch(1);
  epoch(carolAdded - 10);
  epoch(carolRemoved + 50);
  assert.not.ok(memberDuringEpoch(room, carol.sign.publicKey, 0), 'Carol was not a member in epoch 0');
  assert.ok(memberDuringEpoch(room, carol.sign.publicKey, 1), 'Carol was a member inside epoch 1, neither at its start nor its end');
  assert.not.ok(memberDuringEpoch(room, carol.sign.publicKey, 2), 'Carol was removed before epoch 2');
  for (const e of [0, 1, 2]) assert.ok(memberDuringEpoch(room, ben.sign.publicKey, e), `Ben in epoch ${e}`);
  for (const e of [0, 1, 2]) assert.not.ok(memberDuringEpoch(room, stranger.sign.publicKey, e), `a stranger in epoch ${e}`);
  assert.ok(everMember(room, carol.sign.publicKey));
  assert.not.ok(everMember(room, stranger.sign.publicKey));
});

test.run();
