// This process's sessions, indexed by the rooms they are bound to, and the bus subscriber that
// applies room-scoped decisions (pushes, dropped bindings, admitted joiners) to them, and tells
// every session when the bus stops or starts reaching the other relay processes (V-160).
import { fromHex, toHex } from '../protocol/bytes.js';
import { encodeRelayFrame } from '../protocol/wire/frames.js';
import { RELAY_FRAME } from '../protocol/wire/types.js';
import type { Audience, Bus, BusEvent } from './bus/bus.js';
import type { Binding } from './binding.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { Session } from './session.js';

/**
 * WebSocket "service restart": a client reconnects, re-authenticates and syncs. Sent when the bus
 * reports a gap, since the relay cannot tell which pushes a session missed.
 */
const CATCH_UP_CLOSE = 1012;

function matches(session: Session, binding: Binding, to: Audience): boolean {
  if (session.isNamed(to.exceptSession)) return false;
  if (to.role !== undefined && binding.role !== to.role) return false;
  return to.key === undefined || binding.isKey(to.key);
}

/** A room's bound sessions, with the one copy of the room's name they all keep. */
interface RoomSessions {
  readonly hex: string;
  readonly sessions: Set<Session>;
}

export class SessionRegistry {
  readonly #sessions = new Set<Session>();
  readonly #rooms = new Map<string, RoomSessions>();
  readonly #bus: Bus;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #unsubscribe: () => void;
  readonly #stopHearingBus: () => void;

  constructor(bus: Bus, metrics: Metrics, log: Logger) {
    this.#bus = bus;
    this.#metrics = metrics;
    this.#log = log;
    this.#unsubscribe = bus.subscribe((roomId, message) => this.#apply(toHex(roomId), message));
    this.#stopHearingBus = bus.onReachable((reachable) => {
      this.#log.warn(reachable ? 'bus reachable again: clients told' : 'bus unreachable: clients told messages reach other processes late', { sessions: this.#sessions.size });
      const frame = encodeRelayFrame({ type: 'busStatus', reachable });
      for (const session of this.#sessions) session.tellBus(frame);
    });
  }

  all(): Session[] {
    return [...this.#sessions];
  }

  add(session: Session): void {
    this.#sessions.add(session);
    this.#metrics.connections = this.#sessions.size;
  }

  remove(session: Session): void {
    if (!this.#sessions.delete(session)) return;
    for (const roomHex of session.roomHexes()) this.unbound(roomHex, session);
    this.#metrics.connections = this.#sessions.size;
  }

  /** Returns the registry's own string for the room, for the session to keep instead of its own. */
  bound(roomHex: string, session: Session): string {
    let room = this.#rooms.get(roomHex);
    if (room === undefined) {
      room = { hex: roomHex, sessions: new Set() };
      this.#rooms.set(roomHex, room);
      this.#bus.watch(fromHex(roomHex));
    }
    room.sessions.add(session);
    this.#metrics.sessionsBound++;
    return room.hex;
  }

  unbound(roomHex: string, session: Session): void {
    const set = this.#rooms.get(roomHex)?.sessions;
    if (set === undefined || !set.delete(session)) return;
    if (set.size === 0) {
      this.#rooms.delete(roomHex);
      this.#bus.unwatch(fromHex(roomHex));
    }
    this.#metrics.sessionsBound--;
  }

  stop(): void {
    this.#unsubscribe();
    this.#stopHearingBus();
  }

  #apply(roomHex: string, message: BusEvent): void {
    const set = this.#rooms.get(roomHex)?.sessions;
    if (set === undefined) return;
    if (message.type === 'gap') {
      this.#log.warn('bus gap: sessions reconnect to catch up', { sessions: set.size });
      for (const session of [...set]) session.close(CATCH_UP_CLOSE, 'reconnect and sync');
      return;
    }
    // A push changes no binding, so it walks the set itself: a copy per push was an array per
    // message sent. Other events copy it, as unbinding while iterating would otherwise skip sessions.
    for (const session of message.type === 'push' ? set : [...set]) {
      const binding = session.bindingAt(roomHex);
      if (binding === undefined) continue;
      switch (message.type) {
        case 'push':
          if (matches(session, binding, message.to)) this.#push(session, message.frames);
          break;
        case 'unbind':
          if (message.keys.some((key) => binding.isKey(key))) session.unbindAt(roomHex);
          break;
        case 'promote':
          if (binding.role === 'joiner' && binding.isKey(message.key)) session.bindAt(roomHex, binding.as('member'));
          break;
      }
    }
  }

  #push(session: Session, frames: readonly Uint8Array[]): void {
    try {
      for (const frame of frames) {
        session.send(frame);
        if (frame[1] === RELAY_FRAME.deliver) this.#metrics.messagesOut++;
      }
    } catch (error) {
      this.#log.error('push failed', { error: error instanceof Error ? error.name : typeof error });
    }
  }
}
