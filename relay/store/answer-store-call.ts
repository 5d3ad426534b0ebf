// The answering side of the store's call/answer protocol (store-thread-wire.ts): runs one call on a
// store and posts its early `stored` notice and its answer. The store's thread answers the relay's
// thread with it (sqlite-store-thread.ts), and a relay primary answers its worker processes with it
// (relay/workers/primary-services.ts).
import type { Store } from './store.js';
import { errorToWire, valueToWire, type StoreCall, type StoreReply } from './store-thread-wire.js';

export async function answerStoreCall(store: Store, call: StoreCall, post: (reply: StoreReply) => void): Promise<StoreReply> {
  try {
    const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
    // The `stored` reply goes out the moment the commit is written, while the store syncs it.
    const stored = call.wantsStored === true ? [(value: unknown) => post({ id: call.id, stored: valueToWire(value) })] : [];
    return { id: call.id, ok: true, value: valueToWire(await method.apply(store, [...call.args, ...stored])) };
  } catch (error) {
    return { id: call.id, ok: false, error: errorToWire(error) };
  }
}
