// The timeline's order (web/ui/timeline.ts): notices go among delivered messages by time, our
// pending messages stay last, and a day separator opens each new day.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MessageView, NoticeView } from '../../web/worker/rpc.js';
import { noticeText, timelineItems } from '../../web/ui/timeline.js';

const DAY_MS = 86_400_000;
const start = new Date(2026, 0, 5, 10, 0).getTime();

function message(key: string, time: number, pending = false): MessageView {
  return {
    key, seq: pending ? undefined : 1, sender: 'aa', senderName: 'Alice', fingerprint: 'f', time, text: key, own: false, pending, warning: undefined, failed: false, sharedBy: undefined,
    ref: undefined, replyTo: undefined, reactions: [], edits: [], deleted: false,
  };
}

function notice(key: string, time: number, kind: NoticeView['kind'] = 'joined'): NoticeView {
  return { key, kind, time, actor: 'Alice', actorMe: false, subject: 'Bob', subjectMe: true, role: 'member', epoch: undefined, code: undefined };
}

test('notices merge by time, pending messages stay last, and each new day gets a separator', () => {
  const items = timelineItems(
    [message('m1', start), message('m2', start + DAY_MS), message('p1', start - DAY_MS, true)],
    [notice('n0', start - 1000), notice('n1', start + 60_000), notice('n2', start + 2 * DAY_MS)],
  );
  assert.equal(items.map((i) => i.type === 'day' ? 'day' : i.key), [
    'day', 'notice:n0', 'm1', 'notice:n1', 'day', 'm2', 'day', 'notice:n2', 'day', 'p1',
  ]);
});

test('notices in words, with "you" for this device’s member', () => {
  assert.is(noticeText(notice('n', start)), 'You joined, let in by Alice.');
  assert.is(noticeText({ ...notice('n', start, 'removed'), subjectMe: false }), 'Alice removed Bob.');
  assert.is(noticeText({ ...notice('n', start, 'role'), role: 'admin' }), 'Alice made you an admin.');
  assert.match(noticeText({ ...notice('n', start, 'code'), code: 'ABCD-EFGH-JKMN-PQRS' }), 'ABCD-EFGH-JKMN-PQRS');
  assert.match(noticeText({ ...notice('n', start, 'keys'), subject: 'Alice', subjectMe: false }), 'replaced their keys');
  assert.is(noticeText({ ...notice('n', start, 'keys'), subject: 'Alice', subjectMe: false, wasVerified: true }),
    'Alice’s safety number changed: they replaced their keys in this room. You had verified Alice; verify them again before trusting this room with secrets.');
});

test('a removal says what it took: one of the person’s own devices, or a person with all their devices', () => {
  const removed = { ...notice('n', start, 'removed'), subjectMe: false };
  // The old text named the removed device by its person: "Alice removed Alice."
  assert.is(noticeText({ ...removed, subject: 'Alice', devices: 1, ownDevice: true }), 'Alice removed one of their devices.');
  assert.is(noticeText({ ...removed, actorMe: true, subject: 'Alice', devices: 1, ownDevice: true }), 'You removed one of your other devices.');
  assert.is(noticeText({ ...removed, subjectMe: true, devices: 1, ownDevice: true }), 'Alice removed this device.');
  assert.is(noticeText({ ...removed, devices: 2, ownDevice: false }), 'Alice removed Bob (2 devices).');
  assert.is(noticeText({ ...removed, devices: 1, ownDevice: false }), 'Alice removed Bob.');
  assert.is(noticeText(removed), 'Alice removed Bob.', 'a log we hold only from a checkpoint on may not say');
  assert.is(noticeText({ ...notice('n', start, 'device'), subjectMe: false }), 'Alice added a device.');
  assert.is(noticeText(notice('n', start, 'device')), 'Alice added this device.', 'on the new device itself');
});

test.run();
