// Sockets that stop taking part: one that no longer answers pings, and one that stops reading while
// its room floods. The relay drops the first within two heartbeats and closes the second (1013) once
// max-buffered-bytes are waiting for it, while the room's other members get every message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import type { ClientOptions } from 'ws';
import { bytesEqual } from '../../protocol/bytes.js';
import { ZERO_HASH } from '../../protocol/membership/roster.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { signRecord } from '../../protocol/crypto/signing.js';
import { encodeClientFrame } from '../../protocol/wire/frames.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned, type MessageRecord } from '../../protocol/wire/message.js';
import { SIZE } from '../../protocol/wire/types.js';
import { RawClient } from '../helpers/raw-client.js';
import { admit, createRoom, identity, type Identity, type RoomModel } from '../relay/fixtures.js';
import { metric, sleep, startTestRelay } from './harness.js';

test('a socket that stops answering pings is terminated within two heartbeat intervals; one that answers stays', async () => {
  const heartbeatMs = 1000;
  const target = await startTestRelay({ heartbeatMs });
  try {
    const silent = await RawClient.connect(target.wsUrl, target.relay.publicKey, { autoPong: false });
    const lively = await RawClient.connect(target.wsUrl, target.relay.publicKey);
    const started = Date.now();
    const closed = await silent.closed;
    const elapsed = Date.now() - started;
    assert.is(closed.code, 1006, 'terminated, not closed politely: the peer is presumed gone');
    assert.ok(elapsed <= 2 * heartbeatMs + 500, `terminated after ${elapsed} ms`);
    await sleep(heartbeatMs);
    assert.is((await lively.request({ type: 'ping', rid: lively.nextRid() })).type, 'pong');
    lively.ws.terminate();
  } finally {
    await target.close();
  }
});

test('a client closed for ignoring RATE_LIMITED is gone at once: the close completes, no socket is held for the 30 s close timeout of ws', async () => {
  const target = await startTestRelay();
  try {
    const ping = encodeClientFrame({ type: 'ping', rid: 9 });
    for (let round = 0; round < 10; round++) {
      const started = Date.now();
      await Promise.all(Array.from({ length: 10 }, async () => {
        const client = await RawClient.connect(target.wsUrl, target.relay.publicKey);
        // Four messages of 500 requests each: the close comes part way through the first.
        for (let i = 0; i < 4; i++) client.sendFrameBytes(...Array.from({ length: 500 }, () => ping));
        assert.is((await client.closed).code, 1008);
      }));
      assert.ok(Date.now() - started < 5000, `round ${round} took ${Date.now() - started} ms`);
    }
  } finally {
    await target.close();
  }
});

/** A message record with `size` bytes of ciphertext (the relay never opens it). */
async function bigMessage(room: RoomModel, sender: Identity, counter: number, size: number): Promise<MessageRecord> {
  const header = encodeMessageHeader({
    roomId: room.roomId, epoch: room.epoch, sender: sender.sign, counter, index: 0, prevHash: ZERO_HASH, seenSeq: 0, seenHash: ZERO_HASH, logLength: 1, logHash: ZERO_HASH, nonce: randomBytes(SIZE.nonce),
  });
  return decodeMessage(await signRecord(sender.key, 'sigMessage', encodeMessageUnsigned(header, randomBytes(size))));
}

test('a member that stops reading while the room floods is closed (1013) at max-buffered-bytes; the others get everything', async () => {
  const maxBufferedBytes = 256 * 1024;
  const target = await startTestRelay({
    maxBufferedBytes, maxSyncBytes: 64 * 1024, maxFrameBytes: 64 * 1024, sqliteSynchronous: 'NORMAL',
    rateLimitPerSecond: 100_000, rateLimitBurst: 100_000,
  });
  try {
    const key = target.relay.publicKey;
    const ownerClient = await RawClient.connect(target.wsUrl, key);
    const owner = await identity();
    const room = await createRoom(ownerClient, owner);
    const readerClient = await RawClient.connect(target.wsUrl, key);
    await admit(room, ownerClient, owner, readerClient, await identity());
    let slowSocket: Socket | undefined;
    const capture: ClientOptions = {
      createConnection: ((options: NetConnectOpts) => (slowSocket = netConnect(options))) as ClientOptions['createConnection'],
    };
    const slowClient = await RawClient.connect(target.wsUrl, key, capture);
    await admit(room, ownerClient, owner, slowClient, await identity());
    slowSocket!.pause();

    // 400 messages of 60 KB, one at a time: far more than the socket buffers between the relay and the
    // paused reader, while each tick's push stays well under the limit for members that do read.
    const count = 400;
    const sent: MessageRecord[] = [];
    for (let counter = 1; counter <= count; counter++) {
      const message = await bigMessage(room, owner, counter, 60_000);
      sent.push(message);
      await ownerClient.request({ type: 'send', rid: ownerClient.nextRid(), message });
    }
    for (let seq = 1; seq <= count; seq++) {
      const deliver = await readerClient.waitFor((f) => f.type === 'deliver' && f.seq === seq, 20_000);
      assert.ok(deliver.type === 'deliver' && bytesEqual(deliver.message.bytes, sent[seq - 1]!.bytes), `message ${seq}`);
    }
    assert.is(await metric(target.metricsUrl, 'sotto_slow_consumers_closed_total'), 1);
    slowSocket!.resume();
    assert.is((await slowClient.closed).code, 1013);
    const delivered = slowClient.received.filter((f) => f.type === 'deliver').length;
    assert.ok(delivered < count, `the slow reader got ${delivered} of ${count} before it was cut`);
    ownerClient.ws.terminate();
    readerClient.ws.terminate();
  } finally {
    await target.close();
  }
});

test.run();
