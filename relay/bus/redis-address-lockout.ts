// The per-address invite lockout (limits.ts AddressLockout) shared by every relay process through
// Redis, so spreading guesses over processes gains an attacker nothing. The same rule: maxFailures
// bad proofs within one lockout period lock the address for that period. Redis keeps the counts
// with an expiry and nothing else; its clock, not the caller's `now`, times them.
//
// While Redis is unreachable the process falls back to its own in-memory lockout (V-111) rather than
// refuse every join: chat and joins keep working through a Redis outage, the per-invite lockout
// (kept in the store, shared by every process) still guards each invite, and an attacker gains at
// most one lockout budget per process for the length of the outage. docs/threat-model.md says so.
import type { Redis } from 'ioredis';
import type { AddressFailures } from '../context.js';
import type { Logger } from '../log.js';
import { OutageNotice } from './outage-notice.js';

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

export interface RedisAddressLockoutOptions {
  readonly maxFailures: number;
  readonly lockoutMs: number;
  /** This process's own lockout, used while Redis cannot be reached. */
  readonly fallback: AddressFailures;
  readonly log: Logger;
}

export class RedisAddressLockout implements AddressFailures {
  readonly #redis: Redis;
  readonly #options: RedisAddressLockoutOptions;
  readonly #outage: OutageNotice;

  constructor(redis: Redis, options: RedisAddressLockoutOptions) {
    this.#redis = redis;
    this.#options = options;
    this.#outage = new OutageNotice(options.log, 'invite lockout');
  }

  async isLocked(address: string, now: number): Promise<boolean> {
    try {
      const locked = (await this.#redis.exists(`${PREFIX}locked:${address}`)) === 1;
      this.#outage.answered();
      // A lock this process set while Redis was away still holds here.
      return locked || (await this.#options.fallback.isLocked(address, now));
    } catch (error) {
      this.#outage.failed(error);
      return this.#options.fallback.isLocked(address, now);
    }
  }

  async recordFailure(address: string, now: number): Promise<void> {
    try {
      const { maxFailures, lockoutMs } = this.#options;
      await this.#redis.eval(RECORD_FAILURE, 2, `${PREFIX}failures:${address}`, `${PREFIX}locked:${address}`, maxFailures, lockoutMs);
      this.#outage.answered();
    } catch (error) {
      this.#outage.failed(error);
      await this.#options.fallback.recordFailure(address, now);
    }
  }
}
