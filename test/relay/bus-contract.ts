// The Bus contract: what every bus (in-process, Redis) must do, run against each by its own test
// file. `connect` gives the buses of two relay processes on one bus (the same LocalBus twice, two
// RedisBus on one Redis); each hears, once it has watched a room, what either publishes to it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import type { Bus, BusEvent } from '../../relay/bus/bus.js';

/** What one bus heard, as (room hex, event) pairs. */
function listen(bus: Bus): [string, BusEvent][] {
  const heard: [string, BusEvent][] = [];
  bus.subscribe((roomId, event) => heard.push([toHex(roomId), event]));
  return heard;
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const giveUpAt = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > giveUpAt) assert.unreachable(what);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function busContract(name: string, connect: (() => Promise<[Bus, Bus]>) | undefined): ReturnType<typeof suite> {
  const contract = suite(`bus contract: ${name}`);
  if (connect === undefined) return contract;
  let a: Bus;
  let b: Bus;

  contract.before.each(async () => {
    [a, b] = await connect();
  });

  contract.after.each(async () => {
    await a.close();
    if (b !== a) await b.close();
  });

  contract('a watched room hears every kind of message, with its audience, in publish order', async () => {
    const roomId = randomBytes(16);
    const heardA = listen(a);
    const heardB = listen(b);
    a.watch(roomId);
    b.watch(roomId);
    await Promise.all([a.ready(roomId), b.ready(roomId)]);
    const key = randomBytes(32);
    const frames = [randomBytes(40), randomBytes(1000)];
    const published: BusEvent[] = [
      { type: 'push', to: { role: 'member', key, exceptSession: 'abc' }, frames },
      { type: 'push', to: {}, frames: [randomBytes(3)] },
      { type: 'unbind', keys: [key, randomBytes(32)] },
      { type: 'promote', key },
    ];
    for (const event of published) if (event.type !== 'gap') a.publish(roomId, event);
    const expected = published.map((event) => [toHex(roomId), event]);
    // The publisher's own sessions hear it at once; another process's once it has crossed over.
    assert.equal(normalise(heardA.slice(0, published.length)), normalise(expected));
    await eventually(() => heardB.length >= published.length, `${name}: the other process heard ${heardB.length}`);
    assert.equal(normalise(heardB), normalise(expected));
  });

  contract('a long run from one publisher arrives whole and in order', async () => {
    const roomId = randomBytes(16);
    const heard = listen(b);
    b.watch(roomId);
    await b.ready(roomId);
    for (let i = 0; i < 200; i++) a.publish(roomId, { type: 'promote', key: Uint8Array.of(i & 0xff, i >> 8) });
    await eventually(() => heard.length >= 200, `${name}: heard ${heard.length} of 200`);
    assert.equal(heard.map(([, e]) => (e.type === 'promote' ? e.key[0]! + e.key[1]! * 256 : -1)), Array.from({ length: 200 }, (_, i) => i));
  });

  return contract;
}

/** Byte arrays (Buffer or Uint8Array) as hex, so events compare by content. */
function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  return value;
}
