// The relay's SQLite store, run on a thread of its own (sqlite-store-thread.ts). better-sqlite3 is
// synchronous: on the relay's thread every statement, every commit and, under synchronous=FULL, every
// fsync stalled all sockets while it ran. Here the relay's thread only posts calls and takes answers,
// and the store's group commit batches whatever arrives while the previous batch commits.
//
// Calls are answered in the order made (one thread, one FIFO), so a session's requests keep their
// order exactly as they did in-thread. If the thread dies, every call in flight and every later one
// fails with the error it died of: the relay refuses requests (INTERNAL) rather than guess.
import { Worker } from 'node:worker_threads';
import type { SqliteStoreOptions } from './sqlite-store.js';
import type {
  AppendOutcome, EventAppend, InviteState, LockoutPolicy, MemberRecord, MessageDrop, NewChunk, NewInvite, NewJoin, NewMessage, NewRoom, NewRotation,
  PendingJoin, PruneCounts, PruneCutoffs, RoomAndMembers, RoomState, Store, StoredCheckpoint, StoredChunk, StoredMessage,
} from './store.js';
import { StoreThreadChannel } from './store-thread-channel.js';
import { errorFromWire, valueFromWire, type StoreCall, type StoreMethod, type StoreReady, type StoreReply } from './store-thread-wire.js';

/**
 * Where calls go and answers come from: the store's thread (a Worker), or a relay worker process's
 * link to the primary that holds the store (relay/workers/worker-backends.ts). 'exit' means no
 * answer will come any more.
 */
export interface StoreChannel {
  postMessage(call: StoreCall): void;
  on(event: 'message', listener: (reply: StoreReply) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
}

/**
 * The calls that only read. A read's answer shows the room as it was; a send's early notice (its
 * push) must not overtake the answer of a read asked before it, or a client would be pushed seq 31
 * and then told by its sync that the room ends at 30.
 */
const READS: ReadonlySet<StoreMethod | 'close'> = new Set<StoreMethod>([
  'getRoom', 'getRoomAndMembers', 'getMember', 'getEvents', 'getCheckpoint', 'getInvite', 'getJoin', 'pendingJoinsForIssuer',
  'getRotations', 'getMessages', 'countRooms', 'countMembers',
]);

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** appendMessages: told when the store's thread has committed, before the answer (after the sync). */
  readonly stored?: (value: unknown) => void;
}

export class ThreadedStore implements Store {
  readonly #worker: StoreChannel;
  readonly #pending = new Map<number, Pending>();
  /** Reads not yet answered, by call id, oldest first. */
  readonly #reads = new Set<number>();
  /** Early notices waiting for the reads asked before them. */
  #heldNotices: { readonly id: number; readonly notify: () => void }[] = [];
  #nextId = 0;
  /** Set once the thread is gone or closing: what every later call fails with. */
  #failure: Error | undefined;

  private constructor(worker: StoreChannel) {
    this.#worker = worker;
    worker.on('message', (reply: StoreReply) => this.#settle(reply));
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the store thread exited (code ${code})`)));
  }

  /** Opens the database on a new thread; rejects with the store's own error if it cannot. */
  static async open(options: SqliteStoreOptions): Promise<ThreadedStore> {
    const worker = new Worker(new URL('./sqlite-store-thread.js', import.meta.url), { workerData: options });
    let onMessage!: (ready: StoreReady) => void;
    let onError!: (error: Error) => void;
    let onExit!: (code: number) => void;
    const ready = await new Promise<StoreReady>((resolve, reject) => {
      onMessage = resolve;
      onError = reject;
      onExit = (code) => reject(new Error(`the store thread exited (code ${code}) before opening the database`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    }).finally(() => worker.off('message', onMessage).off('error', onError).off('exit', onExit));
    if (!ready.ready) {
      await worker.terminate();
      throw errorFromWire(ready.error);
    }
    return new ThreadedStore(new StoreThreadChannel(worker));
  }

  /** The same calls, answers and early notices over another channel to an open store. */
  static over(channel: StoreChannel): ThreadedStore {
    return new ThreadedStore(channel);
  }

  #call<T>(method: StoreMethod | 'close', args: readonly unknown[], stored?: (value: T) => void): Promise<T> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    if (READS.has(method)) this.#reads.add(id);
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: resolve as (value: unknown) => void, reject, ...(stored === undefined ? {} : { stored: stored as (value: unknown) => void }),
      });
      this.#worker.postMessage({ id, method, args, ...(stored === undefined ? {} : { wantsStored: true }) } satisfies StoreCall);
    });
  }

  #settle(reply: StoreReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    if ('stored' in reply) {
      const stored = pending.stored;
      if (stored === undefined) return;
      const value = valueFromWire(reply.stored);
      // Never after the answer: once that has come, the caller has acted on it.
      this.#heldNotices.push({ id: reply.id, notify: () => this.#pending.has(reply.id) && stored(value) });
      this.#releaseNotices();
      return;
    }
    this.#pending.delete(reply.id);
    if (this.#reads.delete(reply.id)) this.#releaseNotices();
    if (reply.ok) pending.resolve(valueFromWire(reply.value));
    else pending.reject(errorFromWire(reply.error));
  }

  /**
   * Gives each held notice whose earlier reads are all answered to its caller, after a turn of the
   * event loop: a read's answer reaches its handler in promise reactions, which then run first.
   */
  #releaseNotices(): void {
    const oldestRead = this.#reads.values().next();
    const ready = this.#heldNotices.filter((held) => oldestRead.done === true || held.id < oldestRead.value);
    if (ready.length === 0) return;
    this.#heldNotices = this.#heldNotices.filter((held) => !ready.includes(held));
    setImmediate(() => {
      for (const held of ready) held.notify();
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#heldNotices = [];
    this.#reads.clear();
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }

  createRoom(room: NewRoom): Promise<void> {
    return this.#call('createRoom', [room]);
  }

  getRoom(roomId: Uint8Array): Promise<RoomState | undefined> {
    return this.#call('getRoom', [roomId]);
  }

  getRoomAndMembers(roomId: Uint8Array): Promise<RoomAndMembers | undefined> {
    return this.#call('getRoomAndMembers', [roomId]);
  }

  getMember(roomId: Uint8Array, sign: Uint8Array): Promise<MemberRecord | undefined> {
    return this.#call('getMember', [roomId, sign]);
  }

  getEvents(roomId: Uint8Array, fromIndex: number, limit: number): Promise<Uint8Array[]> {
    return this.#call('getEvents', [roomId, fromIndex, limit]);
  }

  putCheckpoint(roomId: Uint8Array, checkpoint: StoredCheckpoint): Promise<void> {
    return this.#call('putCheckpoint', [roomId, checkpoint]);
  }

  getCheckpoint(roomId: Uint8Array): Promise<StoredCheckpoint | undefined> {
    return this.#call('getCheckpoint', [roomId]);
  }

  appendEvent(append: EventAppend): Promise<void> {
    return this.#call('appendEvent', [append]);
  }

  putInvite(invite: NewInvite): Promise<void> {
    return this.#call('putInvite', [invite]);
  }

  getInvite(roomId: Uint8Array, invitePublicKey: Uint8Array): Promise<InviteState | undefined> {
    return this.#call('getInvite', [roomId, invitePublicKey]);
  }

  recordInviteFailure(roomId: Uint8Array, invitePublicKey: Uint8Array, policy: LockoutPolicy): Promise<void> {
    return this.#call('recordInviteFailure', [roomId, invitePublicKey, policy]);
  }

  claimInvite(join: NewJoin): Promise<void> {
    return this.#call('claimInvite', [join]);
  }

  confirmJoin(roomId: Uint8Array, invitePublicKey: Uint8Array, joinerSign: Uint8Array, confirm: Uint8Array): Promise<void> {
    return this.#call('confirmJoin', [roomId, invitePublicKey, joinerSign, confirm]);
  }

  getJoin(roomId: Uint8Array, joinerSign: Uint8Array): Promise<PendingJoin | undefined> {
    return this.#call('getJoin', [roomId, joinerSign]);
  }

  pendingJoinsForIssuer(roomId: Uint8Array, issuer: Uint8Array): Promise<PendingJoin[]> {
    return this.#call('pendingJoinsForIssuer', [roomId, issuer]);
  }

  addRotation(roomId: Uint8Array, expectedLength: number, rotation: NewRotation): Promise<void> {
    return this.#call('addRotation', [roomId, expectedLength, rotation]);
  }

  getRotations(roomId: Uint8Array, fromEpoch: number, member: Uint8Array): Promise<Uint8Array[]> {
    return this.#call('getRotations', [roomId, fromEpoch, member]);
  }

  appendMessages(messages: readonly NewMessage[], onStored?: (outcomes: AppendOutcome[]) => void): Promise<AppendOutcome[]> {
    return this.#call('appendMessages', [messages], onStored);
  }

  dropMessage(drop: MessageDrop): Promise<void> {
    return this.#call('dropMessage', [drop]);
  }

  getMessages(roomId: Uint8Array, afterSeq: number, minEpoch: number, limit: number): Promise<StoredMessage[]> {
    return this.#call('getMessages', [roomId, afterSeq, minEpoch, limit]);
  }

  putAttachmentChunk(chunk: NewChunk): Promise<number> {
    return this.#call('putAttachmentChunk', [chunk]);
  }

  getAttachmentChunk(roomId: Uint8Array, attachmentId: Uint8Array, index: number): Promise<StoredChunk> {
    return this.#call('getAttachmentChunk', [roomId, attachmentId, index]);
  }

  attachmentBytes(roomId: Uint8Array): Promise<number> {
    return this.#call('attachmentBytes', [roomId]);
  }

  prune(cutoffs: PruneCutoffs): Promise<PruneCounts> {
    return this.#call('prune', [cutoffs]);
  }

  countRooms(): Promise<number> {
    return this.#call('countRooms', []);
  }

  countMembers(): Promise<number> {
    return this.#call('countMembers', []);
  }

  async close(): Promise<void> {
    if (this.#failure !== undefined) return;
    const exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    await this.#call('close', []);
    this.#failure = new Error('the store is closed');
    await exited;
  }
}
