// Auto-lock: after a chosen time with no key press, click or touch in this tab, the keystore is
// locked (the worker drops every key). The setting is a number of minutes in localStorage: it
// says nothing about the person's rooms, and it is only written when they change it, so a
// session without saving (which must leave no trace) never writes it.
export const AUTO_LOCK_KEY = 'sotto.autoLockMinutes';
/** Minutes; 0 is never. Half an hour: a tab left open on a shared computer does not stay open. */
export const DEFAULT_AUTO_LOCK_MINUTES = 30;
export const AUTO_LOCK_CHOICES: readonly number[] = [0, 5, 15, 30, 60, 240];

const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/** The setting as stored; a value that is not a non-negative number reads as the default. */
export function autoLockMinutes(): number {
  const stored = globalThis.localStorage?.getItem(AUTO_LOCK_KEY);
  if (stored === null || stored === undefined) return DEFAULT_AUTO_LOCK_MINUTES;
  const minutes = Number(stored);
  return Number.isFinite(minutes) && minutes >= 0 ? minutes : DEFAULT_AUTO_LOCK_MINUTES;
}

export function setAutoLockMinutes(minutes: number): void {
  localStorage.setItem(AUTO_LOCK_KEY, String(minutes));
}

/** Watches for activity and calls `lock` once the tab has been idle for the setting's time. */
export class IdleLock {
  readonly #lock: () => void;
  #last = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onActivity = (): void => {
    this.#last = Date.now();
  };

  constructor(lock: () => void) {
    this.#lock = lock;
  }

  /** (Re)starts watching with the current setting; does nothing when it is "never". */
  start(): void {
    this.stop();
    const minutes = autoLockMinutes();
    if (minutes === 0) return;
    this.#last = Date.now();
    for (const type of ACTIVITY) window.addEventListener(type, this.#onActivity, { capture: true, passive: true });
    this.#arm(minutes * 60_000);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const type of ACTIVITY) window.removeEventListener(type, this.#onActivity, { capture: true });
  }

  #arm(idleMs: number): void {
    const due = this.#last + idleMs - Date.now();
    this.#timer = setTimeout(() => {
      if (Date.now() - this.#last >= idleMs) {
        this.stop();
        this.#lock();
      } else {
        this.#arm(idleMs);
      }
    }, Math.max(due, 250));
  }
}
