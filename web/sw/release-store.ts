// Where the service worker keeps what it verified, in the Cache API (it outlives the worker, which
// the browser stops whenever it likes): the running release, a verified update waiting for a
// reload, and why the server's code is refused, if it is. Each release's files sit in a cache of
// their own, written only after every hash matched.

/** A release as stored: the manifest exactly as signed, its signature, and its id. */
export interface StoredRelease {
  readonly manifest: string;
  readonly signature: string;
  readonly id: string;
}

const STATE_CACHE = 'sotto-release-state';
const FILES_PREFIX = 'sotto-files-';

type Slot = 'current' | 'pending' | 'refused';

export class ReleaseStore {
  readonly #origin: string;

  constructor(origin: string) {
    this.#origin = origin;
  }

  #key(slot: Slot): string {
    return `${this.#origin}/__sotto-release-state/${slot}`;
  }

  async #read<T>(slot: Slot): Promise<T | undefined> {
    const cache = await caches.open(STATE_CACHE);
    const response = await cache.match(this.#key(slot));
    return response === undefined ? undefined : (await response.json()) as T;
  }

  async #write(slot: Slot, value: unknown): Promise<void> {
    const cache = await caches.open(STATE_CACHE);
    if (value === undefined) await cache.delete(this.#key(slot));
    else await cache.put(this.#key(slot), new Response(JSON.stringify(value), { headers: { 'Content-Type': 'application/json' } }));
  }

  current(): Promise<StoredRelease | undefined> {
    return this.#read<StoredRelease>('current');
  }

  setCurrent(release: StoredRelease): Promise<void> {
    return this.#write('current', release);
  }

  pending(): Promise<StoredRelease | undefined> {
    return this.#read<StoredRelease>('pending');
  }

  setPending(release: StoredRelease | undefined): Promise<void> {
    return this.#write('pending', release);
  }

  async refused(): Promise<string | undefined> {
    return (await this.#read<{ reason: string }>('refused'))?.reason;
  }

  setRefused(reason: string | undefined): Promise<void> {
    return this.#write('refused', reason === undefined ? undefined : { reason });
  }

  files(id: string): Promise<Cache> {
    return caches.open(`${FILES_PREFIX}${id}`);
  }

  async dropFiles(id: string): Promise<void> {
    await caches.delete(`${FILES_PREFIX}${id}`);
  }

  /** Deletes the file caches of every release but `keep`: superseded or half-downloaded ones. */
  async dropFilesExcept(keep: readonly string[]): Promise<void> {
    const wanted = new Set(keep.map((id) => `${FILES_PREFIX}${id}`));
    for (const name of await caches.keys()) {
      if (name.startsWith(FILES_PREFIX) && !wanted.has(name)) await caches.delete(name);
    }
  }
}
