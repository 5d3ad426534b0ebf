// The relay dies with SIGKILL while two clients send, and restarts on the same data directory:
// every message that was acknowledged is there afterwards, and every message still queued goes
// out exactly once after the clients reconnect.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fromHex } from '../../protocol/bytes.js';
import { openTestClient, texts, waitUntil, warnings } from '../helpers/clients.js';
import { relaySuite } from '../helpers/relay-suite.js';

const e2e = relaySuite(test);

function storedCount(roomId: string): number {
  const db = new Database(join(e2e.relay.dataDir, 'relay.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM messages WHERE room_id = ?').get(fromHex(roomId)) as { n: number }).n;
  } finally {
    db.close();
  }
}

test('SIGKILL mid-send, restart on the same data: nothing acknowledged is lost, nothing is doubled', async () => {
  const alice = await openTestClient(e2e.relay.url);
  const bob = await openTestClient(e2e.relay.url);
  e2e.track(alice);
  e2e.track(bob);
  const roomId = await alice.client.createRoom('Crashes', 'Alice');
  const { link } = await alice.client.createInvite(roomId);
  await bob.client.join(link, 'Bob');
  await waitUntil(() => bob.client.rooms()[0]?.status === 'member', 'bob admitted');

  const acked = new Map<string, number>();
  let killed = false;
  const ackedBeforeKill: string[] = [];
  const sends: Promise<number>[] = [];
  const all: string[] = [];
  for (let i = 0; i < 40; i++) {
    for (const [who, name] of [[alice, 'a'], [bob, 'b']] as const) {
      const text = `${name} ${i}`;
      all.push(text);
      sends.push(who.client.send(roomId, text).then((seq) => {
        acked.set(text, seq);
        if (!killed) ackedBeforeKill.push(text);
        return seq;
      }));
    }
  }
  await waitUntil(() => acked.size >= 15, 'some acknowledgements before the crash');
  killed = true;
  await e2e.relay.kill('SIGKILL');
  const frozen = [...ackedBeforeKill];
  await e2e.relay.restart();

  await Promise.all(sends);
  for (const c of [alice, bob]) await waitUntil(() => all.every((t) => texts(c, roomId).includes(t)), 'every message read after the restart');
  for (const text of frozen) {
    assert.ok(texts(alice, roomId).includes(text) && texts(bob, roomId).includes(text), `acked "${text}" survived`);
  }
  for (const c of [alice, bob]) {
    const list = texts(c, roomId);
    assert.is(new Set(list).size, list.length, 'nothing shown twice');
  }
  const seqs = [...acked.values()];
  assert.is(new Set(seqs).size, seqs.length, 'every acknowledged message has its own seq');
  // roomName, two profiles and the 80 texts: each stored exactly once.
  assert.is(storedCount(roomId), all.length + 3);
  assert.equal(warnings(alice).filter((w) => w.type === 'warning' && w.error !== 'CLOSED'), []);
  assert.equal(warnings(bob).filter((w) => w.type === 'warning' && w.error !== 'CLOSED'), []);
});

test.run();
