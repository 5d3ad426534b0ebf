// Binding rooms to a connection: each room authenticates (as member, or as joiner while its join is
// pending) with a signature over the handshake hash, then catches up before its outbox may flow.
import { concat } from '../bytes.js';
import { SottoError, isSottoError } from '../errors.js';
import { labeled } from '../crypto/signing.js';
import type { SigningKey } from '../crypto/suite.js';
import { AUTH_ROLE, type AuthRole } from '../wire/frames.js';
import { errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { expectOk } from './relay-channel.js';
import type { Answer } from './requests.js';
import type { RoomState } from './room-state.js';

export class RoomBinding {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'inbound' | 'sync' | 'outbox' | 'drops' | 'keys' | 'updates' | 'restore'>;

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'inbound' | 'sync' | 'outbox' | 'drops' | 'keys' | 'updates' | 'restore'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** Binds every live room on a fresh connection (all auth frames leave in one message). */
  /** Binds every room; STORE_UNAVAILABLE if any could not be (the connector then tries a new connection later). */
  async bindAll(): Promise<void> {
    let storeAway = false;
    await Promise.all([...this.#ctx.rooms.values()].map(async (room) => {
      try {
        await this.#bind(room);
      } catch (error) {
        if (isSottoError(error, 'STORE_UNAVAILABLE')) storeAway = true;
        else if (errorName(error) !== 'CLOSED') this.#ctx.warn(room, errorName(error), `binding the room: ${errorDetail(error)}`);
      }
    }));
    if (storeAway) throw new SottoError('STORE_UNAVAILABLE', 'binding rooms');
  }

  /** For a room this client just created or asked to join while online. */
  async bindAndSync(room: RoomState): Promise<void> {
    if (this.#parts.channel.conn === undefined) return; // the next connection binds every room
    const role = await this.#bind(room);
    if (role === 'member') await this.catchUp(room);
  }

  /** Auth as member, or as joiner while our join is pending; undefined for rooms we are out of. */
  async #bind(room: RoomState): Promise<AuthRole | undefined> {
    if (room.status === 'left' || room.status === 'removed') return undefined;
    // A joiner binds as one until its add commits; after that the relay knows it as a member.
    const order: AuthRole[] = room.status === 'member' ? ['member'] : ['joiner', 'member'];
    let last: unknown;
    for (const role of order) {
      try {
        await this.auth(room, role, room.me.sign);
        return role;
      } catch (error) {
        last = error;
        if (!isSottoError(error, 'NOT_MEMBER') && !isSottoError(error, 'JOIN_NOT_FOUND')) throw error;
      }
    }
    // Our key update committed while its ack was lost: the relay knows us by the new key, and the
    // sync that follows serves the update, which makes it ours (§8.5).
    if (room.keyUpdate !== undefined && isSottoError(last, 'NOT_MEMBER')) {
      await this.auth(room, 'member', room.keyUpdate.sign);
      return 'member';
    }
    throw last;
  }

  async auth(room: RoomState, role: AuthRole, key: SigningKey): Promise<void> {
    const channel = this.#parts.channel;
    const conn = channel.conn;
    if (conn === undefined) throw new SottoError('CLOSED');
    const publicKey = key.publicKey;
    const signature = await key.sign(labeled('sigSession', concat(conn.handshakeHash, room.roomId, Uint8Array.of(AUTH_ROLE[role]), publicKey)));
    const inbound = this.#parts.inbound;
    // A member's answer names the room's restore seq (§10.1): taken in before any push of the room,
    // and the relay may push before it answers.
    inbound.holdFrames(room);
    try {
      expectOk(await channel.requestOn(conn, (rid) => ({ type: 'auth', rid, roomId: room.roomId, role, publicKey, signature }), async (answer: Answer) => {
        if (answer.type === 'ok' && role === 'member') this.#parts.restore.onRestorePoint(room, answer.value);
        await inbound.releaseFrames(room);
      }));
    } finally {
      inbound.enqueue(() => inbound.releaseFrames(room));
    }
  }

  async catchUpAll(): Promise<void> {
    await Promise.all([...this.#ctx.rooms.values()].map((room) => this.catchUp(room)));
  }

  /** After binding: sync, then let the outbox flow, then see whether a rotation is due. */
  async catchUp(room: RoomState): Promise<void> {
    // A joining room syncs too: bound as a member, its add and first epoch may be waiting.
    if (room.status !== 'member' && room.status !== 'joining') return;
    const conn = this.#parts.channel.conn;
    try {
      await this.#parts.sync.sync(room);
    } catch (error) {
      // Not caught up, so not ready: a new connection (after the connector's backoff) tries again.
      if (isSottoError(error, 'STORE_UNAVAILABLE')) conn?.close();
      else if (!isSottoError(error, 'NOT_AUTHENTICATED') && !isSottoError(error, 'CLOSED')) this.#ctx.warn(room, errorName(error), `sync: ${errorDetail(error)}`);
      return;
    }
    if (room.status !== 'member' || conn === undefined || this.#parts.channel.conn !== conn) return;
    try {
      // What a restored relay lost goes back before anything new is sent or rotated.
      await this.#parts.restore.heal(room);
    } catch (error) {
      if (isSottoError(error, 'STORE_UNAVAILABLE')) conn.close();
      else if (!isSottoError(error, 'CLOSED')) this.#ctx.warn(room, errorName(error), `handing back what the restored relay lost: ${errorDetail(error)}`);
      return;
    }
    if (this.#parts.channel.conn !== conn) return;
    this.#ctx.ready.add(room.hex);
    this.#parts.outbox.kickPump(room);
    // Drops a lost connection or a restart left pending, and those a restored relay lost (§9.1.1).
    this.#ctx.background(this.#parts.drops.flush(room), room);
    this.#parts.keys.maybeRotate(room);
    this.#parts.updates.afterConnect(room);
  }
}
