// What crosses between the relay's thread and the store's thread (threaded-store.ts,
// sqlite-store-thread.ts): each message carries the calls, or the replies, of one turn of the
// sender's event loop (store-thread-channel.ts). Values are structured-cloned; errors are not (a
// clone keeps only name and message), so a SottoError crosses as its name and detail and is built
// again on the other side, wherever it sits in a result (appendMessages returns them per message).
import { isSottoError, SottoError, type ErrorName } from '../../protocol/errors.js';
import type { Store } from './store.js';

export type StoreMethod = Exclude<keyof Store, 'close'>;

export interface StoreCall {
  readonly id: number;
  /** 'close' closes the store and ends the thread. */
  readonly method: StoreMethod | 'close';
  readonly args: readonly unknown[];
  /** appendMessages: post a `stored` reply once committed, before the answer. */
  readonly wantsStored?: boolean;
}

export type WireError =
  | { readonly sotto: ErrorName; readonly detail: string | undefined }
  | { readonly name: string; readonly message: string };

export type StoreReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError }
  /** appendMessages' outcomes once committed (a crash of the relay can no longer undo them), ahead of the answer. */
  | { readonly id: number; readonly stored: unknown };

/** The thread's first message: the store opened, or why it could not. */
export type StoreReady = { readonly ready: true } | { readonly ready: false; readonly error: WireError };

const SOTTO_TAG = 'sottoError';

export function errorToWire(error: unknown): WireError {
  if (isSottoError(error)) return { sotto: error.errorName, detail: error.detail };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

export function errorFromWire(wire: WireError): Error {
  if ('sotto' in wire) return new SottoError(wire.sotto, wire.detail);
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

/**
 * `value` with every SottoError in its arrays and plain objects replaced by a tagged WireError. What
 * holds none is returned as it is, not copied: most results (a send's outcomes, rows) hold none, and
 * copying every object in them was garbage on both threads for every call.
 */
export function valueToWire(value: unknown): unknown {
  if (isSottoError(value)) return { [SOTTO_TAG]: errorToWire(value) };
  return mapChildren(value, valueToWire);
}

export function valueFromWire(value: unknown): unknown {
  if (isPlainObject(value)) {
    const tagged = value[SOTTO_TAG];
    if (tagged !== undefined) return errorFromWire(tagged as WireError);
  }
  return mapChildren(value, valueFromWire);
}

/** `value` with `map` applied to each element or property, copied only if `map` changed one. */
function mapChildren(value: unknown, map: (child: unknown) => unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((child: unknown, i) => {
      const mapped = map(child);
      if (mapped !== child) (copy ??= [...value])[i] = mapped;
    });
    return copy ?? value;
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, child] of Object.entries(value)) {
      const mapped = map(child);
      if (mapped !== child) (copy ??= { ...value })[key] = mapped;
    }
    return copy ?? value;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
