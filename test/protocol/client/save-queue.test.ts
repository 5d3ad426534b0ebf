// SaveQueue: saves never overlap, bursts coalesce, and a request is only answered by a save that
// began after it; a save that may wait is covered by the next one, or by its own timer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SaveQueue, type ClientPersistence, type RecordChange } from '../../../protocol/client/persistence.js';

/** Saves that finish when the test says so; records the state each one was given. */
class HeldPersistence implements ClientPersistence {
  readonly saved: number[] = [];
  readonly #held: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  load(): Promise<ReadonlyMap<string, Uint8Array> | undefined> {
    return Promise.resolve(undefined);
  }

  save(change: RecordChange): Promise<void> {
    this.saved.push(change.put.get('state')![0]!);
    return new Promise((resolve, reject) => this.#held.push({ resolve, reject }));
  }

  get running(): number {
    return this.#held.length;
  }

  finish(error?: unknown): void {
    const next = this.#held.shift()!;
    if (error === undefined) next.resolve();
    else next.reject(error);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const LATER_MS = 50;

function queue(): { persistence: HeldPersistence; saves: SaveQueue; setState: (n: number) => void } {
  const persistence = new HeldPersistence();
  let state = 0;
  const saves = new SaveQueue(persistence, {
    next: () => ({ put: new Map([['state', Uint8Array.of(state)]]), remove: [] }),
    failed: () => undefined,
  }, LATER_MS);
  return { persistence, saves, setState: (n) => (state = n) };
}

test('requests during a save share one later save, taken after the last of them', async () => {
  const { persistence, saves, setState } = queue();
  setState(1);
  const first = saves.request();
  await tick();
  const resolved: number[] = [];
  const waiting = [2, 3, 4].map((n) => {
    setState(n);
    return saves.request().then(() => resolved.push(n));
  });
  assert.is(persistence.running, 1, 'never two saves at once');
  persistence.finish();
  await first;
  await tick();
  assert.equal(resolved, [], 'the first save began before they asked');
  assert.equal(persistence.saved, [1, 4]);
  persistence.finish();
  await Promise.all(waiting);
  assert.equal(resolved, [2, 3, 4]);
});

test('a save that may wait starts only after its delay, once for every such request', async () => {
  const { persistence, saves, setState } = queue();
  setState(7);
  const later = [saves.requestLater(), saves.requestLater(), saves.requestLater()];
  await tick();
  assert.equal(persistence.saved, []);
  await new Promise((resolve) => setTimeout(resolve, LATER_MS * 2));
  assert.equal(persistence.saved, [7]);
  persistence.finish();
  await Promise.all(later);
});

test('a request now covers the waiting ones, and their timer saves nothing more', async () => {
  const { persistence, saves, setState } = queue();
  setState(1);
  const later = saves.requestLater();
  setState(2);
  const now = saves.request();
  await tick();
  assert.equal(persistence.saved, [2]);
  persistence.finish();
  await Promise.all([later, now]);
  await new Promise((resolve) => setTimeout(resolve, LATER_MS * 2));
  assert.equal(persistence.saved, [2]);
});

test('waiting requests made during a save do not start another at once: they wait their delay', async () => {
  const { persistence, saves, setState } = queue();
  setState(1);
  const now = saves.request();
  await tick();
  setState(2);
  const later = saves.requestLater();
  persistence.finish();
  await now;
  await tick();
  assert.equal(persistence.saved, [1], 'no back-to-back save for a request that may wait');
  await new Promise((resolve) => setTimeout(resolve, LATER_MS * 2));
  assert.equal(persistence.saved, [1, 2]);
  persistence.finish();
  await later;
});

test('a failed save rejects the requests it covered; the next request saves again', async () => {
  const { persistence, saves } = queue();
  const failedLater = saves.requestLater();
  const failed = saves.request();
  await tick();
  persistence.finish(new Error('disk full'));
  for (const request of [failed, failedLater]) {
    assert.is(await request.then(() => 'saved', (error: unknown) => (error as Error).message), 'disk full');
  }
  const retried = saves.request();
  await tick();
  assert.is(persistence.saved.length, 2);
  persistence.finish();
  await retried;
});

test.run();
