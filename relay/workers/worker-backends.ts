// What a relay worker process runs on instead of a store, a bus and limits of its own (ADR 0011):
// the primary's, over the IPC link. The store is the threaded store's client as it is, over a
// channel that carries its calls to the primary and its answers and early notices back, so request
// order and "no push before an earlier read's answer" hold exactly as with the store's thread.
import { EventEmitter } from 'node:events';
import type { SharedLimits } from '../backends.js';
import type { StoreCall, StoreReply } from '../store/store-thread-wire.js';
import { ThreadedStore, type StoreChannel } from '../store/threaded-store.js';
import type { Link, ToPrimary, ToWorker } from './messages.js';
import { WorkerBus } from './worker-bus.js';
import { WorkerLimits } from './worker-limits.js';

export interface WorkerBackends {
  readonly store: ThreadedStore;
  readonly bus: WorkerBus;
  readonly limits: SharedLimits;
}

/**
 * The store's calls to the primary; 'exit' once the link is gone, which fails every call in flight.
 * Closing a worker's store ends this channel once the primary has answered every earlier call; the
 * store every worker shares stays open.
 */
class PrimaryStoreChannel extends EventEmitter implements StoreChannel {
  readonly #send: (message: ToPrimary) => void;
  #closeId: number | undefined;

  constructor(send: (message: ToPrimary) => void) {
    super();
    this.#send = send;
  }

  postMessage(call: StoreCall): void {
    if (call.method === 'close') this.#closeId = call.id;
    this.#send({ kind: 'store', call });
  }

  answer(reply: StoreReply): void {
    this.emit('message', reply);
    if (reply.id === this.#closeId) this.emit('exit', 0);
  }
}

export function workerBackends(link: Link<ToPrimary, ToWorker>): WorkerBackends {
  const send = (message: ToPrimary): void => link.send(message);
  const channel = new PrimaryStoreChannel(send);
  const store = ThreadedStore.over(channel);
  const bus = new WorkerBus(send);
  const limits = new WorkerLimits(send);
  link.onMessage((message) => {
    if (message.kind === 'store') channel.answer(message.reply);
    else if (message.kind === 'bus') bus.hear(message.roomId, message.message);
    else if (message.kind === 'linkPost') bus.hearLinkPost(message.box, message.data);
    else limits.answer(message.id, message.answer);
  });
  link.onClose(() => {
    limits.close();
    channel.emit('exit', 0);
  });
  return { store, bus, limits };
}
