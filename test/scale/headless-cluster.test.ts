// The real headless client against three relay processes on one PostgreSQL and one Redis, each
// member on its own process: joins answered through pushes that cross Redis, chat, rotation and
// removal; then a process SIGKILLed mid-chat, its member failing over to another process with
// nothing acknowledged lost or shown twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { admit, texts, waitUntil, warnings, type TestClient } from '../helpers/clients.js';
import { openClusterClient, startRelayCluster, type RelayCluster } from '../helpers/relay-cluster.js';
import type { RelayProcess } from '../helpers/relay-process.js';

const cluster: RelayCluster | undefined = await startRelayCluster(3);
const open: TestClient[] = [];
/** The process URL each member's client was last handed, by name. */
const at = new Map<string, string>();
let alice: TestClient;
let bob: TestClient;
let carol: TestClient;
let roomId: string;

test.after(async () => {
  await Promise.all(open.map((c) => c.client.close()));
  await cluster?.stop();
});

/** A client that starts on `relay` and, like one behind a load balancer, moves on when it drops. */
async function member(name: string, relay: RelayProcess): Promise<TestClient> {
  const c = await openClusterClient(cluster!, relay, (url) => at.set(name, url));
  open.push(c);
  return c;
}

/** Warnings an honest relay (or cluster) must never cause, however its processes die. */
function protocolWarnings(c: TestClient): string[] {
  return warnings(c).flatMap((e) => (e.type === 'warning' && ['GAP', 'FORK', 'REPLAY'].includes(e.error) ? [`${e.error}: ${e.detail}`] : []));
}

/** Every message shown once: by seq, and by text (each test text is unique). */
function assertOnce(c: TestClient, who: string): void {
  const seqs = c.client.messages(roomId).map((m) => m.seq);
  assert.is(new Set(seqs).size, seqs.length, `${who} shows a seq twice`);
  const list = texts(c, roomId);
  assert.is(new Set(list).size, list.length, `${who} shows a text twice`);
}

function epochOf(c: TestClient): number {
  return c.client.rooms().find((r) => r.roomId === roomId)!.epoch;
}

test('three members on three processes: join, chat with names, rotate', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  alice = await member('alice', r0);
  bob = await member('bob', r1);
  carol = await member('carol', r2);
  roomId = await alice.client.createRoom('Across processes', 'Alice');
  // The owner's client answers each join from pushes that came from another process.
  await admit(alice, roomId, bob, 'Bob');
  await admit(alice, roomId, carol, 'Carol');
  const everyone = [alice, bob, carol];
  for (const c of everyone) {
    await waitUntil(() => c.client.members(roomId).filter((m) => m.name !== undefined).length === 3, 'every profile everywhere');
  }
  assert.equal([at.get('alice'), at.get('bob'), at.get('carol')], [r0.url, r1.url, r2.url], 'each client on its own process');

  const said: [TestClient, string, string][] = [];
  for (let round = 0; round < 3; round++) {
    for (const [c, name] of [[alice, 'Alice'], [bob, 'Bob'], [carol, 'Carol']] as const) {
      const text = `${name} says ${round}`;
      await c.client.send(roomId, text);
      said.push([c, name, text]);
    }
  }
  for (const c of everyone) await waitUntil(() => said.every(([, , t]) => texts(c, roomId).includes(t)), 'everyone reads everyone');
  for (const [reader, readerName] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) {
    assertOnce(reader, readerName);
    for (const [author, name, text] of said) {
      const shown = reader.client.messages(roomId).find((m) => m.text === text)!;
      assert.is(shown.senderName, name, `${readerName} names the sender of "${text}"`);
      assert.is(shown.sender, author.client.identity(roomId));
    }
  }

  const epoch = await alice.client.rotate(roomId);
  assert.ok(epoch > 0);
  for (const c of everyone) await waitUntil(() => epochOf(c) === epoch, 'everyone on the new epoch');
  const code = alice.client.roomCode(roomId);
  assert.ok(code !== undefined);
  assert.is(bob.client.roomCode(roomId), code);
  assert.is(carol.client.roomCode(roomId), code);
  await carol.client.send(roomId, 'Carol in the new epoch');
  for (const c of [alice, bob]) await waitUntil(() => texts(c, roomId).includes('Carol in the new epoch'), 'the new epoch reads');
  for (const c of everyone) assert.equal(warnings(c), []);
});

test('removed from process 1 while on process 3: carol gets nothing new, the others go on', async () => {
  if (cluster === undefined) return;
  const carolKey = carol.client.identity(roomId);
  const epochBefore = epochOf(alice);
  await alice.client.remove(roomId, carolKey);
  await waitUntil(() => carol.client.rooms()[0]!.status === 'removed', 'carol sees her removal');
  const carolSees = carol.client.messages(roomId).length;
  const carolEpoch = epochOf(carol);
  assert.ok(epochOf(alice) > epochBefore, 'the removal rotated');
  await waitUntil(() => epochOf(bob) === epochOf(alice), 'bob on the post-removal epoch');
  assert.not.ok(bob.client.members(roomId).some((m) => m.sign === carolKey));

  await alice.client.send(roomId, 'after carol, from alice');
  await bob.client.send(roomId, 'after carol, from bob');
  await waitUntil(() => texts(bob, roomId).includes('after carol, from alice'), 'bob reads on');
  await waitUntil(() => texts(alice, roomId).includes('after carol, from bob'), 'alice reads on');
  // Pushes cross Redis within milliseconds; a moment more makes "nothing arrived" meaningful.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is(carol.client.messages(roomId).length, carolSees, 'carol receives nothing new');
  assert.is(epochOf(carol), carolEpoch, 'carol learns no new epoch');
  for (const c of [alice, bob, carol]) assert.equal(warnings(c), []);
});

test('a process SIGKILLed mid-chat: its member fails over, every acknowledged message shown once everywhere', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  const before = new Set(alice.client.messages(roomId).map((m) => m.seq));
  const epochBefore = epochOf(alice);
  // Enough together to pass the 100-message threshold, so a rotation runs across the failover too.
  const perSender = 60;
  const acked = new Map<string, { seq: number; name: string }>();
  const chat = async (c: TestClient, name: string): Promise<void> => {
    // Batches keep several sends in flight when the process dies.
    for (let i = 0; i < perSender; i += 5) {
      await Promise.all(Array.from({ length: 5 }, async (_, j) => {
        const text = `${name} mid-chat ${i + j}`;
        acked.set(text, { seq: await c.client.send(roomId, text), name });
      }));
    }
  };
  const sending = Promise.all([chat(alice, 'Alice'), chat(bob, 'Bob')]);
  await waitUntil(() => [...acked.values()].filter((a) => a.name === 'Bob').length >= 15, 'bob mid-chat');
  await r1.kill('SIGKILL');
  // A client that never reaches another process would keep its sends queued forever: fail instead.
  await waitUntil(() => acked.size === 2 * perSender, 'every send acknowledged after the kill');
  await sending;
  assert.is(at.get('bob'), r2.url, "bob's client moved on to the next process");
  assert.is(at.get('alice'), r0.url, 'alice never left her process');

  for (const [c, who] of [[alice, 'alice'], [bob, 'bob']] as const) {
    await waitUntil(() => [...acked.keys()].every((t) => texts(c, roomId).includes(t)), `${who} shows every acknowledged message`);
    assertOnce(c, who);
    const shown = new Map(c.client.messages(roomId).map((m) => [m.text, m]));
    for (const [text, { seq, name }] of acked) {
      assert.is(shown.get(text)!.seq, seq, `${who}: "${text}" under its acknowledged seq`);
      assert.is(shown.get(text)!.senderName, name);
    }
  }
  // Both show the same history since the kill began, seq for seq: nothing one has the other lacks.
  const since = (c: TestClient): string[] => c.client.messages(roomId).filter((m) => !before.has(m.seq)).map((m) => `${m.seq} ${m.text}`);
  assert.equal(since(bob), since(alice));
  await waitUntil(() => epochOf(bob) === epochOf(alice), 'one epoch after the chat');
  assert.ok(epochOf(alice) > epochBefore, 'the message threshold rotated');
  assert.is(bob.client.roomCode(roomId), alice.client.roomCode(roomId));
  for (const [c, who] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) {
    assert.equal(protocolWarnings(c), [], `${who}: no GAP, FORK or REPLAY`);
  }
});

test.run();
