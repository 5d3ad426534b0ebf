// The pure parts of attention and search (issue 16, items 5 and 7): who a message mentions, what a
// notification may say, and what "Search messages" finds in a room's history.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mentions } from '../../web/worker/mentions.js';
import { folded, MAX_HITS, mergeHits, searchRoom } from '../../web/worker/search.js';
import { notificationText } from '../../web/ui/notifications.js';
import type { MessageView, RoomView } from '../../web/worker/rpc.js';

function message(key: string, text: string, time: number, pending = false): MessageView {
  return {
    key, seq: pending ? undefined : Number(key), sender: 'ab', senderName: 'Alice', fingerprint: 'f', time, text, own: false, pending,
    failed: false, warning: undefined, sharedBy: undefined, ref: undefined, replyTo: undefined, reactions: [], edits: [], deleted: false,
  };
}

test('mentions: "@Name" in any case, not inside a longer word, never an empty name', () => {
  assert.ok(mentions('@Bob could you bring it?', 'Bob'));
  assert.ok(mentions('thanks @bob!', 'Bob'));
  assert.ok(mentions('hey @Bob', ' Bob '));
  assert.ok(mentions('@José, look', 'José'));
  assert.not.ok(mentions('@Bobby is here', 'Bob'));
  assert.not.ok(mentions('Bob without the at', 'Bob'));
  assert.not.ok(mentions('@ anyone', ''));
  assert.not.ok(mentions('@Bob', undefined));
  assert.ok(mentions('@Bobby and @Bob', 'Bob'), 'a later exact mention counts');
});

test('notifications: content hidden by default says only the room; shown, the sender and text', () => {
  const room = { name: 'Book club', lastMessage: { senderName: 'Alice', text: 'the secret plan', time: 1, own: false } } as unknown as RoomView;
  assert.equal(notificationText(room, false, false), { title: 'New message in Book club', body: undefined });
  assert.equal(notificationText(room, true, false), { title: 'New mention in Book club', body: undefined });
  assert.equal(notificationText(room, false, true), { title: 'Book club', body: 'Alice: the secret plan' });
  const long = { ...room, lastMessage: { senderName: 'Alice', text: 'x'.repeat(500), time: 1, own: false } } as unknown as RoomView;
  assert.ok(notificationText(long, false, true).body!.length <= 'Alice: '.length + 120);
});

test('search: case- and accent-insensitive, newest first, pending left out, bounded', () => {
  assert.is(folded('Café ÉTÉ'), 'cafe ete');
  const messages = [message('1', 'Bring the seeds', 10), message('2', 'no match', 20), message('3', 'more SEEDS here', 30), message('p', 'seeds pending', 40, true)];
  const hits = searchRoom('r1', 'Garden', messages, '  seeds ');
  assert.equal(hits.map((h) => h.key), ['3', '1']);
  assert.is(hits[0]!.roomName, 'Garden');
  assert.equal(searchRoom('r1', 'Garden', messages, '   '), []);
  assert.equal(searchRoom('r1', 'Garden', [message('1', 'un café', 1)], 'CAFE').length, 1);
  const many = Array.from({ length: 200 }, (_, i) => message(String(i + 1), 'same words', i));
  assert.is(searchRoom('r1', 'Garden', many, 'words').length, MAX_HITS);
  const merged = mergeHits([searchRoom('a', 'A', [message('1', 'hit', 5)], 'hit'), searchRoom('b', 'B', [message('1', 'hit', 9)], 'hit')]);
  assert.equal(merged.map((h) => h.roomId), ['b', 'a']);
});

test.run();
