// A relay worker's per-address limits, asked of its primary (ADR 0011), so that a client's
// connections, bad invite proofs and room creations count once across every worker, as they do in
// one process. Each question is one round trip on the IPC channel; releases and failures are told.
import type { SharedLimits } from '../backends.js';
import type { LimitAsk, ToPrimary } from './messages.js';

export class WorkerLimits implements SharedLimits {
  readonly #send: (message: ToPrimary) => void;
  readonly #pending = new Map<number, { readonly settle: (answer: boolean) => void; readonly refusal: boolean }>();
  #nextId = 0;
  #closed = false;

  constructor(send: (message: ToPrimary) => void) {
    this.#send = send;
  }

  readonly connections = {
    tryAcquire: (address: string): Promise<boolean> => this.#ask({ op: 'acquire', address }),
    release: (address: string): void => this.#send({ kind: 'release', address }),
  };

  readonly addressLockout = {
    isLocked: (address: string, now: number): Promise<boolean> => this.#ask({ op: 'locked', address, now }),
    recordFailure: (address: string, now: number): void => this.#send({ kind: 'failure', address, now }),
  };

  readonly roomCreations = {
    take: (key: string, now: number): Promise<boolean> => this.#ask({ op: 'quota', key, now }),
  };

  answer(id: number, answer: boolean): void {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    pending?.settle(answer);
  }

  /** The primary is gone: refuse whatever is still asked (nothing is let in unchecked). */
  close(): void {
    this.#closed = true;
    for (const { settle, refusal } of this.#pending.values()) settle(refusal);
    this.#pending.clear();
  }

  #ask(ask: LimitAsk): Promise<boolean> {
    // An address is "locked" when unsure; a connection or a room is "not allowed".
    const refusal = ask.op === 'locked';
    if (this.#closed) return Promise.resolve(refusal);
    const id = this.#nextId++;
    return new Promise((settle) => {
      this.#pending.set(id, { settle, refusal });
      this.#send({ kind: 'limit', id, ask });
    });
  }
}
