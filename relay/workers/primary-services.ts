// The primary's side of its workers' links (ADR 0011): it answers their store calls on the one store
// (the SQLite store on its own thread), passes each worker's bus messages and device-link posts on to every other worker,
// and keeps the per-address limits for all of them. A worker that goes away gives back the
// connections it still held, so a killed worker leaves no address counted against its limit.
import type { Backends } from '../backends.js';
import { answerStoreCall } from '../store/answer-store-call.js';
import type { LimitAsk, Link, ToPrimary, ToWorker } from './messages.js';

export type WorkerLink = Link<ToWorker, ToPrimary>;

export class PrimaryServices {
  readonly #backends: Pick<Backends, 'store' | 'addressLockout' | 'connections' | 'roomCreations'>;
  readonly #links = new Set<WorkerLink>();

  constructor(backends: Pick<Backends, 'store' | 'addressLockout' | 'connections' | 'roomCreations'>) {
    this.#backends = backends;
  }

  /** Serves `link` until it closes; `listening` hears the port once its relay listens. */
  serve(link: WorkerLink, listening: (port: number) => void): void {
    /** Connections this worker holds, per address. */
    const held = new Map<string, number>();
    /** Store calls not yet answered. */
    const answering = new Set<Promise<void>>();
    this.#links.add(link);
    link.onMessage((message) => {
      switch (message.kind) {
        case 'store': {
          const { call } = message;
          // A worker closing its store is done with it; the store every worker shares stays open.
          // Answered after the worker's earlier calls, as the store's thread would.
          if (call.method === 'close') {
            void Promise.all(answering).then(() => link.send({ kind: 'store', reply: { id: call.id, ok: true, value: undefined } }));
            return;
          }
          const answered = answerStoreCall(this.#backends.store, call, (reply) => link.send({ kind: 'store', reply })).then((reply) => {
            answering.delete(answered);
            link.send({ kind: 'store', reply });
          });
          answering.add(answered);
          return;
        }
        case 'publish':
          for (const other of this.#links) if (other !== link) other.send({ kind: 'bus', roomId: message.roomId, message: message.message });
          return;
        case 'linkPost':
          for (const other of this.#links) if (other !== link) other.send({ kind: 'linkPost', box: message.box, data: message.data });
          return;
        case 'limit':
          void this.#answer(message.ask, held).then(
            (answer) => link.send({ kind: 'limit', id: message.id, answer }),
            // The in-memory limits do not fail; if one did, the safe answer is a refusal.
            () => link.send({ kind: 'limit', id: message.id, answer: message.ask.op === 'locked' }),
          );
          return;
        case 'release':
          if (take(held, message.address)) this.#backends.connections.release(message.address);
          return;
        case 'failure':
          void this.#backends.addressLockout.recordFailure(message.address, message.now);
          return;
        case 'listening':
          listening(message.port);
      }
    });
    link.onClose(() => {
      this.#links.delete(link);
      for (const [address, count] of held) for (let i = 0; i < count; i++) this.#backends.connections.release(address);
      held.clear();
    });
  }

  async #answer(ask: LimitAsk, held: Map<string, number>): Promise<boolean> {
    switch (ask.op) {
      case 'acquire': {
        const ok = await this.#backends.connections.tryAcquire(ask.address);
        if (ok) held.set(ask.address, (held.get(ask.address) ?? 0) + 1);
        return ok;
      }
      case 'locked':
        return this.#backends.addressLockout.isLocked(ask.address, ask.now);
      case 'quota':
        return this.#backends.roomCreations.take(ask.key, ask.now);
    }
  }
}

/** Counts one of `address`'s connections off; false if the worker held none (nothing to release). */
function take(held: Map<string, number>, address: string): boolean {
  const count = held.get(address) ?? 0;
  if (count === 0) return false;
  if (count === 1) held.delete(address);
  else held.set(address, count - 1);
  return true;
}
