// The quotas' pure parts with a clock the test moves: the per-address window (V-115), the sync
// pace (V-118) and room-creation tokens (V-116).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSottoError } from '../../protocol/errors.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { TokenBucket } from '../../relay/limits.js';
import { WindowCounter } from '../../relay/quota.js';
import { checkRoomToken, issueRoomToken } from '../../relay/room-token.js';

const HOUR = 3600_000;

function refusal(check: () => void): string {
  try {
    check();
  } catch (error) {
    return isSottoError(error) ? `${error.errorName}: ${error.detail ?? ''}` : String(error);
  }
  return 'accepted';
}

test('V-115: a window counter allows `limit` uses per key per window, each key on its own', () => {
  const rooms = new WindowCounter(2, HOUR);
  assert.equal([rooms.take('a', 0), rooms.take('a', 1), rooms.take('a', 2), rooms.take('b', 2)], [true, true, false, true]);
  // A refusal uses nothing up, and the window starts at the key's first use.
  assert.is(rooms.take('a', HOUR - 1), false);
  assert.equal([rooms.take('a', HOUR), rooms.take('a', HOUR), rooms.take('a', HOUR)], [true, true, false]);
});

test('V-118: the sync pace lets a burst go at once, then makes each answer wait for its bytes', () => {
  const pace = new TokenBucket(1000, 2000, 0);
  assert.is(pace.spend(1500, 0), 0);
  assert.is(pace.spend(500, 0), 0);
  // Nothing left: 1000 bytes at 1000 a second are a second's wait, and the next one queues behind.
  assert.is(pace.spend(1000, 0), 1000);
  assert.is(pace.spend(1000, 0), 2000);
  // Idle time pays the debt, and refills no more than the burst.
  assert.is(pace.spend(0, 2000), 0);
  assert.is(pace.spend(2000, 1_000_000), 0);
  // An answer larger than the burst still goes, once paid for.
  assert.is(pace.spend(5000, 1_000_000), 5000);
});

test('V-116: a room token is accepted under its secret until it expires; altered, foreign or garbled it is BAD_ROOM_TOKEN', () => {
  const secret = randomBytes(32);
  const token = issueRoomToken(secret, 10_000);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.is(refusal(() => checkRoomToken(secret, token, 9_999)), 'accepted');
  assert.is(refusal(() => checkRoomToken(secret, token, 10_000)), 'BAD_ROOM_TOKEN: expired');
  assert.is(refusal(() => checkRoomToken(randomBytes(32), token, 0)), 'BAD_ROOM_TOKEN: not issued by this relay');
  // A later expiry written into a real token breaks its MAC.
  const stretched = issueRoomToken(secret, 10_000 + 1, new Uint8Array(8));
  const forged = stretched.slice(0, 11) + token.slice(11);
  assert.is(refusal(() => checkRoomToken(secret, forged, 0)), 'BAD_ROOM_TOKEN: not issued by this relay');
  for (const garbled of ['', 'not a token', token.slice(1), `${token}A`]) {
    assert.is(refusal(() => checkRoomToken(secret, garbled, 0)), 'BAD_ROOM_TOKEN: not a token', garbled);
  }
});

test.run();
