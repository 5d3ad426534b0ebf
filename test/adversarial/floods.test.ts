// The relay process (spawned, as operators run it) under repeated floods from one address: request
// floods, garbage handshakes, connection floods, oversized messages and junk frames. A room on other
// addresses keeps chatting throughout, every abuser is answered or closed, and the process's memory
// stops growing once the first round has set its high-water mark.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { randomBytes } from '../../protocol/crypto/random.js';
import { encodeClientFrame } from '../../protocol/wire/frames.js';
import { openSocket, RawClient, whenClosed } from '../helpers/raw-client.js';
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.js';
import { outcome } from '../relay/fixtures.js';
import { Chat, chatDuring } from './harness.js';
import { rawUpgrade } from './raw-socket.js';

const MiB = 1024 * 1024;

/** What the abuse functions need of the relay process. */
interface Target {
  readonly wsUrl: string;
  readonly port: number;
  readonly publicKey: Uint8Array;
}

function targetOf(relay: RelayProcess): Target {
  return { wsUrl: `ws://127.0.0.1:${relay.port}/ws`, port: relay.port, publicKey: relay.publicKey };
}

/** The process's resident set size, as the relay reports it on /healthz. */
async function rss(relay: RelayProcess): Promise<number> {
  return ((await (await fetch(`${relay.url}/healthz`)).json()) as { rssBytes: number }).rssBytes;
}

async function requestFlood(relay: Target): Promise<void> {
  await Promise.all(Array.from({ length: 10 }, async () => {
    const client = await RawClient.connect(relay.wsUrl, relay.publicKey);
    const ping = encodeClientFrame({ type: 'ping', rid: 9 });
    for (let i = 0; i < 4 && client.ws.readyState === client.ws.OPEN; i++) client.sendFrameBytes(...Array.from({ length: 500 }, () => ping));
    assert.is((await client.closed).code, 1008);
    assert.ok(client.received.some((f) => outcome(f) === 'RATE_LIMITED'));
  }));
}

async function garbageHandshakes(relay: Target): Promise<void> {
  // Under max-connections-per-ip, so each one reaches the handshake.
  await Promise.all(Array.from({ length: 50 }, async () => {
    const ws = await openSocket(relay.wsUrl);
    const closed = whenClosed(ws);
    ws.send(randomBytes(48));
    assert.is((await closed).code, 1002);
  }));
}

async function connectionFlood(relay: Target): Promise<void> {
  const sockets: Socket[] = [];
  try {
    const answers = await Promise.all(Array.from({ length: 600 }, () => rawUpgrade(relay.port)));
    sockets.push(...answers.map((a) => a.socket));
    // Sockets of the previous flood may still be releasing their slots, so "at most" 64.
    assert.ok(answers.every((a) => a.status === 101 || a.status === 429));
    assert.ok(answers.filter((a) => a.status === 101).length <= 64);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

async function oversized(relay: Target): Promise<void> {
  await Promise.all(Array.from({ length: 10 }, async () => {
    const client = await RawClient.connect(relay.wsUrl, relay.publicKey);
    client.sendRaw(randomBytes(3 * MiB));
    assert.is((await client.closed).code, 1009);
  }));
}

async function junkFrames(relay: Target): Promise<void> {
  const client = await RawClient.connect(relay.wsUrl, relay.publicKey);
  for (let i = 0; i < 5; i++) client.sendFrameBytes(...Array.from({ length: 30 }, () => randomBytes(1 + (i * 997) % 4000)));
  const errors = (): number => client.received.filter((f) => f.type === 'error').length;
  while (errors() < 150) await client.waitForType('error');
  client.ws.terminate();
}

test('floods from one address: every abuser is refused or closed, the room on other addresses chats on, memory levels off', async () => {
  // The relay's default rate limits, over the helper's relaxed ones: the floods are the point.
  const relay = await startRelayProcess([
    '--rate-limit-per-second', '50', '--rate-limit-burst', '200', '--max-connections-per-ip', '64', '--sqlite-synchronous', 'NORMAL',
  ]);
  try {
    const target = targetOf(relay);
    const chat = await Chat.open(target.wsUrl, relay.publicKey, { localAddress: '127.0.0.2' });
    const round = async (): Promise<void> => {
      const abuse = (async () => {
        await requestFlood(target);
        await garbageHandshakes(target);
        await connectionFlood(target);
        await oversized(target);
        await junkFrames(target);
      })();
      assert.ok((await chatDuring(chat, abuse)) >= 1);
    };
    const initial = await rss(relay);
    await round();
    const highWater = await rss(relay);
    for (let i = 0; i < 3; i++) await round();
    const final = await rss(relay);
    const summary = `rss ${Math.round(initial / MiB)} → ${Math.round(highWater / MiB)} → ${Math.round(final / MiB)} MiB over ${chat.delivered} chat messages`;
    assert.ok(final - highWater < 48 * MiB, summary);
    assert.ok(final < 512 * MiB, summary);
    await chat.exchange();
    chat.close();
  } catch (error) {
    process.stderr.write(relay.output());
    throw error;
  } finally {
    await relay.dispose();
  }
});

test.run();
