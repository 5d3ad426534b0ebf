// The two ends of a worker's IPC link as Link objects: the cluster's Worker in the primary, the
// process's own channel in a worker. A message for an end that has gone is dropped: its requests
// fail there (the worker is gone) or every session it served is closed (the primary is gone).
import type { Worker } from 'node:cluster';
import { isToPrimary, isToWorker, type Link, type ToPrimary, type ToWorker } from './messages.js';

export function linkToWorker(worker: Worker): Link<ToWorker, ToPrimary> {
  // A send racing the worker's death fails asynchronously; the exit handler cleans up.
  worker.on('error', () => undefined);
  return {
    send(message) {
      if (worker.isConnected()) worker.send(message);
    },
    onMessage(listener) {
      worker.on('message', (message: unknown) => {
        if (isToPrimary(message)) listener(message);
      });
    },
    onClose(listener) {
      worker.once('exit', listener);
    },
  };
}

export function linkToPrimary(): Link<ToPrimary, ToWorker> {
  return {
    send(message) {
      if (process.connected) process.send!(message);
    },
    onMessage(listener) {
      process.on('message', (message: unknown) => {
        if (isToWorker(message)) listener(message);
      });
    },
    onClose(listener) {
      process.once('disconnect', listener);
    },
  };
}
