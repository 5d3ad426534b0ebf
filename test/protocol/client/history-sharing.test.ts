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
import { readHistoryEntry, writeHistoryEntry, type HistoryEntry } from '../../../protocol/wire/history-entry.js';
import { Reader, Writer } from '../../../protocol/wire/codec.js';
import { SottoError } from '../../../protocol/errors.js';
import { foldTimeline, type TimelineMessage } from '../../../protocol/client/timeline-fold.js';
import { DEFAULT_SETTINGS, type HistorySetting } from '../../../protocol/wire/membership.js';

const suite = nobleSuite;

function message(seq: number, text: string, sender = 'aa'.repeat(32), extra: Partial<DeliveredMessage> = {}): DeliveredMessage {
  return { seq, epoch: 0, sender, senderName: undefined, senderLabel: 'x', fingerprint: 'f', text, time: seq, mine: false, warnings: [], pending: false, counter: seq, ...extra };
}

/** `messages` as the adder's timeline shows them (timeline-fold.ts). */
function timeline(messages: readonly DeliveredMessage[]): TimelineMessage[] {
  return foldTimeline(messages, { replaced: new Map(), label: (s) => s }).messages;
}

/** A text entry of `sender`, as a share carries it. */
function entry(seq: number, sender: Uint8Array, text: string): HistoryEntry {
  return { seq, sender, time: seq, counter: seq, kind: 'text', deleted: false, text };
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
  assert.equal(sharedMessages(timeline(messages), messages, { mode: 'join', count: 0 }), []);
  assert.equal(sharedMessages(timeline(messages), messages, { mode: 'last', count: 2 }).map((m) => m.text), ['m4', 'm5']);
  assert.is(sharedMessages(timeline(messages), messages, { mode: 'all', count: 0 }).length, 5);
  const big = Array.from({ length: 5 }, (_, i) => message(i + 1, 'x'.repeat(30_000)));
  const shares = buildShares(randomBytes(32), 7, big);
  assert.is(shares.length, 3, 'two 30 kB texts per share');
  for (const share of shares) {
    const content = decodeContent(encodeContent({ type: 'history', time: 1, share }));
    assert.ok(content.type === 'history' && content.share.entries.length === share.entries.length && content.share.addIndex === 7);
  }
  assert.equal(shares.flatMap((s) => s.entries.map((e) => e.seq)), [1, 2, 3, 4, 5]);
  // One text at the limit still travels alone.
  assert.is(buildShares(randomBytes(32), 1, [message(1, 'y'.repeat(MAX_TEXT_BYTES - 200))]).length, 1);
});

// Issue 16: shares carried no counters, so a joiner's reply or reaction to a shared message named
// nothing ("original not available"), and replies, reactions and attachments were flattened to text.
test('V-190: a share carries counters, what replies and reactions name, attachments with their key, and the reactions to what it shares', () => {
  const alice = 'aa'.repeat(32);
  const bob = 'bb'.repeat(32);
  const file = { id: 'ab'.repeat(16), key: 'cd'.repeat(32), hash: 'ef'.repeat(32), size: 3, name: 'a.txt', mediaType: 'text/plain' };
  const messages = [
    message(1, 'first', alice),
    message(2, 'a.txt', bob, { counter: 1, attachment: file }),
    message(3, 'reply', bob, { counter: 2, about: { kind: 'reply', target: `${alice}:1` } }),
    message(4, '👍', alice, { counter: 2, about: { kind: 'reaction', target: `${bob}:1` } }),
    message(5, 'first, edited', alice, { counter: 3, about: { kind: 'edit', target: `${alice}:1` } }),
    message(6, '', bob, { counter: 3, about: { kind: 'reaction', target: `${alice}:1` } }),
    message(7, 'gone', alice, { counter: 4 }),
    message(8, '', alice, { counter: 5, about: { kind: 'delete', target: `${alice}:4` } }),
  ];
  const [share] = buildShares(randomBytes(32), 3, sharedMessages(timeline(messages), messages, { mode: 'all', count: 0 }));
  const decoded = decodeContent(encodeContent({ type: 'history', time: 1, share: share! }));
  assert.ok(decoded.type === 'history');
  const entries = decoded.type === 'history' ? decoded.share.entries : [];
  // Edited text as it reads now, no edit or delete, nothing deleted, no withdrawn reaction.
  assert.equal(entries.map((e) => [e.seq, e.kind, e.counter, e.text]), [[1, 'text', 1, 'first, edited'], [2, 'attachment', 1, ''], [3, 'reply', 2, 'reply'], [4, 'reaction', 2, '👍']]);
  assert.is(toHex(entries[1]!.attachment!.key), file.key, 'the file key travels, so the joiner can fetch it');
  assert.equal([toHex(entries[2]!.target!.sender), entries[2]!.target!.counter], [alice, 1]);
  // Under `last 1` the reaction to Bob's file comes only with the file.
  assert.equal(sharedMessages(timeline(messages), messages, { mode: 'last', count: 2 }).map((m) => m.seq), [2, 3, 4]);
});

test('V-190: an entry has one encoding: no unknown kind or flag, no text on a delete or deleted entry, a target exactly on what names one', () => {
  const encode = (e: HistoryEntry): Uint8Array => {
    const w = new Writer(256);
    writeHistoryEntry(w, e);
    return w.finish();
  };
  const good = encode({ seq: 1, sender: randomBytes(32), time: 1, counter: 4, kind: 'reaction', deleted: false, text: '👍', target: { sender: randomBytes(32), counter: 2 } });
  assert.is(readHistoryEntry(new Reader(good), 1000).text, '👍');
  const at = 8 + 32 + 8 + 4;
  const tweak = (offset: number, value: number): Uint8Array => {
    const bad = good.slice();
    bad[offset] = value;
    return bad;
  };
  for (const [bytes, what] of [[tweak(at, 2), 'unknown kind'], [tweak(at + 1, 2), 'unknown flag'], [tweak(at + 1, 1), 'deleted with text'], [tweak(at, 8), 'a delete with text']] as const) {
    assert.throws(() => readHistoryEntry(new Reader(bytes), 1000), (e: unknown) => e instanceof SottoError && e.errorName === 'BAD_VALUE', what);
  }
  assert.throws(() => encode({ seq: 1, sender: randomBytes(32), time: 1, counter: 1, kind: 'delete', deleted: false, text: 'x', target: { sender: randomBytes(32), counter: 1 } }));
  const long = { seq: 1, sender: randomBytes(32), time: 1, counter: 1, kind: 'reaction' as const, deleted: false, text: 'x'.repeat(33), target: { sender: randomBytes(32), counter: 1 } };
  assert.throws(() => encode(long), (e: unknown) => e instanceof SottoError && e.errorName === 'FIELD_TOO_LARGE', 'a reaction is one emoji, as in its content (§5.1)');
});

test('V-94: a joiner keeps a share only from the member who added it, for itself, as far as the setting at its add allows', async () => {
  const { room, alice, bob, carol } = await joined({ mode: 'last', count: 2 });
  const entries = [1, 2, 3].map((seq) => entry(seq, alice.sign.publicKey, `h${seq}`));
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
