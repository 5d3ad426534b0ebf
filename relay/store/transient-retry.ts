// Databases refuse some transactions for conflicts that clear by themselves (SQLite: another
// connection holds the write lock; PostgreSQL: a serialization failure or a deadlock victim).
// The whole transaction runs again after a short, growing, jittered pause, until a deadline.

const FIRST_PAUSE_MS = 2;
const LONGEST_PAUSE_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` until it settles with anything but a transient error, or `deadlineMs` has passed. */
export async function retryTransient<T>(attempt: () => Promise<T>, isTransient: (error: unknown) => boolean, deadlineMs: number): Promise<T> {
  const giveUpAt = Date.now() + deadlineMs;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransient(error) || Date.now() >= giveUpAt) throw error;
    }
    await sleep(pause / 2 + Math.random() * pause);
  }
}
