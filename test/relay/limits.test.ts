import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IncomingMessage } from 'node:http';
import { AddressLockout, clientAddress, ConnectionCounter, TokenBucket } from '../../relay/limits.js';

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage;
}

test('token bucket: a burst, then the sustained rate', () => {
  const bucket = new TokenBucket(10, 3, 0);
  assert.equal([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)], [true, true, true, false]);
  assert.is(bucket.take(50), false);
  assert.is(bucket.take(100), true);
  assert.is(bucket.take(100), false);
  // Idle time refills up to the burst, not beyond.
  assert.equal([bucket.take(10_000), bucket.take(10_000), bucket.take(10_000), bucket.take(10_000)], [true, true, true, false]);
});

test('connections per address', () => {
  const counter = new ConnectionCounter(2);
  assert.equal([counter.tryAcquire('a'), counter.tryAcquire('a'), counter.tryAcquire('a'), counter.tryAcquire('b')], [true, true, false, true]);
  counter.release('a');
  assert.is(counter.tryAcquire('a'), true);
});

test('address lockout after the failure limit, for the lockout period', () => {
  const lockout = new AddressLockout(3, 1000);
  lockout.recordFailure('a', 0);
  lockout.recordFailure('a', 10);
  assert.is(lockout.isLocked('a', 20), false);
  lockout.recordFailure('a', 20);
  assert.is(lockout.isLocked('a', 21), true);
  assert.is(lockout.isLocked('b', 21), false);
  assert.is(lockout.isLocked('a', 1021), false);
});

test('X-Forwarded-For counts only from the trusted proxy, and only its own (right-most) entry', () => {
  assert.is(clientAddress(request('203.0.113.9', '198.51.100.1'), undefined), '203.0.113.9');
  assert.is(clientAddress(request('203.0.113.9', '198.51.100.1'), '10.0.0.1'), '203.0.113.9');
  assert.is(clientAddress(request('10.0.0.1', '1.2.3.4, 198.51.100.1'), '10.0.0.1'), '198.51.100.1');
  assert.is(clientAddress(request('::ffff:10.0.0.1', '198.51.100.1'), '10.0.0.1'), '198.51.100.1');
  assert.is(clientAddress(request('10.0.0.1', 'garbage'), '10.0.0.1'), '10.0.0.1');
  assert.is(clientAddress(request('10.0.0.1'), '10.0.0.1'), '10.0.0.1');
});

test.run();
