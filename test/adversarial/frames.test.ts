// Hostile frames inside a valid transport, on a live relay: every request type carrying each wrong
// kind of record (relabeling), and random and mutated frames from fast-check. Each is answered with
// an error frame carrying the request's rid (a codec code, 1xx), the session carries on, and nothing
// undecodable ever comes back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { Writer } from '../../protocol/wire/codec.js';
import { CLIENT_FRAME, RECORD, WIRE_VERSION, type ClientFrameName, type RecordName } from '../../protocol/wire/types.js';
import { RawClient } from '../helpers/raw-client.js';
import { outcome } from '../relay/fixtures.js';
import { startTestRelay, type TestRelay } from './harness.js';
import { hostileBytes } from './mutation.js';
import { buildSamples, encodedClientFrames, type Samples } from './samples.js';

let target: TestRelay;
let samples: Samples;

test.before(async () => {
  samples = await buildSamples();
  target = await startTestRelay({ rateLimitPerSecond: 100_000, rateLimitBurst: 100_000 });
});

test.after(async () => {
  await target.close();
});

/** Request types whose body is one nested record, and the record each expects. */
const CARRIES: readonly [ClientFrameName, RecordName][] = [
  ['createRoom', 'memberEvent'], ['registerInvite', 'invite'], ['joinRequest', 'joinRequest'],
  ['joinConfirm', 'joinConfirm'], ['appendEvent', 'memberEvent'], ['rotate', 'rotation'], ['send', 'message'], ['checkpoint', 'checkpoint'],
];

function carrying(type: ClientFrameName, rid: number, record: Uint8Array): Uint8Array {
  const w = new Writer().u8(WIRE_VERSION).u8(CLIENT_FRAME[type]).u32(rid).var32(record);
  if (type === 'appendEvent') w.u8(0).u8(0);
  return w.finish();
}

test('every request type carrying every other kind of record: a codec error for its rid, and the session goes on', async () => {
  const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  const names = Object.keys(RECORD) as RecordName[];
  let checked = 0;
  for (const [type, expected] of CARRIES) {
    for (const other of names.filter((n) => n !== expected)) {
      const rid = client.nextRid();
      const answer = client.waitFor((f) => 'rid' in f && f.rid === rid);
      client.sendFrameBytes(carrying(type, rid, samples.records[other]));
      const frame = await answer;
      assert.is(frame.type, 'error', `${type} carrying a ${other}`);
      if (frame.type === 'error') assert.ok(frame.code >= 100 && frame.code < 200, `${type} carrying a ${other}: ${outcome(frame)}`);
      checked++;
    }
  }
  // And an appendEvent whose optional rotation is some other record.
  const event = samples.records.memberEvent;
  for (const other of names.filter((n) => n !== 'rotation')) {
    const rid = client.nextRid();
    const bytes = new Writer().u8(WIRE_VERSION).u8(CLIENT_FRAME.appendEvent).u32(rid).var32(event).u8(1).var32(samples.records[other]).finish();
    const answer = client.waitFor((f) => 'rid' in f && f.rid === rid);
    client.sendFrameBytes(bytes);
    assert.is(outcome(await answer).startsWith('ok'), false, `appendEvent with a ${other} as its rotation`);
    checked++;
  }
  const others = Object.keys(RECORD).length - 1;
  assert.is(checked, CARRIES.length * others + others);
  assert.is((await client.request({ type: 'ping', rid: client.nextRid() })).type, 'pong');
  assert.is(client.undecodable.length, 0);
  await client.close();
});

test('random and mutated frames (fast-check) inside a valid transport: each answered, the session and relay go on', async () => {
  const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  const seeds = encodedClientFrames(samples);
  const frames = fc.sample(hostileBytes(seeds, Object.values(CLIENT_FRAME)), { numRuns: 600 }).filter((f) => f.length > 0);
  // In batches, as a client that coalesces would send them.
  for (let at = 0; at < frames.length; at += 50) {
    const before = client.received.length;
    const batch = frames.slice(at, at + 50);
    client.sendFrameBytes(...batch);
    // Far from the small rids the seeds (and so most mutants) carry, so no stray answer is taken for it.
    await client.request({ type: 'ping', rid: 0x7f00_0000 + at });
    // One answer per frame (errors, or whatever a frame that happens to be valid earns), then the pong.
    assert.ok(client.received.length - before >= batch.length + 1, `batch at ${at}: ${client.received.length - before} answers`);
  }
  assert.is(client.undecodable.length, 0);
  await client.close();
  const fresh = await RawClient.connect(target.wsUrl, target.relay.publicKey);
  assert.is((await fresh.request({ type: 'ping', rid: fresh.nextRid() })).type, 'pong');
  await fresh.close();
});

test.run();
