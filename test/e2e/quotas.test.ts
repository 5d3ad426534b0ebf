// The relay's quotas (docs/operations.md "Quotas", V-115…V-118) against the real relay process:
// each limit is reached through the wire, refused with its own typed error, counted in /metrics by
// quota name, and logged without the client's address. Checked against the code before the quotas:
// every refusal below was an ok (or, for rooms per connection, BAD_VALUE), and the metric was absent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from '../../protocol/crypto/random.js';
import type { RelayFrame } from '../../protocol/wire/frames.js';
import { issueRoomToken, loadRoomTokenSecret } from '../../relay/room-token.js';
import { metric } from '../adversarial/harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { RawClient } from '../helpers/raw-client.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';
import { authFrame, createRoom, expectOk, identity, outcome, RoomModel } from '../relay/fixtures.js';

const MAIN = join(REPO_ROOT, 'dist', 'relay', 'main.js');

interface Relay {
  readonly process: RelayProcess;
  readonly metricsUrl: string;
  connect(): Promise<RawClient>;
}

async function startRelay(args: readonly string[], dataDir?: string): Promise<Relay> {
  const process = await startRelayProcess(['--metrics-port', '0', ...(dataDir === undefined ? [] : ['--data-dir', dataDir]), ...args]);
  const listening = process.output().split('\n').find((line) => line.includes('"relay listening"'));
  const metricsUrl = (JSON.parse(listening!) as { metrics: string }).metrics.replace(/\/metrics$/, '');
  return { process, metricsUrl, connect: () => RawClient.connect(`ws://127.0.0.1:${process.port}/ws`, process.publicKey) };
}

function quotaCount(relay: Relay, quota: string): Promise<number> {
  return metric(relay.metricsUrl, `sotto_quota_rejections_total{quota="${quota}"}`);
}

/** The relay's "quota reached" lines: they name the quota, never the address they were reached from. */
function assertLoggedWithoutAddress(relay: Relay, quota: string): void {
  const lines = relay.process.output().split('\n').filter((line) => line.includes('"quota reached"'));
  assert.ok(lines.some((line) => line.includes(`"quota":"${quota}"`)), `a log line for ${quota}`);
  for (const line of lines) assert.not.match(line, /127\.0\.0\.1|::1/, 'no address in a quota log line');
}

/** A new room's createRoom, with `roomToken` if given; the relay's answer. */
async function createRoomFrame(client: RawClient, roomToken?: string): Promise<{ answer: RelayFrame }> {
  const genesis = await new RoomModel().genesis(await identity());
  return { answer: await client.request({ type: 'createRoom', rid: client.nextRid(), genesis, ...(roomToken === undefined ? {} : { roomToken }) }) };
}

test('V-115: an address creates at most --rooms-per-address-per-hour rooms; the next is ROOM_CREATION_LIMITED, on any connection', async () => {
  const relay = await startRelay(['--rooms-per-address-per-hour', '2']);
  try {
    const first = await relay.connect();
    for (let i = 0; i < 2; i++) assert.is(outcome((await createRoomFrame(first)).answer), 'ok');
    assert.is(outcome((await createRoomFrame(first)).answer), 'ROOM_CREATION_LIMITED');
    // A new connection from the same address is the same address.
    const second = await relay.connect();
    assert.is(outcome((await createRoomFrame(second)).answer), 'ROOM_CREATION_LIMITED');
    assert.is(await quotaCount(relay, 'room-creation'), 2);
    assertLoggedWithoutAddress(relay, 'room-creation');
  } finally {
    await relay.process.dispose();
  }
});

test('V-116: under --require-room-token only a token `sotto-relay room-token` issued, unexpired, creates a room', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-room-token-'));
  try {
    // Without a secret to check tokens with, the relay refuses to start and says how to make one.
    const refused = spawnSync(process.execPath, [MAIN, '--port', '0', '--data-dir', dataDir, '--require-room-token'], { encoding: 'utf8' });
    assert.is(refused.status, 1);
    assert.match(refused.stdout, /sotto-relay room-token/);

    const issued = spawnSync(process.execPath, [MAIN, 'room-token', '--data-dir', dataDir, '--days', '2'], { encoding: 'utf8' });
    assert.is(issued.status, 0, issued.stderr);
    const token = issued.stdout.trim();
    assert.match(issued.stderr, /valid until/);
    const unknownFlag = spawnSync(process.execPath, [MAIN, 'room-token', '--data-dir', dataDir, '--dayz', '2'], { encoding: 'utf8' });
    assert.is(unknownFlag.status, 2);

    const relay = await startRelay(['--require-room-token'], dataDir);
    try {
      const client = await relay.connect();
      assert.is(outcome((await createRoomFrame(client)).answer), 'ROOM_TOKEN_REQUIRED');
      const forged = issueRoomToken(randomBytes(32), Date.now() + 3600_000);
      assert.is(outcome((await createRoomFrame(client, forged)).answer), 'BAD_ROOM_TOKEN');
      const expired = issueRoomToken(loadRoomTokenSecret(dataDir, false), Date.now() - 1000);
      assert.is(outcome((await createRoomFrame(client, expired)).answer), 'BAD_ROOM_TOKEN');
      assert.is(outcome((await createRoomFrame(client, 'not a token')).answer), 'BAD_ROOM_TOKEN');
      assert.is(outcome((await createRoomFrame(client, token)).answer), 'ok');
      // A token is good until it expires, not once.
      assert.is(outcome((await createRoomFrame(client, token)).answer), 'ok');
      assert.is(await quotaCount(relay, 'room-token'), 4);
      assertLoggedWithoutAddress(relay, 'room-token');
      assert.not.ok(relay.process.output().includes(token), 'the token is never logged');
    } finally {
      await relay.process.kill('SIGKILL');
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('V-117: a message over --max-message-record-bytes is MESSAGE_TOO_LARGE; a room over --max-room-bytes is ROOM_FULL, resends still answered', async () => {
  const relay = await startRelay(['--max-message-record-bytes', '4096', '--max-room-bytes', '65536']);
  try {
    const client = await relay.connect();
    const owner = await identity();
    const room = await createRoom(client, owner);
    const send = async (counter: number, ciphertextBytes: number): Promise<RelayFrame> =>
      client.request({ type: 'send', rid: client.nextRid(), message: await room.message(owner, counter, 0, owner, ciphertextBytes) });
    assert.is(outcome(await send(1, 8192)), 'MESSAGE_TOO_LARGE');
    let counter = 1;
    let last: RelayFrame;
    const stored = [];
    for (;;) {
      const message = await room.message(owner, counter, 0, owner, 3000);
      last = await client.request({ type: 'send', rid: client.nextRid(), message });
      if (last.type !== 'ok') break;
      stored.push({ message, seq: last.value });
      counter++;
      assert.ok(counter < 100, 'the room fills up');
    }
    assert.is(outcome(last), 'ROOM_FULL');
    // 21 messages of about 3.2 KB fit in 64 KiB, the 22nd does not.
    assert.ok(stored.length >= 15 && stored.length <= 21, `${stored.length} messages stored`);
    // A resend after a lost ack is answered with its seq even in a full room.
    const resend = stored[stored.length - 1]!;
    assert.is(expectOk(await client.request({ type: 'send', rid: client.nextRid(), message: resend.message }), 'resend').value, resend.seq);
    assert.is(await quotaCount(relay, 'message-size'), 1);
    assert.is(await quotaCount(relay, 'room-bytes'), 1);
    assertLoggedWithoutAddress(relay, 'room-bytes');
  } finally {
    await relay.process.dispose();
  }
});

test('V-118: a connection binds at most --max-rooms-per-session rooms: TOO_MANY_ROOMS', async () => {
  const relay = await startRelay(['--max-rooms-per-session', '1']);
  try {
    const client = await relay.connect();
    const owner = await identity();
    await createRoom(client, owner);
    const second = await identity();
    const other = new RoomModel();
    expectOk(await client.request({ type: 'createRoom', rid: client.nextRid(), genesis: await other.genesis(second) }), 'second room');
    assert.is(outcome(await client.request(await authFrame(client, other.roomId, 'member', second))), 'TOO_MANY_ROOMS');
    assert.is(await quotaCount(relay, 'rooms-per-connection'), 1);
  } finally {
    await relay.process.dispose();
  }
});

test('V-118: sync answers past the burst wait for --sync-bytes-per-second; every page still arrives, in order', async () => {
  const relay = await startRelay(['--max-sync-bytes', '65536', '--sync-burst-bytes', '65536', '--sync-bytes-per-second', '16384']);
  try {
    const client = await relay.connect();
    const owner = await identity();
    const room = await createRoom(client, owner);
    const count = 30;
    for (let counter = 1; counter <= count; counter++) {
      expectOk(await client.request({ type: 'send', rid: client.nextRid(), message: await room.message(owner, counter, 0, owner, 4000) }), 'send');
    }
    // About 120 KB asked for in pages of at most 64 KiB: the second page onwards is over the burst.
    const seqs: number[] = [];
    for (let seqFrom = 0, more = true; more;) {
      const done = await client.request({ type: 'sync', rid: client.nextRid(), roomId: room.roomId, logFrom: 1, epochFrom: 0, seqFrom, limit: 1000 }, 60_000);
      assert.is(done.type, 'syncDone');
      for (const frame of client.take((f) => f.type === 'deliver')) if (frame.type === 'deliver') seqs.push(frame.seq);
      more = done.type === 'syncDone' && done.more;
      seqFrom = seqs[seqs.length - 1] ?? 0;
    }
    assert.equal(seqs, Array.from({ length: count }, (_, i) => i + 1));
    assert.ok((await quotaCount(relay, 'sync-bytes')) >= 1, 'a page waited for its pace');
  } finally {
    await relay.process.dispose();
  }
});

test.run();
