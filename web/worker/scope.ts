// The little of DedicatedWorkerGlobalScope the worker uses, declared narrowly so the project's one
// tsconfig (DOM lib) type-checks it without the WebWorker lib.
import type { RequestMessage, WorkerMessage } from './rpc.js';

export interface WorkerScope {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<RequestMessage>) => void): void;
  readonly location: { readonly origin: string; readonly protocol: string; readonly host: string };
}

export function workerScope(): WorkerScope {
  return globalThis as unknown as WorkerScope;
}
