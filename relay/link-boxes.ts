// Device-link mailboxes (docs/protocol.md §8.7.1, V-146): posts addressed by a hash, held in memory
// for a few minutes and pushed to whoever listens. The relay cannot read them (they are sealed end to
// end) and keeps nothing on disk; a restart ends every link in progress, which the devices start
// again. With several relay processes every process keeps a copy of every box: a post taken here
// goes to the others over the bus (relay/bus/), which add it to theirs, so the two devices of a
// link may be connected to different processes (V-192).
import { toHex } from '../protocol/bytes.js';
import { SottoError } from '../protocol/errors.js';
import type { Requester } from './context.js';

export interface LinkBoxLimits {
  readonly linkBoxTtlMs: number;
  readonly linkBoxMaxBytes: number;
  readonly linkBoxMaxPosts: number;
  readonly maxLinkBoxesPerSession: number;
  readonly maxLinkBoxes: number;
}

interface Box {
  readonly posts: Uint8Array[];
  bytes: number;
  readonly expiresAt: number;
  readonly listeners: Map<string, Requester>;
}

export class LinkBoxes {
  readonly #boxes = new Map<string, Box>();
  readonly #limits: LinkBoxLimits;
  readonly #now: () => number;

  constructor(limits: LinkBoxLimits, now: () => number) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Adds `session` as a listener; returns what the box already holds, to push in order. */
  listen(session: Requester, address: Uint8Array): readonly Uint8Array[] {
    const box = this.#box(address);
    if (!box.listeners.has(session.id)) {
      let heard = 0;
      for (const other of this.#boxes.values()) if (other.listeners.has(session.id)) heard++;
      if (heard >= this.#limits.maxLinkBoxesPerSession) throw new SottoError('RATE_LIMITED', 'too many link mailboxes on one connection');
      box.listeners.set(session.id, session);
    }
    return box.posts;
  }

  /** `session` stops hearing the box (a link ended or cancelled), which frees one of its slots; no error if it was not listening. */
  unlisten(session: Requester, address: Uint8Array): void {
    this.#boxes.get(toHex(address))?.listeners.delete(session.id);
  }

  /** Stores a post; returns its number in the box and the sessions to push it to. */
  post(address: Uint8Array, data: Uint8Array): { readonly index: number; readonly listeners: readonly Requester[] } {
    const box = this.#box(address);
    if (box.posts.length >= this.#limits.linkBoxMaxPosts || box.bytes + data.length > this.#limits.linkBoxMaxBytes) {
      throw new SottoError('RATE_LIMITED', 'the link mailbox is full');
    }
    box.posts.push(data);
    box.bytes += data.length;
    return { index: box.posts.length - 1, listeners: [...box.listeners.values()] };
  }

  /**
   * A post another relay process took, for our copy of the box: the sessions here to push it to.
   * Our copy keeps the same bounds; past them, or past `maxLinkBoxes` here, the post is dropped
   * and the link stalls (its numbering tells the devices, V-143), as it would on one process.
   */
  heard(address: Uint8Array, data: Uint8Array): readonly Requester[] {
    try {
      return this.post(address, data).listeners;
    } catch (error) {
      if (error instanceof SottoError) return [];
      throw error;
    }
  }

  #box(address: Uint8Array): Box {
    this.#sweep();
    const key = toHex(address);
    let box = this.#boxes.get(key);
    if (box === undefined) {
      if (this.#boxes.size >= this.#limits.maxLinkBoxes) throw new SottoError('RATE_LIMITED', 'too many link mailboxes');
      box = { posts: [], bytes: 0, expiresAt: this.#now() + this.#limits.linkBoxTtlMs, listeners: new Map() };
      this.#boxes.set(key, box);
    }
    return box;
  }

  /** Drops expired boxes: a box lives a fixed time from its first use, so none is kept alive for ever. */
  #sweep(): void {
    const now = this.#now();
    for (const [key, box] of this.#boxes) if (box.expiresAt <= now) this.#boxes.delete(key);
  }
}
