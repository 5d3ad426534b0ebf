// The relay's end of the store thread's port (threaded-store.ts): the calls made in one turn of the
// event loop cross as one message, and each message from the thread is a turn's replies, handed on
// one by one in order. A postMessage costs a structured clone, a lock and a wake-up of the other
// thread whatever it carries; under load a turn reads many sessions' sends, and one message per
// call was most of what the relay's thread spent on the store. Order is untouched: calls go in the
// order made, replies come in the order the thread made them.
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { StoreChannel } from './threaded-store.js';
import type { StoreCall, StoreReply } from './store-thread-wire.js';

export class StoreThreadChannel extends EventEmitter implements StoreChannel {
  readonly #worker: Worker;
  #calls: StoreCall[] = [];

  constructor(worker: Worker) {
    super();
    this.#worker = worker;
    worker.on('message', (replies: readonly StoreReply[]) => {
      for (const reply of replies) this.emit('message', reply);
    });
    worker.on('error', (error) => this.emit('error', error));
    worker.on('exit', (code) => this.emit('exit', code));
  }

  postMessage(call: StoreCall): void {
    // After this turn's I/O callbacks (the check phase), so every session read in the turn joins.
    if (this.#calls.length === 0) setImmediate(() => this.#post());
    this.#calls.push(call);
  }

  #post(): void {
    const calls = this.#calls;
    this.#calls = [];
    this.#worker.postMessage(calls);
  }
}
