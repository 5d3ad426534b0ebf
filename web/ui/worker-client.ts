// The page's end of the worker RPC: typed calls that resolve with the worker's answer, and a
// subscription to pushed view events.
import type { EventMessage, Method, Params, RequestMessage, Result, RpcError, ViewEvent, WorkerMessage } from '../worker/rpc.js';

export class RpcFailure extends Error {
  readonly code: string;
  constructor(error: RpcError) {
    super(error.message);
    this.name = 'RpcFailure';
    this.code = error.code;
  }
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export class WorkerClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: ViewEvent) => void>();
  #nextId = 1;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.addEventListener('message', (e: MessageEvent<WorkerMessage>) => this.#onMessage(e.data));
    worker.addEventListener('error', (e: ErrorEvent) => {
      e.preventDefault();
      this.#failAll(`The encryption worker stopped: ${e.message || 'unknown error'}`);
    });
  }

  call<M extends Method>(method: M, params: Params<M>, transfer: Transferable[] = []): Promise<Result<M>> {
    const id = this.#nextId++;
    const message: RequestMessage<M> = { kind: 'request', id, method, params };
    return new Promise<Result<M>>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage(message, transfer);
    });
  }

  onEvent(listener: (event: ViewEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #onMessage(message: WorkerMessage): void {
    if (message.kind === 'event') {
      this.#emit((message as EventMessage).event);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new RpcFailure(message.error));
  }

  #emit(event: ViewEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('view event handler failed', error);
      }
    }
  }

  #failAll(text: string): void {
    for (const pending of this.#pending.values()) pending.reject(new RpcFailure({ code: 'WORKER', message: text }));
    this.#pending.clear();
    this.#emit({ type: 'fatal', text });
  }
}
