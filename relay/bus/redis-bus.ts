// The Bus across relay processes, on Redis pub/sub: one channel per room, and each process
// subscribes only to the rooms its sessions are bound to, so traffic grows with what a process
// serves rather than with every room there is. A process delivers its own events to its own
// sessions at once (as LocalBus does) and ignores them when Redis echoes them back.
//
// Redis pub/sub keeps nothing: whatever is published while a process is cut off is lost to it. The
// store has every committed record, so the relay turns each such window into a gap (bus.ts) and
// the sessions of the rooms concerned reconnect and sync:
// - the subscriber connection comes back: a gap for every watched room;
// - a publish could not be sent: once Redis is back, a gap published to that room (or, after very
//   many, to every room on the shared gap channel), so the other processes' sessions catch up;
// - a subscription took longer than `readyTimeoutMs`: a gap for the room once it is in place.
// Device-link mailbox posts go on one channel every process hears (each keeps a copy of every box,
// relay/link-boxes.ts); one lost there stalls that link, whose numbering tells the devices (V-192).
// From the subscriber connection's loss until its subscriptions are confirmed again the bus is not
// `reachable`, so sessions can tell their clients that members elsewhere hear them late (V-160).
import { Redis } from 'ioredis';
import { fromHex, toHex } from '../../protocol/bytes.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import type { Logger } from '../log.js';
import { decodeEnvelope, decodeLinkEnvelope, encodeEnvelope, encodeLinkEnvelope } from './bus-codec.js';
import type { Bus, BusEvent, BusHandler, BusMessage, LinkPostHandler } from './bus.js';

export interface RedisBusOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  readonly url: string;
  readonly log: Logger;
  /** Longest an auth waits for its room's subscription before going ahead (and the room getting a gap). */
  readonly readyTimeoutMs?: number;
  /** Rooms remembered for a gap while publishing fails; beyond that every room gets one. */
  readonly maxDroppedRooms?: number;
}

const CHANNEL_PREFIX = 'sotto:room:';
/** Heard by every process: every room may have missed something. */
const GAP_ALL_CHANNEL = 'sotto:gap';
/** Heard by every process: device-link mailbox posts. */
const LINK_CHANNEL = 'sotto:link';

/** Longest a command (a publish, a lockout or connection count) waits for Redis. */
const COMMAND_TIMEOUT_MS = 2000;

const roomChannel = (roomHex: string): string => CHANNEL_PREFIX + roomHex;

export class RedisBus implements Bus {
  /** Publishes and commands (the address lockout uses it too); never queues while disconnected. */
  readonly commands: Redis;
  readonly #subscriber: Redis;
  readonly #log: Logger;
  readonly #origin = toHex(randomBytes(16));
  readonly #handlers = new Set<BusHandler>();
  readonly #linkHandlers = new Set<LinkPostHandler>();
  /** Watched rooms and when their subscription took effect. */
  readonly #watched = new Map<string, Promise<void>>();
  /** Watched rooms whose subscription outlasted readyTimeoutMs: they get a gap when it lands. */
  readonly #late = new Set<string>();
  readonly #dropped = new Set<string>();
  #droppedAll = false;
  #subscriberLost = false;
  #reachable = true;
  readonly #reachableListeners = new Set<(reachable: boolean) => void>();
  readonly #readyTimeoutMs: number;
  readonly #maxDroppedRooms: number;

  constructor(options: RedisBusOptions) {
    this.#log = options.log;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 2000;
    this.#maxDroppedRooms = options.maxDroppedRooms ?? 10_000;
    // Publishes fail fast while disconnected (and are remembered for a gap) rather than queue
    // without bound; subscriptions queue, and ioredis renews them on every reconnect.
    // A Redis that hangs rather than refuses must not hold joins and connections: commands time out.
    this.commands = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, commandTimeout: COMMAND_TIMEOUT_MS });
    this.#subscriber = new Redis(options.url, { autoResubscribe: true, maxRetriesPerRequest: null, lazyConnect: false });
    for (const [name, connection] of [['commands', this.commands], ['subscriber', this.#subscriber]] as const) {
      connection.on('error', (error: Error) => this.#log.warn('redis connection error', { connection: name, error: error.name }));
    }
    this.commands.on('ready', () => this.#publishGaps());
    this.#subscriber.on('close', () => {
      this.#subscriberLost = true;
      this.#setReachable(false);
    });
    // ioredis announces 'ready' before it re-sends the subscriptions, so look once it has.
    this.#subscriber.on('ready', () => {
      if (this.#subscriberLost) setImmediate(() => void this.#resubscribed());
    });
    this.#subscriber.on('message', (channel: string, payload: string) => this.#receive(channel, payload));
    this.#subscriber.subscribe(GAP_ALL_CHANNEL, LINK_CHANNEL).catch((error: unknown) => this.#failed('subscribe', error));
  }

  publish(roomId: Uint8Array, message: BusMessage): void {
    this.#deliver(roomId, message);
    this.#send(toHex(roomId), message);
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  watch(roomId: Uint8Array): void {
    const roomHex = toHex(roomId);
    if (this.#watched.has(roomHex)) return;
    const subscribed = this.#subscriber.subscribe(roomChannel(roomHex)).then(
      () => {
        if (this.#late.delete(roomHex) && this.#watched.has(roomHex)) this.#deliver(roomId, { type: 'gap' });
      },
      (error: unknown) => this.#failed('subscribe', error),
    );
    this.#watched.set(roomHex, subscribed);
  }

  unwatch(roomId: Uint8Array): void {
    const roomHex = toHex(roomId);
    if (!this.#watched.delete(roomHex)) return;
    this.#late.delete(roomHex);
    this.#subscriber.unsubscribe(roomChannel(roomHex)).catch((error: unknown) => this.#failed('unsubscribe', error));
  }

  async ready(roomId: Uint8Array): Promise<void> {
    const roomHex = toHex(roomId);
    const subscribed = this.#watched.get(roomHex);
    if (subscribed === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      subscribed.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.#readyTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!inTime) this.#late.add(roomHex);
  }

  publishLinkPost(box: Uint8Array, data: Uint8Array): void {
    if (this.commands.status !== 'ready') {
      this.#failed('publish link post', new Error('redis not ready'));
      return;
    }
    this.commands.publish(LINK_CHANNEL, encodeLinkEnvelope({ origin: this.#origin, box, data })).catch((error: unknown) => this.#failed('publish link post', error));
  }

  subscribeLinkPosts(handler: LinkPostHandler): () => void {
    this.#linkHandlers.add(handler);
    return () => this.#linkHandlers.delete(handler);
  }

  get reachable(): boolean {
    return this.#reachable;
  }

  onReachable(listener: (reachable: boolean) => void): () => void {
    this.#reachableListeners.add(listener);
    return () => this.#reachableListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#reachableListeners.clear();
    this.#handlers.clear();
    this.#linkHandlers.clear();
    this.#watched.clear();
    this.commands.disconnect();
    this.#subscriber.disconnect();
  }

  #deliver(roomId: Uint8Array, event: BusEvent): void {
    for (const handler of this.#handlers) handler(roomId, event);
  }

  #send(roomHex: string, event: BusEvent): void {
    const channel = roomChannel(roomHex);
    const remember = (): void => {
      if (this.#dropped.size < this.#maxDroppedRooms) this.#dropped.add(roomHex);
      else this.#droppedAll = true;
    };
    if (this.commands.status !== 'ready') {
      remember();
      return;
    }
    this.commands.publish(channel, encodeEnvelope({ origin: this.#origin, event })).catch(remember);
  }

  /** The commands connection is back: tell the other processes which rooms' events they missed. */
  #publishGaps(): void {
    const rooms = [...this.#dropped];
    const all = this.#droppedAll;
    this.#dropped.clear();
    this.#droppedAll = false;
    if (all) {
      this.commands.publish(GAP_ALL_CHANNEL, encodeEnvelope({ origin: this.#origin, event: { type: 'gap' } })).catch(() => {
        this.#droppedAll = true;
      });
      return;
    }
    for (const roomHex of rooms) this.#send(roomHex, { type: 'gap' });
  }

  /** ioredis has re-sent the subscriptions; once a round trip confirms them, every watched room had a gap. */
  async #resubscribed(): Promise<void> {
    this.#subscriberLost = false;
    try {
      await this.#subscriber.ping();
    } catch (error) {
      this.#failed('ping', error);
      return;
    }
    this.#log.warn('redis subscriber reconnected', { rooms: this.#watched.size });
    this.#setReachable(true);
    for (const roomHex of this.#watched.keys()) this.#deliver(fromHex(roomHex), { type: 'gap' });
  }

  #setReachable(reachable: boolean): void {
    if (this.#reachable === reachable) return;
    this.#reachable = reachable;
    for (const listener of this.#reachableListeners) listener(reachable);
  }

  #receive(channel: string, payload: string): void {
    if (channel === LINK_CHANNEL) {
      const post = this.#fromOthers(payload, decodeLinkEnvelope, 'decode link post');
      if (post !== undefined) for (const handler of this.#linkHandlers) handler(post.box, post.data);
      return;
    }
    const envelope = this.#fromOthers(payload, decodeEnvelope, 'decode');
    if (envelope === undefined) return;
    if (channel === GAP_ALL_CHANNEL) {
      for (const roomHex of this.#watched.keys()) this.#deliver(fromHex(roomHex), { type: 'gap' });
    } else if (channel.startsWith(CHANNEL_PREFIX)) {
      const roomHex = channel.slice(CHANNEL_PREFIX.length);
      if (this.#watched.has(roomHex)) this.#deliver(fromHex(roomHex), envelope.event);
    }
  }

  /** `payload` decoded, or undefined when it does not decode (logged) or is our own, echoed back. */
  #fromOthers<T extends { readonly origin: string }>(payload: string, decode: (payload: string) => T, what: string): T | undefined {
    let envelope: T;
    try {
      envelope = decode(payload);
    } catch (error) {
      this.#failed(what, error);
      return undefined;
    }
    return envelope.origin === this.#origin ? undefined : envelope;
  }

  #failed(what: string, error: unknown): void {
    this.#log.warn('redis bus operation failed', { what, error: error instanceof Error ? error.name : typeof error });
  }
}
