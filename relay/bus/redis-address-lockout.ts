// The per-address invite lockout (limits.ts AddressLockout) shared by every relay process through
// Redis, so spreading guesses over processes gains an attacker nothing. The same rule: maxFailures
// bad proofs within one lockout period lock the address for that period. Redis keeps the counts
// with an expiry and nothing else; its clock, not the caller's `now`, times them. While Redis is
// unreachable the calls fail and join requests are refused (INTERNAL) rather than left unguarded.
import type { Redis } from 'ioredis';
import type { AddressFailures } from '../context.js';

const PREFIX = 'sotto:lockout:';

// KEYS: failure count, lock. ARGV: max failures, lockout ms. One script, so concurrent failures
// from several processes all count and exactly one of them sets the lock.
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n >= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
end
return n
`;

export class RedisAddressLockout implements AddressFailures {
  readonly #redis: Redis;
  readonly #maxFailures: number;
  readonly #lockoutMs: number;

  constructor(redis: Redis, maxFailures: number, lockoutMs: number) {
    this.#redis = redis;
    this.#maxFailures = maxFailures;
    this.#lockoutMs = lockoutMs;
  }

  async isLocked(address: string): Promise<boolean> {
    return (await this.#redis.exists(`${PREFIX}locked:${address}`)) === 1;
  }

  async recordFailure(address: string): Promise<void> {
    await this.#redis.eval(RECORD_FAILURE, 2, `${PREFIX}failures:${address}`, `${PREFIX}locked:${address}`, this.#maxFailures, this.#lockoutMs);
  }
}
