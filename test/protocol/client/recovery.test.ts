// The pure parts of recovery (issue 15): the backoff every retry waits by, moving our chain past
// records an imported keystore adopts, and the journal a restored relay is healed from.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { adoptOwn, markImported } from '../../../protocol/client/adopt.js';
import { Backoff } from '../../../protocol/client/backoff.js';
import { journalFromJson, journalToJson, keepOwn, newJournal } from '../../../protocol/client/journal.js';
import { generateMemberKeys } from '../../../protocol/client/member-keys.js';
import { messageHash, sealMessage } from '../../../protocol/client/message-crypto.js';
import { newRoomState } from '../../../protocol/client/room-state.js';
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { randomBytes } from '../../../protocol/crypto/random.js';
import { toHex } from '../../../protocol/bytes.js';
import { ZERO_HASH } from '../../../protocol/membership/roster.js';
import type { MessageRecord } from '../../../protocol/wire/message.js';

test('backoff: jittered, growing, capped, and gives up after the bound; reset starts over', () => {
  let now = 0;
  let draw = 0;
  const random = (): number => [0, 1, 0.5][draw++ % 3]!;
  const backoff = new Backoff({ firstMs: 100, maxMs: 1_000, giveUpMs: 3_000 }, random, () => now);
  const delays: number[] = [];
  for (;;) {
    const delay = backoff.next();
    if (delay === undefined) break;
    delays.push(delay);
    now += delay;
  }
  // Ceilings 100, 200, 400, 800, 1000, 1000…; each delay between half its ceiling and all of it.
  assert.equal(delays.slice(0, 5), [50, 200, 300, 400, 1000]);
  assert.ok(delays.every((d) => d <= 1_000), 'capped');
  assert.ok(now <= 3_000, 'never past the bound');
  assert.ok(delays.length < 10, 'a handful of tries, not a loop');
  assert.is(backoff.next(), undefined, 'stays given up');
  backoff.reset();
  const first = backoff.next()!;
  assert.ok(first >= 50 && first <= 100, 'a reset starts over');
});

async function ownRecord(counter: number): Promise<MessageRecord> {
  const me = await generateMemberKeys(nobleSuite);
  return sealMessage({
    signer: me.sign, roomId: randomBytes(16), epoch: 0, key: randomBytes(32), index: counter - 1, counter, prevHash: ZERO_HASH, seenSeq: 0, seenHash: ZERO_HASH,
    logLength: 1, logHash: randomBytes(32), content: { type: 'text', time: 1, text: `message ${counter}` },
  });
}

test('adopt: an adopted record moves our counter and previous hash forward only, and is known as ours', async () => {
  const me = await generateMemberKeys(nobleSuite);
  const room = newRoomState(randomBytes(16), me, 'member', 'Room', 'Me');
  room.counter = 3;
  const later = await ownRecord(7);
  const hash = messageHash(later.bytes);
  adoptOwn(room, later, hash);
  assert.is(room.counter, 7);
  assert.is(toHex(room.lastHash), toHex(hash));
  assert.ok(room.sentHashes.has(toHex(hash)));
  const earlier = await ownRecord(5);
  adoptOwn(room, earlier, messageHash(earlier.bytes));
  assert.is(room.counter, 7, 'an earlier record never moves the chain back');
  assert.is(toHex(room.lastHash), toHex(hash));
  const left = newRoomState(randomBytes(16), me, 'left', 'Old', 'Me');
  markImported([room, left]);
  assert.ok(room.journal.adopting);
  assert.not.ok(left.journal.adopting, 'a room we are out of has nothing to adopt');
});

test('journal: own records kept within their bound, and everything survives the snapshot form', async () => {
  const journal = newJournal();
  for (let seq = 1; seq <= 5; seq++) keepOwn(journal, seq, await ownRecord(seq), 3);
  assert.equal([...journal.own.keys()], [3, 4, 5], 'the oldest go first');
  journal.lost.set('ab', 9);
  journal.restoredSeq = 2;
  journal.adopting = true;
  const back = journalFromJson(JSON.parse(JSON.stringify(journalToJson(journal))) as ReturnType<typeof journalToJson>);
  assert.equal([...back.own.keys()], [3, 4, 5]);
  assert.is(toHex(back.own.get(4)!.bytes), toHex(journal.own.get(4)!.bytes));
  assert.equal([...back.lost], [['ab', 9]]);
  assert.is(back.restoredSeq, 2);
  assert.ok(back.adopting);
  assert.equal(journalToJson(journalFromJson(undefined)), journalToJson(newJournal()), 'an older snapshot has an empty journal');
});

test.run();
