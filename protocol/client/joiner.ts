// Joining a room through an invite link, as the joiner: request → welcome → confirmation → our add
// event makes us a member. The crypto of each step is join.ts; this file sequences the steps, keeps
// what each one learned, and reports them as `join` events (requested → welcomed → confirmed → member).
import { toHex } from '../bytes.js';
import { SottoError, isSottoError } from '../errors.js';
import { Secret } from '../crypto/secret.js';
import { parseInviteLink } from '../wire/invite.js';
import type { Welcome } from '../wire/join.js';
import { applyEvent, type Roster } from '../membership/roster.js';
import { errorDetail, errorName, type ClientContext, type ClientParts } from './client-context.js';
import { inviteKeyFromToken, verifyInviteInfo } from './invite.js';
import { buildJoinConfirm, buildJoinRequest, openWelcome } from './join.js';
import { generateMemberKeys } from './member-keys.js';
import { appendVerified, newRoomState, type RoomState } from './room-state.js';
import { roomView } from './views.js';

export class Joiner {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'binding' | 'outbox'>;
  /** Rooms whose welcome is being handled: the relay re-pushes it after every joiner auth. */
  readonly #busy = new Set<string>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'binding' | 'outbox'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /**
   * Asks to join through an invite link and returns the room id once the relay holds the request.
   * The rest (welcome, confirmation, admission) follows from pushes: watch `join` events.
   */
  async join(link: string, displayName: string): Promise<string> {
    const { channel } = this.#parts;
    const suite = this.#ctx.suite;
    const parsed = parseInviteLink(link);
    const hex = toHex(parsed.roomId);
    if (this.#ctx.rooms.has(hex)) throw new SottoError('ROOM_EXISTS', 'already in this room');
    const inviteKey = await inviteKeyFromToken(suite, parsed.token, parsed.roomId);
    const info = await channel.request((rid) => ({ type: 'getInvite', rid, roomId: parsed.roomId, invitePublicKey: inviteKey.publicKey }));
    if (info.type !== 'inviteInfo') throw new SottoError('UNEXPECTED_FRAME', info.type);
    const verified = await verifyInviteInfo(suite, parsed, info.invite, info.events);
    const me = await generateMemberKeys(suite);
    const { request, joiningKey } = await buildJoinRequest(suite, verified, me);
    const room = newRoomState(parsed.roomId, me, 'joining', '', displayName);
    let roster: Roster | undefined;
    for (const event of info.events) {
      roster = await applyEvent(suite, roster, event);
      appendVerified(room, event, roster);
    }
    room.join = {
      token: new Secret(parsed.token), invitePublicKey: inviteKey.publicKey, issuer: verified.invite.issuer,
      joiningKey: new Secret(joiningKey), state: 'requested',
    };
    joiningKey.fill(0);
    this.#ctx.rooms.set(hex, room);
    await this.#ctx.save();
    try {
      await channel.request((rid) => ({ type: 'joinRequest', rid, request }));
    } catch (error) {
      this.#ctx.rooms.delete(hex);
      await this.#ctx.save();
      throw error;
    }
    this.#ctx.emit({ type: 'join', roomId: hex, state: 'requested' });
    this.#ctx.emit({ type: 'room', room: roomView(room) });
    await this.#parts.binding.bindAndSync(room).catch((error: unknown) => this.#ctx.warn(room, errorName(error), errorDetail(error)));
    return hex;
  }

  /** Welcome → joinConfirm. Re-pushed after every joiner auth, so it must be idempotent. */
  async onWelcome(room: RoomState, welcome: Welcome): Promise<void> {
    const join = room.join;
    if (join === undefined || (join.state !== 'requested' && join.state !== 'welcomed') || this.#busy.has(room.hex)) return;
    this.#busy.add(room.hex);
    try {
      if (join.state === 'requested') {
        const payload = await openWelcome(this.#ctx.suite, welcome, join.issuer, join.joiningKey.expose(), join.token.expose());
        room.epochs.set(payload.epoch, {
          key: new Secret(payload.epochKey), rosterHash: payload.rosterHash, logLength: undefined, startedAt: Date.now(), rotationHash: undefined,
        });
        payload.epochKey.fill(0);
        room.epoch = payload.epoch;
        room.name = payload.roomName;
        for (const entry of payload.names) room.names.set(toHex(entry.member), entry.name);
        join.state = 'welcomed';
        this.#ctx.emit({ type: 'join', roomId: room.hex, state: 'welcomed' });
        // The epoch key is on disk before we confirm: a restart must not lose what we confirmed.
        await this.#ctx.save();
      }
      const confirm = await buildJoinConfirm(room.me.sign, welcome, join.joiningKey.expose(), join.token.expose());
      try {
        await this.#parts.channel.request((rid) => ({ type: 'joinConfirm', rid, confirm }));
      } catch (error) {
        // A confirmation from before a lost ack is already stored; ours differs only in its nonce.
        if (!isSottoError(error, 'JOIN_STATE')) throw error;
      }
      // Our add event may already have made us a member while the confirmation was in flight.
      if (join.state === 'welcomed') {
        join.state = 'confirmed';
        this.#ctx.emit({ type: 'join', roomId: room.hex, state: 'confirmed' });
        this.#ctx.emit({ type: 'room', room: roomView(room) });
        await this.#ctx.save();
      }
    } finally {
      this.#busy.delete(room.hex);
    }
  }

  /** Our add event arrived: bind as member, catch up, announce our name. */
  async becomeMember(room: RoomState): Promise<void> {
    await this.#ctx.save();
    if (this.#parts.channel.conn !== undefined) {
      await this.#parts.binding.auth(room, 'member');
      await this.#parts.binding.catchUp(room);
    }
    if (room.displayName !== '') {
      const queued = await this.#ctx.exclusive(() => this.#parts.outbox.enqueueContent(room, { type: 'profile', time: Date.now(), text: room.displayName }));
      this.#ctx.background(queued.done, room);
    }
  }
}
