// A refresh that never runs twice at once. Each call is answered by a run that starts after it, but
// calls made while one runs share the single run that follows: a catch-up of thousands of messages
// fires an event per few messages, and refetching and re-rendering the whole list for each of them
// made opening a busy room quadratic.
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => (running = run().finally(() => {
    running = undefined;
  }));
  return () => {
    if (running === undefined) return start();
    next ??= running.catch(() => undefined).then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}
