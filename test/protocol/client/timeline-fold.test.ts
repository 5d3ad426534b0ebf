// The fold of replies, reactions, edits and deletes into their targets (docs/protocol.md §9.1),
// and the wipe a delete makes, on hand-made rooms: order of arrival, authorship, and one pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { generateMemberKeys } from '../../../protocol/client/member-keys.js';
import { newRoomState, refKey, type DeliveredMessage, type MessageView } from '../../../protocol/client/room-state.js';
import { applyDelete, keepDeleted } from '../../../protocol/client/deletion.js';
import { foldTimeline } from '../../../protocol/client/timeline-fold.js';
import type { RefKind } from '../../../protocol/wire/content.js';

const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

function msg(seq: number, sender: string, counter: number, text: string, about?: { kind: RefKind; target: string }): DeliveredMessage {
  return {
    seq, epoch: 0, sender, senderName: undefined, senderLabel: sender.slice(0, 1), fingerprint: '', text, time: seq, mine: sender === ALICE,
    warnings: [], pending: false, counter, ...(about === undefined ? {} : { about }),
  };
}

const ctx = { replaced: new Map<string, string>(), label: (s: string) => s.slice(0, 1) };

test('V-121: a member’s later reaction replaces its earlier one, an empty one withdraws it; edits in log order, the earlier kept', () => {
  const target = refKey(ALICE, 1);
  const entries: MessageView[] = [
    msg(1, ALICE, 1, 'hi'),
    msg(2, BOB, 1, '😂', { kind: 'reaction', target }),
    msg(3, ALICE, 2, '👍', { kind: 'reaction', target }),
    msg(4, BOB, 2, '👍', { kind: 'reaction', target }),
    msg(5, ALICE, 3, 'hi there', { kind: 'edit', target }),
    msg(6, ALICE, 4, 'hello there', { kind: 'edit', target }),
    msg(7, ALICE, 5, '', { kind: 'reaction', target }),
  ];
  const { messages, total } = foldTimeline(entries, ctx);
  assert.is(total, 1);
  assert.is(messages[0]!.text, 'hello there');
  assert.equal(messages[0]!.edits.map((e) => e.text), ['hi', 'hi there']);
  assert.equal(messages[0]!.reactions, [{ emoji: '👍', count: 1, by: ['b'], mine: false }]);
});

test('V-122: an edit or delete by anyone but the author is ignored; a later key of the author (key update) may', () => {
  const target = refKey(ALICE, 1);
  const forged = foldTimeline([msg(1, ALICE, 1, 'mine'), msg(2, BOB, 1, 'yours now', { kind: 'edit', target }), msg(3, BOB, 2, '', { kind: 'delete', target })], ctx);
  assert.equal({ text: forged.messages[0]!.text, deleted: forged.messages[0]!.deleted }, { text: 'mine', deleted: false });
  const later = 'c'.repeat(64);
  const updated = foldTimeline([msg(1, ALICE, 1, 'mine'), msg(2, later, 2, 'still mine', { kind: 'edit', target })], { ...ctx, replaced: new Map([[later, ALICE]]) });
  assert.is(updated.messages[0]!.text, 'still mine');
});

test('V-123: a delete wipes the stored text of its message and edits, also when it arrives first; not another member’s', async () => {
  const me = await generateMemberKeys(nobleSuite);
  const room = newRoomState(randomBytes(16), me, 'member', 'Room', 'Me');
  const target = refKey(ALICE, 1);
  room.messages.push(msg(1, ALICE, 1, 'secret'), msg(2, ALICE, 2, 'secret 2', { kind: 'edit', target }));
  const notAuthor = msg(3, BOB, 1, '', { kind: 'delete', target });
  room.messages.push(notAuthor);
  applyDelete(room, notAuthor);
  assert.ok(JSON.stringify(room.messages).includes('secret'), 'Bob cannot wipe it');
  const del = msg(4, ALICE, 3, '', { kind: 'delete', target });
  room.messages.push(del);
  applyDelete(room, del);
  assert.not.ok(JSON.stringify(room.messages).includes('secret'));
  // A delete held before its message: the message is wiped as it is stored.
  const early = refKey(ALICE, 9);
  room.messages.push(msg(5, ALICE, 10, '', { kind: 'delete', target: early }));
  applyDelete(room, room.messages.at(-1)!);
  assert.equal({ text: keepDeleted(room, msg(6, ALICE, 9, 'late')).text, deleted: keepDeleted(room, msg(6, ALICE, 9, 'late')).deleted }, { text: '', deleted: true });
  assert.is(keepDeleted(room, msg(7, ALICE, 11, 'kept')).text, 'kept');
});

/** `m` as it came in a history share or a link's history: vouched for by `by`, not verified here. */
const vouched = (m: DeliveredMessage, by = 'carol'): DeliveredMessage => ({ ...m, sharedBy: by });

// The attack: whoever passes history on (the member who adds a joiner, the device that links another)
// writes the entries, senders and counters included. With the fold as it was before V-191 (no
// `vouching`, passed-on entries folded like verified ones, and deletedRefs counting passed-on
// deletes), this test failed at its first check: Alice's verified "real" showed as deleted by the
// vouched delete (run against the built fold with the two V-191 checks taken out).
test('V-191: history passed on folds among itself; it never edits, deletes, reacts to or stands in for a verified record', async () => {
  const shared = refKey(BOB, 3);
  const real = refKey(ALICE, 7);
  const entries: MessageView[] = [
    vouched(msg(1, BOB, 3, 'old')),
    vouched(msg(2, ALICE, 1, 'nice', { kind: 'reply', target: shared })),
    vouched(msg(3, ALICE, 2, '👍', { kind: 'reaction', target: shared })),
    vouched(msg(4, BOB, 4, 'old, edited', { kind: 'edit', target: shared })),
    // Forged onto Alice's counter 7, which she sends after the share as a verified record.
    vouched(msg(5, ALICE, 7, 'a claim of counter 7')),
    vouched(msg(6, ALICE, 5, 'forged', { kind: 'edit', target: real })),
    vouched(msg(7, BOB, 6, '💩', { kind: 'reaction', target: real })),
    vouched(msg(8, ALICE, 8, '', { kind: 'delete', target: real })),
    msg(9, ALICE, 7, 'real'),
    msg(10, BOB, 9, 'quoting', { kind: 'reply', target: real }),
    // Verified words about a passed-on message do fold: here Bob's reaction.
    msg(11, BOB, 9, '❤️', { kind: 'reaction', target: shared }),
  ];
  const { messages } = foldTimeline(entries, ctx);
  const byText = (seq: number) => messages.find((m) => m.seq === seq)!;
  assert.is(byText(9).text, 'real');
  assert.equal(byText(9).reactions, []);
  assert.not.ok(byText(9).deleted);
  assert.equal(byText(9).edits, []);
  assert.is(byText(9).ref, real);
  assert.is(byText(5).ref, undefined, 'the claim of a verified record’s counter names nothing');
  const quote = byText(10).replyTo;
  assert.ok(quote !== undefined && !('missing' in quote) && quote.text === 'real' && quote.seq === 9, 'a reply quotes the verified record');
  assert.is(byText(1).text, 'old, edited', 'passed-on edits fold into passed-on messages');
  assert.equal(byText(1).reactions.map((r) => r.emoji), ['👍', '❤️']);
  const nice = byText(2).replyTo;
  assert.ok(nice !== undefined && !('missing' in nice) && nice.seq === 1, 'a passed-on reply resolves to the passed-on message');
  // The store: a passed-on delete wipes nothing; a verified one wipes passed-on and verified alike.
  const room = newRoomState(randomBytes(16), await generateMemberKeys(nobleSuite), 'member', 'Room', 'Me');
  room.messages.push(vouched(msg(1, BOB, 3, 'old')), vouched(msg(8, ALICE, 8, '', { kind: 'delete', target: real })));
  applyDelete(room, room.messages[1]!);
  assert.is(keepDeleted(room, msg(9, ALICE, 7, 'real')).text, 'real');
  const del = msg(12, BOB, 10, '', { kind: 'delete', target: shared });
  room.messages.push(del);
  applyDelete(room, del);
  assert.ok(room.messages[0]!.deleted);
});

test('the fold is one pass: 10,000 messages, a reply and a reaction on each tenth, in linear work', () => {
  const entries: MessageView[] = [];
  for (let i = 1; i <= 10_000; i++) {
    entries.push(msg(entries.length + 1, ALICE, i, `m${i}`, i % 10 === 0 ? { kind: 'reply', target: refKey(ALICE, i - 1) } : undefined));
    if (i % 10 === 0) entries.push(msg(entries.length + 1, BOB, i, '👍', { kind: 'reaction', target: refKey(ALICE, i - 1) }));
  }
  const { messages, total } = foldTimeline(entries, ctx, 500);
  assert.is(total, 10_000);
  assert.is(messages.length, 500);
  const reply = messages.find((m) => m.replyTo !== undefined)!;
  assert.ok(reply.replyTo !== undefined && !('missing' in reply.replyTo) && reply.replyTo.text === `m${reply.counter! - 1}`);
  assert.is(messages.find((m) => m.counter === 9_999)!.reactions[0]!.count, 1);
});

test.run();
