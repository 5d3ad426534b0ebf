// Request/response matching by rid. An answer's local effect (`onAnswer`) runs in the same ordered
// step that consumes the answer, before any later relay frame is handled: so what the client
// applies for its own request (its event, its rotation, its message's seq) always lands before a
// push that was sent after it.
import { SottoError, errorNameOf } from '../errors.js';
import type { RelayFrame } from '../wire/frames.js';

export type Answer = Extract<RelayFrame, { rid: number }>;

interface Pending {
  readonly resolve: (frame: Answer) => void;
  readonly reject: (error: SottoError) => void;
  readonly onAnswer: ((frame: Answer) => Promise<void> | void) | undefined;
  readonly timer: ReturnType<typeof setTimeout>;
}

export function isAnswer(frame: RelayFrame): frame is Answer {
  return 'rid' in frame;
}

export function errorFromAnswer(frame: Extract<RelayFrame, { type: 'error' }>): SottoError {
  return new SottoError(errorNameOf(frame.code) ?? 'INTERNAL', frame.text);
}

export class Requests {
  readonly #pending = new Map<number, Pending>();
  readonly #onTimeout: () => void;
  #rid = 0;

  /** `onTimeout` runs when any request times out: a relay that stops answering is a dead connection. */
  constructor(onTimeout: () => void) {
    this.#onTimeout = onTimeout;
  }

  nextRid(): number {
    this.#rid = this.#rid >= 0xffffffff ? 1 : this.#rid + 1;
    return this.#rid;
  }

  /** Registers `rid`; resolves with its answer or rejects with the relay's error, TIMEOUT or CLOSED. */
  expect(rid: number, timeoutMs: number, onAnswer?: (frame: Answer) => Promise<void> | void): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.#pending.delete(rid)) return;
        reject(new SottoError('TIMEOUT', `request ${rid}`));
        this.#onTimeout();
      }, timeoutMs);
      this.#pending.set(rid, { resolve, reject, onAnswer, timer });
    });
  }

  /** Settles the request `frame` answers; false if nothing waits for it (late or unknown rid). */
  async answer(frame: Answer): Promise<boolean> {
    const pending = this.#pending.get(frame.rid);
    if (pending === undefined) return false;
    this.#pending.delete(frame.rid);
    clearTimeout(pending.timer);
    if (frame.type === 'error') {
      pending.reject(errorFromAnswer(frame));
      return true;
    }
    try {
      await pending.onAnswer?.(frame);
    } catch (error) {
      pending.reject(error instanceof SottoError ? error : new SottoError('INTERNAL', String(error)));
      return true;
    }
    pending.resolve(frame);
    return true;
  }

  /** Rejects everything outstanding (the connection is gone). */
  failAll(error: SottoError): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of all) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }
}
