// Connections per client address (limits.ts ConnectionCounter, --max-connections-per-ip) counted
// across every relay process through Redis, so three processes behind one load balancer allow an
// address max connections in all, not three times as many (V-113). Each connection is a lease in a
// sorted set per address, scored by when it expires on Redis's clock: a process renews its leases
// while their sockets live, and the leases of a process that was killed expire by themselves, so a
// crash never leaves an address locked out for longer than one lease (--connection-lease-ms).
//
// While Redis is unreachable the process counts new connections in its own ConnectionCounter
// rather than refuse them: a Redis outage must not take the relay down, and the limit still holds
// per process (at most processes × max for the outage). Leases held then are put back at the next
// renewal once Redis answers.
import type { Redis } from 'ioredis';
import { toHex } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { ConnectionCounter, type AddressConnections } from '../limits.js';
import type { Logger } from '../log.js';
import { OutageNotice } from './outage-notice.js';

const PREFIX = 'sotto:connections:';
/** Leases renewed per script call. */
const RENEW_BATCH = 500;

// Redis's own clock times every lease, so the processes' clocks need not agree.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: the address's set. ARGV: max, lease ms, lease id. 1 when the lease was taken.
const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// KEYS: address sets. ARGV: lease ms, then one lease id per key.
const RENEW = `${NOW}
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return 0`;

/** A lease this process holds for an address: its id in Redis, or LOCAL when counted in-process. */
const LOCAL = '';

export class RedisConnectionCounter implements AddressConnections {
  readonly #redis: Redis;
  readonly #max: number;
  /** How long a lease lasts unless renewed; renewed every third of it. */
  readonly #leaseMs: number;
  readonly #local: ConnectionCounter;
  readonly #outage: OutageNotice;
  readonly #origin = toHex(randomBytes(8));
  /** Lease ids held, per address; a release gives back any one of them (connections are alike). */
  readonly #held = new Map<string, string[]>();
  readonly #renewal: NodeJS.Timeout;
  #next = 0;

  constructor(redis: Redis, maxPerAddress: number, leaseMs: number, log: Logger) {
    this.#redis = redis;
    this.#max = maxPerAddress;
    this.#leaseMs = leaseMs;
    this.#local = new ConnectionCounter(maxPerAddress);
    this.#outage = new OutageNotice(log, 'connections per address');
    this.#renewal = setInterval(() => void this.#renew(), leaseMs / 3);
    this.#renewal.unref();
  }

  async tryAcquire(address: string): Promise<boolean> {
    const id = `${this.#origin}:${(this.#next++).toString(36)}`;
    let taken: boolean;
    try {
      taken = (await this.#redis.eval(ACQUIRE, 1, PREFIX + address, this.#max, this.#leaseMs, id)) === 1;
      this.#outage.answered();
    } catch (error) {
      this.#outage.failed(error);
      if (!this.#local.tryAcquire(address)) return false;
      this.#hold(address, LOCAL);
      return true;
    }
    if (taken) this.#hold(address, id);
    return taken;
  }

  release(address: string): void {
    const leases = this.#held.get(address);
    const id = leases?.pop();
    if (id === undefined) return;
    if (leases!.length === 0) this.#held.delete(address);
    if (id === LOCAL) this.#local.release(address);
    // A lease Redis cannot drop now expires by itself.
    else this.#redis.zrem(PREFIX + address, id).catch((error: unknown) => this.#outage.failed(error));
  }

  close(): void {
    clearInterval(this.#renewal);
  }

  #hold(address: string, id: string): void {
    const leases = this.#held.get(address);
    if (leases === undefined) this.#held.set(address, [id]);
    else leases.push(id);
  }

  async #renew(): Promise<void> {
    const keys: string[] = [];
    const ids: string[] = [];
    for (const [address, leases] of this.#held) {
      for (const id of leases) {
        if (id === LOCAL) continue;
        keys.push(PREFIX + address);
        ids.push(id);
      }
    }
    try {
      for (let i = 0; i < keys.length; i += RENEW_BATCH) {
        const batch = keys.slice(i, i + RENEW_BATCH);
        await this.#redis.eval(RENEW, batch.length, ...batch, this.#leaseMs, ...ids.slice(i, i + RENEW_BATCH));
      }
      this.#outage.answered();
    } catch (error) {
      this.#outage.failed(error);
    }
  }
}
