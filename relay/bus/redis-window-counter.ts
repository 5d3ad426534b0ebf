// Room creations per address per hour (quota.ts's QuotaCounter, --rooms-per-address-per-hour)
// counted across every relay process through Redis, so three processes behind one load balancer
// allow an address the limit in all, not three times as many (V-115). One fixed window per address,
// as WindowCounter keeps in-process: the first use sets the key's expiry, and a use past the limit
// is taken back at once, so a refused attempt spends nothing.
//
// While Redis is unreachable the process counts in its own WindowCounter rather than refuse every
// room: a Redis outage must not stop people creating rooms, and the limit still holds per process
// (at most processes × limit for the outage), as with the other shared limits (V-111, V-113).
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { WindowCounter, type QuotaCounter } from '../quota.js';
import { OutageNotice } from './outage-notice.js';

const PREFIX = 'sotto:room-creations:';

// KEYS: the address's counter. ARGV: limit, window ms. 1 when a use was counted.
const TAKE = `local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if used > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1`;

export class RedisWindowCounter implements QuotaCounter {
  readonly #redis: Redis;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #local: WindowCounter;
  readonly #outage: OutageNotice;

  constructor(redis: Redis, limit: number, windowMs: number, log: Logger) {
    this.#redis = redis;
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#local = new WindowCounter(limit, windowMs);
    this.#outage = new OutageNotice(log, 'room creations per address');
  }

  async take(key: string, now: number): Promise<boolean> {
    let counted: unknown;
    try {
      counted = await this.#redis.eval(TAKE, 1, PREFIX + key, this.#limit, this.#windowMs);
    } catch (error) {
      this.#outage.failed(error);
      return this.#local.take(key, now);
    }
    this.#outage.answered();
    return counted === 1;
  }
}
