// The store as the request handlers see it: every call timed into the store latency histogram, so
// an operator can tell a slow disk (or a slow PostgreSQL) from a slow relay.
import { performance } from 'node:perf_hooks';
import type { Histogram } from 'prom-client';
import type { Store } from './store/store.js';

/** `store` with each method's time (call to settled promise) observed under the method's name. */
export function timedStore(store: Store, histogram: Histogram<'op'>): Store {
  // One wrapper per method, made on first use rather than on every call.
  const wrappers = new Map<string, (...args: unknown[]) => unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const member: unknown = Reflect.get(target, property, receiver);
      if (typeof member !== 'function' || typeof property !== 'string') return member;
      let wrapper = wrappers.get(property);
      if (wrapper === undefined) {
        wrapper = (...args: unknown[]): unknown => {
          const started = performance.now();
          const observe = (): void => histogram.observe({ op: property }, (performance.now() - started) / 1000);
          const result: unknown = Reflect.apply(member, target, args);
          if (result instanceof Promise) return result.finally(observe);
          observe();
          return result;
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}
