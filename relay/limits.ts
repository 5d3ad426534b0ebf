// Abuse limits: token buckets per session (its requests, and the bytes of its sync answers),
// connection and invite-failure counts per client address, and the one rule for what a client's
// address is. Addresses are kept in memory only, never logged.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  #tokens: number;
  #last: number;

  constructor(perSecond: number, burst: number, now: number) {
    this.#ratePerMs = perSecond / 1000;
    this.#capacity = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Takes `amount` at `now` whatever the balance, which may go below zero (so an amount larger than
   * the burst still goes, once paid for); the milliseconds until it is paid for (0: at once). The
   * pace of sync answers in bytes (V-118): nothing is refused, a large catch-up just takes longer.
   */
  spend(amount: number, now: number): number {
    this.#refill(now);
    this.#tokens -= amount;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#ratePerMs);
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#ratePerMs);
    this.#last = now;
  }
}

/**
 * Open connections per client address: in memory for one process (ConnectionCounter), in Redis when
 * several share the work (bus/redis-connection-counter.ts).
 */
export interface AddressConnections {
  tryAcquire(address: string): boolean | Promise<boolean>;
  release(address: string): void;
}

export class ConnectionCounter implements AddressConnections {
  readonly #max: number;
  readonly #counts = new Map<string, number>();

  constructor(maxPerAddress: number) {
    this.#max = maxPerAddress;
  }

  tryAcquire(address: string): boolean {
    const count = this.#counts.get(address) ?? 0;
    if (count >= this.#max) return false;
    this.#counts.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = (this.#counts.get(address) ?? 1) - 1;
    if (count <= 0) this.#counts.delete(address);
    else this.#counts.set(address, count);
  }
}

interface FailureWindow {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

/** Entries above this count trigger a sweep of the ones that no longer matter. */
const SWEEP_THRESHOLD = 10_000;

/**
 * Bad invite proofs per client address: `maxFailures` within one lockout period locks the address
 * out of join requests for that period, whichever invites it was guessing at.
 */
export class AddressLockout {
  readonly #maxFailures: number;
  readonly #lockoutMs: number;
  readonly #windows = new Map<string, FailureWindow>();

  constructor(maxFailures: number, lockoutMs: number) {
    this.#maxFailures = maxFailures;
    this.#lockoutMs = lockoutMs;
  }

  isLocked(address: string, now: number): boolean {
    return (this.#windows.get(address)?.lockedUntil ?? 0) > now;
  }

  recordFailure(address: string, now: number): void {
    let window = this.#windows.get(address);
    if (window === undefined || now - window.windowStart > this.#lockoutMs) {
      if (this.#windows.size >= SWEEP_THRESHOLD) this.#sweep(now);
      window = { failures: 0, windowStart: now, lockedUntil: window?.lockedUntil ?? 0 };
      this.#windows.set(address, window);
    }
    window.failures++;
    if (window.failures >= this.#maxFailures) {
      window.lockedUntil = now + this.#lockoutMs;
      window.failures = 0;
      window.windowStart = now;
    }
  }

  #sweep(now: number): void {
    for (const [address, window] of this.#windows) {
      if (window.lockedUntil <= now && now - window.windowStart > this.#lockoutMs) this.#windows.delete(address);
    }
  }
}

/** IPv4 peers on a dual-stack socket show up as ::ffff:a.b.c.d; one address, one spelling. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The client's address: the socket peer, unless the peer is the trusted proxy, in which case the
 * right-most X-Forwarded-For entry (the one that proxy appended; earlier ones are client-supplied).
 */
export function clientAddress(request: IncomingMessage, trustProxy: string | undefined): string {
  const peer = normalise(request.socket.remoteAddress ?? 'unknown');
  if (trustProxy === undefined || peer !== normalise(trustProxy)) return peer;
  const header = request.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  const last = value?.split(',').pop()?.trim();
  return last !== undefined && isIP(last) !== 0 ? normalise(last) : peer;
}
