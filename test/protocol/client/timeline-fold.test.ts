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
