// The history setting at work (protocol/client/history-sharing.ts, docs/protocol.md §8.6): what the
// adder shares, in shares that fit a message, and what a joiner keeps of them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { toHex } from '../../../protocol/bytes.js';
import { genesisEvent, nextEvent } from '../../../protocol/client/events.js';
import { buildShares, judgeShare, sharedMessages } from '../../../protocol/client/history-sharing.js';
import { generateMemberKeys, type MemberKeys } from '../../../protocol/client/member-keys.js';
import { appendVerified, newRoomState, type DeliveredMessage, type RoomState } from '../../../protocol/client/room-state.js';
import { applyEvent } from '../../../protocol/membership/roster.js';
import { decodeContent, encodeContent, MAX_TEXT_BYTES } from '../../../protocol/wire/content.js';
import { DEFAULT_SETTINGS, type HistorySetting } from '../../../protocol/wire/membership.js';

const suite = nobleSuite;

function message(seq: number, text: string, sender = 'aa'.repeat(32)): DeliveredMessage {
  return { seq, epoch: 0, sender, senderName: undefined, senderLabel: 'x', fingerprint: 'f', text, time: seq, mine: false, warnings: [], pending: false };
}

/** Bob's state: Alice created the room with `history` and added Bob (event 1); Carol is a member too. */
async function joined(history: HistorySetting): Promise<{ room: RoomState; alice: MemberKeys; bob: MemberKeys; carol: MemberKeys }> {
  const [alice, bob, carol] = [await generateMemberKeys(suite), await generateMemberKeys(suite), await generateMemberKeys(suite)];
  const roomId = randomBytes(16);
  const genesis = await genesisEvent(alice.sign, alice.enc.publicKey, roomId, { ...DEFAULT_SETTINGS, history });
  let roster = await applyEvent(suite, undefined, genesis);
  const room = newRoomState(roomId, bob, 'member', 'Room', 'Bob');
  appendVerified(room, genesis, roster);
  for (const who of [bob, carol]) {
    const add = await nextEvent(alice.sign, roster, { kind: 'add', subjectSign: who.sign.publicKey, subjectEnc: who.enc.publicKey, role: 'member', invitePublicKey: randomBytes(32) });
    roster = await applyEvent(suite, roster, add);
    appendVerified(room, add, roster);
  }
  return { room, alice, bob, carol };
}

test('sharing: the setting picks none, the last N or all; shares fit one message each and survive the content encoding', () => {
  const messages = Array.from({ length: 5 }, (_, i) => message(i + 1, `m${i + 1}`));
  assert.equal(sharedMessages(messages, { mode: 'join', count: 0 }), []);
  assert.equal(sharedMessages(messages, { mode: 'last', count: 2 }).map((m) => m.text), ['m4', 'm5']);
  assert.is(sharedMessages(messages, { mode: 'all', count: 0 }).length, 5);
  const big = Array.from({ length: 5 }, (_, i) => message(i + 1, 'x'.repeat(30_000)));
  const shares = buildShares(randomBytes(32), 7, big);
  assert.is(shares.length, 3, 'two 30 kB texts per share');
  for (const share of shares) {
    const content = decodeContent(encodeContent({ type: 'history', time: 1, share }));
    assert.ok(content.type === 'history' && content.share.entries.length === share.entries.length && content.share.addIndex === 7);
  }
  assert.equal(shares.flatMap((s) => s.entries.map((e) => e.seq)), [1, 2, 3, 4, 5]);
  // One text at the limit still travels alone.
  assert.is(buildShares(randomBytes(32), 1, [message(1, 'y'.repeat(MAX_TEXT_BYTES - 100))]).length, 1);
});

test('V-94: a joiner keeps a share only from the member who added it, for itself, as far as the setting at its add allows', async () => {
  const { room, alice, bob, carol } = await joined({ mode: 'last', count: 2 });
  const entries = [1, 2, 3].map((seq) => ({ seq, sender: alice.sign.publicKey, time: seq, text: `h${seq}` }));
  const share = { joiner: bob.sign.publicKey, addIndex: 1, entries };
  const taken = judgeShare(room, share, alice.sign.publicKey, 10, 0);
  assert.ok(taken.kind === 'taken');
  if (taken.kind === 'taken') assert.equal(taken.entries.map((e) => e.seq), [1, 2], 'at most the setting’s count');
  const rest = judgeShare(room, share, alice.sign.publicKey, 10, 2);
  assert.ok(rest.kind === 'taken' && rest.entries.length === 0, 'the count holds across shares');
  assert.is(judgeShare(room, { ...share, joiner: carol.sign.publicKey, addIndex: 2 }, alice.sign.publicKey, 10, 0).kind, 'not-ours');
  assert.is(judgeShare(room, share, carol.sign.publicKey, 10, 0).kind, 'refused', 'carol did not add bob');
  assert.is(judgeShare(room, { ...share, addIndex: 2 }, alice.sign.publicKey, 10, 0).kind, 'refused', 'event 2 is not bob’s add');
  const late = judgeShare(room, share, alice.sign.publicKey, 2, 0);
  assert.ok(late.kind === 'taken' && late.entries.map((e) => e.seq).join() === '1', 'only seqs before the share');
  room.messages.push(message(1, 'held', toHex(alice.sign.publicKey)));
  const held = judgeShare(room, share, alice.sign.publicKey, 10, 0);
  assert.ok(held.kind === 'taken' && held.entries.map((e) => e.seq).join() === '2,3', 'none already held');
  const strict = await joined({ mode: 'join', count: 0 });
  const refused = judgeShare(strict.room, { ...share, joiner: strict.bob.sign.publicKey }, strict.alice.sign.publicKey, 10, 0);
  assert.ok(refused.kind === 'refused' && refused.detail.includes('from when they join'));
});

test.run();
