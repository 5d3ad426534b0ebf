// The Redis bus: the bus contract on a private Redis, and what only a bus between processes has:
// it hears only watched rooms, turns an outage into gaps, and shares the address lockout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import type { BusEvent } from '../../relay/bus/bus.js';
import { RedisAddressLockout } from '../../relay/bus/redis-address-lockout.js';
import { RedisBus } from '../../relay/bus/redis-bus.js';
import { AddressLockout } from '../../relay/limits.js';
import { createLogger } from '../../relay/log.js';
import { startRedis, type PrivateRedis } from '../helpers/redis.js';
import { busContract } from '../relay/bus-contract.js';

const redis: PrivateRedis | undefined = await startRedis();
const log = createLogger('silent');
/** A bus whose commands connection is up: a publish before that is dropped (and reported as a gap). */
async function open(): Promise<RedisBus> {
  const bus = new RedisBus({ url: redis!.url, log, readyTimeoutMs: 1000 });
  if (bus.commands.status !== 'ready') await new Promise<void>((resolve) => bus.commands.once('ready', () => resolve()));
  return bus;
}

const pair = (): Promise<[RedisBus, RedisBus]> => Promise.all([open(), open()]);
const lockoutOn = (bus: RedisBus): RedisAddressLockout =>
  new RedisAddressLockout(bus.commands, { maxFailures: 4, lockoutMs: 60_000, fallback: new AddressLockout(4, 60_000), log });

busContract('Redis', redis === undefined ? undefined : pair).run();

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > giveUpAt) assert.unreachable(what);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('Redis bus: a process hears only the rooms it watches', async () => {
  if (redis === undefined) return;
  const [a, b] = await pair();
  const heard: string[] = [];
  b.subscribe((roomId) => heard.push(toHex(roomId)));
  const watched = randomBytes(16);
  b.watch(watched);
  await b.ready(watched);
  const other = randomBytes(16);
  a.publish(other, { type: 'promote', key: randomBytes(32) });
  a.publish(watched, { type: 'promote', key: randomBytes(32) });
  await eventually(() => heard.length > 0, 'nothing heard');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(heard, [toHex(watched)]);
  b.unwatch(watched);
  await new Promise((resolve) => setTimeout(resolve, 100));
  a.publish(watched, { type: 'promote', key: randomBytes(32) });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(heard.length, 1);
  await Promise.all([a.close(), b.close()]);
});

test('Redis bus: after an outage every watched room gets a gap, in every process', async () => {
  if (redis === undefined) return;
  const [a, b] = await pair();
  const events: [string, BusEvent][] = [];
  b.subscribe((roomId, event) => events.push([toHex(roomId), event]));
  const rooms = [randomBytes(16), randomBytes(16)];
  for (const roomId of rooms) b.watch(roomId);
  await Promise.all(rooms.map((roomId) => b.ready(roomId)));
  await redis.kill();
  // Lost: nobody can hear it while Redis is down.
  a.publish(rooms[0]!, { type: 'promote', key: randomBytes(32) });
  await redis.restart();
  await eventually(() => rooms.every((roomId) => events.some(([room, e]) => room === toHex(roomId) && e.type === 'gap')), 'no gap');
  await Promise.all([a.close(), b.close()]);
});

test('Redis bus: the address lockout counts failures from every process', async () => {
  if (redis === undefined) return;
  const [a, b] = await pair();
  const lockouts = [lockoutOn(a), lockoutOn(b)];
  await eventually(() => a.commands.status === 'ready' && b.commands.status === 'ready', 'not connected');
  const address = `192.0.2.${Math.floor(Math.random() * 250)}`;
  await Promise.all([0, 1, 2].map((i) => lockouts[i % 2]!.recordFailure(address, Date.now())));
  assert.is(await lockouts[0]!.isLocked(address, Date.now()), false);
  await lockouts[1]!.recordFailure(address, Date.now());
  assert.is(await lockouts[0]!.isLocked(address, Date.now()), true);
  assert.is(await lockouts[1]!.isLocked(address, Date.now()), true);
  assert.is(await lockouts[0]!.isLocked('198.51.100.1', Date.now()), false);
  await Promise.all([a.close(), b.close()]);
});

// Checked against the old code: RedisAddressLockout threw while Redis was down, and every join
// request was refused INTERNAL (a join failing for the whole outage).
test('V-111: Redis down: the address lockout falls back to one in this process and still locks; shared again once back', async () => {
  if (redis === undefined) return;
  const [a, b] = await pair();
  const lockout = lockoutOn(a);
  const address = `192.0.2.${Math.floor(Math.random() * 250)}`;
  await redis.kill();
  await eventually(() => a.commands.status !== 'ready', 'still connected');
  assert.is(await lockout.isLocked(address, Date.now()), false, 'a join goes ahead while Redis is down');
  for (let i = 0; i < 4; i++) await lockout.recordFailure(address, Date.now());
  assert.is(await lockout.isLocked(address, Date.now()), true, 'failures still lock, in this process');
  await redis.restart();
  await eventually(() => a.commands.status === 'ready' && b.commands.status === 'ready', 'not reconnected');
  assert.is(await lockout.isLocked(address, Date.now()), true, 'the lock set while Redis was away holds');
  const other = lockoutOn(b);
  const next = `198.51.100.${Math.floor(Math.random() * 250)}`;
  for (let i = 0; i < 4; i++) await lockout.recordFailure(next, Date.now());
  assert.is(await other.isLocked(next, Date.now()), true, 'back on Redis: shared again');
  await Promise.all([a.close(), b.close()]);
});

test.after(async () => {
  await redis?.stop();
});

test.run();
