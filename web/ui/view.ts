// What every screen gets from the app, and what it gives back.
import type { ConnectionState, KeystoreState, RoomView, ViewEvent } from '../worker/rpc.js';
import type { Route } from './router.js';
import type { WorkerClient } from './worker-client.js';

export interface Ctx {
  readonly rpc: WorkerClient;
  go(route: Route, replace?: boolean): void;
  /** Polite screen-reader announcement (not the connection status). */
  announce(text: string): void;
  keystore(): KeystoreState;
  /** The relay connection as last reported. */
  connection(): ConnectionState;
  /** The rooms as last read from the worker. */
  rooms(): readonly RoomView[];
  /** Re-reads the room list (and re-renders the sidebar). */
  refreshRooms(): Promise<void>;
  /** Locks the keystore (the worker drops every key) and shows the unlock screen. */
  lock(): Promise<void>;
  /** Re-reads the auto-lock setting after it changed. */
  restartIdleLock(): void;
}

export interface View {
  readonly element: HTMLElement;
  /** Where focus goes when the view opens. */
  readonly focus?: HTMLElement;
  onEvent?(event: ViewEvent): void;
  dispose?(): void;
}

/** Human text for a failure from the worker. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
