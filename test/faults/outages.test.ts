// Outages in the several-relay mode (three relay processes on one PostgreSQL and one Redis), with
// real headless clients that move to another process when theirs drops, as behind a load balancer:
// Redis stopped mid-conversation and started again (every client told the relay is partly down
// meanwhile, V-160); PostgreSQL likewise; one relay process killed
// (SIGKILL) during a join and during a rotation. Each time: nothing acknowledged is lost, joins
// complete once the part is back, every member converges, and no client raises an alarm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorName } from '../../protocol/client/client-context.js';
import { admit, texts, waitUntil, warnings, type TestClient } from '../helpers/clients.js';
import { openClusterClient, startRelayCluster, type RelayCluster } from '../helpers/relay-cluster.js';
import type { RelayProcess } from '../helpers/relay-process.js';
import { openCountedClient } from './harness.js';

const cluster: RelayCluster | undefined = await startRelayCluster(3);
const open: Pick<TestClient, 'client'>[] = [];
/** The process URL each member's client was last handed, by name. */
const at = new Map<string, string>();
/** Every message a send resolved for (the relay acknowledged it), by text, in order. */
const acked: string[] = [];
/** Where in `acked` each member's view starts: a joiner is not shown what was said before it joined. */
const joinedAt = new Map<TestClient, number>();
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

async function say(c: TestClient, text: string): Promise<void> {
  await c.client.send(roomId, text);
  acked.push(text);
}

function epochOf(c: TestClient): number {
  return c.client.rooms().find((r) => r.roomId === roomId)!.epoch;
}

/** Every member shows every acknowledged message exactly once, on one epoch, and nobody was alarmed. */
async function converged(members: readonly [TestClient, string][]): Promise<void> {
  for (const [c, who] of members) {
    const expected = acked.slice(joinedAt.get(c) ?? 0);
    await waitUntil(() => expected.every((t) => texts(c, roomId).includes(t)), `${who} shows every acknowledged message`, 60_000);
  }
  await waitUntil(() => members.every(([c]) => epochOf(c) === epochOf(members[0]![0])), 'one epoch everywhere', 60_000);
  for (const [c, who] of members) {
    const list = texts(c, roomId);
    assert.is(new Set(list).size, list.length, `${who} shows a message twice`);
    assert.equal(warnings(c), [], `${who}: no warning`);
  }
}

test('three members on three processes chat', async () => {
  if (cluster === undefined) return;
  const [r0, r1, r2] = cluster.relays as [RelayProcess, RelayProcess, RelayProcess];
  alice = await member('alice', r0);
  bob = await member('bob', r1);
  carol = await member('carol', r2);
  roomId = await alice.client.createRoom('Outages', 'Alice');
  await admit(alice, roomId, bob, 'Bob');
  await admit(alice, roomId, carol, 'Carol');
  for (const [c, name] of [[alice, 'Alice'], [bob, 'Bob'], [carol, 'Carol']] as const) await say(c, `${name} before any outage`);
  await converged([[alice, 'alice'], [bob, 'bob'], [carol, 'carol']]);
});

// Checked against the old code: the join request was refused INTERNAL for as long as Redis was
// down (the shared address lockout threw), so the join failed outright.
test('Redis stopped mid-conversation and restarted: chat is stored, a join goes ahead, all converge', async () => {
  if (cluster === undefined) return;
  const { link } = await alice.client.createInvite(roomId);
  const dave = await member('dave', cluster.relays[1]!);
  await cluster.redis.kill();
  // PostgreSQL still takes every message: an ack means stored; only pushes between processes wait.
  await say(alice, 'Alice while Redis is down');
  await say(bob, 'Bob while Redis is down');
  await dave.client.join(link, 'Dave');
  await cluster.redis.restart();
  // The join request's push to Alice was lost with Redis; her process's gap makes her reconnect,
  // and the relay hands her the pending join again.
  await waitUntil(() => dave.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', 'dave admitted after Redis is back', 60_000);
  joinedAt.set(dave, acked.length);
  await say(dave, 'Dave after Redis is back');
  await converged([[alice, 'alice'], [bob, 'bob'], [carol, 'carol'], [dave, 'dave']]);
});

// Checked against the old code: with Redis down every client stayed 'online' ("Connected"),
// nothing told it that members on other processes would hear it late.
test('V-160: Redis stopped: every client is told and shows partial, still sends; one connecting meanwhile is told with its first answer; online again once Redis is back', async () => {
  if (cluster === undefined) return;
  const members: [TestClient, string][] = [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']];
  await cluster.redis.kill();
  await waitUntil(() => members.every(([c]) => c.client.status === 'partial'), 'every member shown the relay partly down');
  // Told with the relay's first answer to it (its own room's creation here): a push before the
  // client's first request could overtake the end of its handshake.
  const henry = await member('henry', cluster.relays[1]!);
  await henry.client.createRoom('Henry alone', 'Henry');
  await waitUntil(() => henry.client.status === 'partial', 'a client that connects during the outage told so');
  // Partly down, not down: a send is stored and acknowledged, and nothing is kept back.
  await say(alice, 'Alice while the relay is partly down');
  await say(carol, 'Carol while the relay is partly down');
  assert.is(alice.client.status, 'partial');
  await cluster.redis.restart();
  await waitUntil(() => [...members.map(([c]) => c), henry].every((c) => c.client.status === 'online'), 'every client online again', 60_000);
  await converged(members);
  assert.equal(warnings(henry), [], 'henry: no warning');
});

// Checked against the old code: every send was refused INTERNAL while PostgreSQL was down, the
// message dropped from the outbox with a warning, and no status said why.
test('PostgreSQL stopped mid-conversation and restarted: sends wait, the status says why, a join waits, all converge', async () => {
  if (cluster === undefined) return;
  const { link } = await alice.client.createInvite(roomId);
  const erin = await member('erin', cluster.relays[2]!);
  await cluster.postgres.halt();
  const sending = say(alice, 'Alice while PostgreSQL is down');
  await waitUntil(() => alice.client.status === 'degraded', 'alice shown the relay storage is away');
  const joining = erin.client.join(link, 'Erin');
  await cluster.postgres.restart();
  await sending;
  await joining;
  await waitUntil(() => alice.client.status === 'online', 'alice online again');
  await waitUntil(() => erin.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', 'erin admitted after PostgreSQL is back', 60_000);
  joinedAt.set(erin, acked.length);
  await say(erin, 'Erin after PostgreSQL is back');
  await converged([[alice, 'alice'], [bob, 'bob'], [carol, 'carol'], [erin, 'erin']]);
});

test('a join refused while PostgreSQL stays down fails with the retryable STORE_UNAVAILABLE', async () => {
  if (cluster === undefined) return;
  const { link } = await alice.client.createInvite(roomId);
  const grace = await openCountedClient(cluster.relays[0]!.url, { joinGiveUpMs: 2_000 });
  open.push(grace);
  await cluster.postgres.halt();
  try {
    const failure = await grace.client.join(link, 'Grace').then(() => undefined, (error: unknown) => error);
    assert.is(errorName(failure), 'STORE_UNAVAILABLE');
  } finally {
    await cluster.postgres.restart();
  }
  await grace.client.join(link, 'Grace');
  await waitUntil(() => grace.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', 'grace admitted on her second try', 60_000);
});

/** The process a member's client is on now. */
function processOf(name: string): RelayProcess {
  return cluster!.relays.find((r) => r.url === at.get(name))!;
}

// Checked against the old code: the joiner's request died with the process (CLOSED), and when the
// relay had stored it, every new request found the invite used: the join could never complete.
test('kill -9 of the joiner process during a join: the join completes on another process', async () => {
  if (cluster === undefined) return;
  const { link } = await alice.client.createInvite(roomId);
  const frank = await member('frank', cluster.relays[1]!);
  const victim = processOf('frank');
  const joining = frank.client.join(link, 'Frank');
  await victim.kill('SIGKILL');
  await joining;
  await waitUntil(() => frank.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', 'frank admitted', 60_000);
  joinedAt.set(frank, acked.length);
  await say(frank, 'Frank after his process died');
  await victim.restart();
  await converged([[alice, 'alice'], [bob, 'bob'], [carol, 'carol'], [frank, 'frank']]);
});

test('kill -9 of the rotating member process during a rotation: one epoch everywhere, nothing acknowledged lost', async () => {
  if (cluster === undefined) return;
  const victim = processOf('alice');
  const epochBefore = epochOf(alice);
  const chatting = Promise.all([0, 1, 2, 3, 4].map((i) => say(bob, `Bob during the rotation ${i}`)));
  const rotating = alice.client.rotate(roomId);
  await victim.kill('SIGKILL');
  assert.ok((await rotating) > epochBefore, 'the rotation went through on another process');
  await chatting;
  await say(alice, 'Alice after the rotation');
  await victim.restart();
  await converged([[alice, 'alice'], [bob, 'bob'], [carol, 'carol']]);
  assert.ok(epochOf(bob) > epochBefore);
});

test.run();
