// Uploads and downloads under way in the worker, by the page's transfer id: each reports progress
// as view events and stops when the page cancels it (the "Cancel" button beside its progress bar).
import type { TransferOptions } from '../../protocol/client/attachments.js';
import type { ViewEvent } from './rpc.js';
import { WorkerFailure } from './session.js';

/** Transfer ids are the page's own short tokens. */
const TRANSFER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class Transfers {
  readonly #running = new Map<string, AbortController>();
  readonly #emit: (event: ViewEvent) => void;

  constructor(emit: (event: ViewEvent) => void) {
    this.#emit = emit;
  }

  /** Runs `work` as transfer `id`; a cancelled one fails with CANCELLED whatever it was doing. */
  async run<T>(id: unknown, work: (options: TransferOptions) => Promise<T>): Promise<T> {
    if (typeof id !== 'string' || !TRANSFER_ID.test(id) || this.#running.has(id)) throw new WorkerFailure('BAD_REQUEST', 'transfer id');
    const controller = new AbortController();
    this.#running.set(id, controller);
    try {
      return await work({
        signal: controller.signal,
        progress: (done, total) => this.#emit({ type: 'transfer', transfer: id, done, total }),
      });
    } catch (error) {
      if (controller.signal.aborted) throw new WorkerFailure('CANCELLED');
      throw error;
    } finally {
      this.#running.delete(id);
    }
  }

  cancel(id: unknown): void {
    if (typeof id === 'string') this.#running.get(id)?.abort();
  }
}
