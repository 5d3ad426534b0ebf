// Admitting people, as an owner or admin: issuing invites, answering a join request with a welcome,
// and adding the joiner once their confirmation proves they opened it. Each step runs automatically
// from the relay's pushes (re-pushed after a reconnect), so each must be safe to run twice.
import { fromHex, toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import { Secret } from '../crypto/secret.js';
import type { JoinConfirm, JoinRequest, Welcome } from '../wire/join.js';
import { isAdmin, memberOf, ZERO_HASH } from '../membership/roster.js';
import type { ClientContext, ClientParts } from './client-context.js';
import { nextEvent } from './events.js';
import { createInvite as buildInvite, inviteKeyFromToken } from './invite.js';
import { buildWelcome, checkJoinConfirm, openJoinRequest } from './join.js';
import { currentRoster, type RoomState } from './room-state.js';

export class Issuer {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'membership' | 'keys'>;
  /** Joins being answered or admitted, by room and joiner: a push may repeat while one runs. */
  readonly #busy = new Set<string>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'membership' | 'keys'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** Registers an invite with the relay and returns the link payload (`#/join/<link>`). */
  async createInvite(room: RoomState, ttlMs: number): Promise<{ link: string; expiresAt: number }> {
    const roster = currentRoster(room)!;
    if (!isAdmin(roster, room.me.sign.publicKey)) throw new SottoError('NOT_ADMIN', 'only the owner or an admin invites');
    const expiresAt = Date.now() + ttlMs;
    const created = await buildInvite(this.#ctx.suite, room.me.sign, roster, expiresAt);
    // Kept before the relay hears of it: a join may arrive for any invite the relay holds.
    room.invites.set(toHex(created.invite.invitePublicKey), { token: new Secret(created.token), expiresAt });
    await this.#ctx.save();
    await this.#parts.channel.request((rid) => ({ type: 'registerInvite', rid, invite: created.invite }));
    return { link: created.linkPayload, expiresAt };
  }

  async onJoinPending(room: RoomState, request: JoinRequest): Promise<void> {
    const key = `${room.hex}:${toHex(request.joinerSign)}`;
    if (room.status !== 'member' || this.#busy.has(key)) return;
    this.#busy.add(key);
    try {
      const handled = room.joins.get(toHex(request.joinerSign));
      // Pushed again only while the relay lacks our welcome: resend the very same bytes.
      const welcome = handled?.welcome ?? await this.#answerJoin(room, request);
      if (welcome === undefined) return;
      await this.#parts.channel.request((rid) => ({ type: 'welcome', rid, welcome }));
    } finally {
      this.#busy.delete(key);
    }
  }

  async #answerJoin(room: RoomState, request: JoinRequest): Promise<Welcome | undefined> {
    const invite = room.invites.get(toHex(request.invitePublicKey));
    if (invite === undefined) {
      this.#ctx.warn(room, 'INVITE_NOT_FOUND', 'join request for an invite we did not issue');
      return undefined;
    }
    if (invite.expiresAt <= Date.now()) {
      this.#ctx.warn(room, 'INVITE_EXPIRED', 'join request for an expired invite');
      return undefined;
    }
    const inviteKey = await inviteKeyFromToken(this.#ctx.suite, invite.token.expose(), room.roomId);
    const joiningKey = await openJoinRequest(this.#ctx.suite, request, room.me.enc, inviteKey);
    const epoch = room.epochs.get(room.epoch)!;
    const names = [...room.names].map(([sign, name]) => ({ member: fromHex(sign), name }));
    const welcome = await buildWelcome(room.me.sign, request, joiningKey, invite.token.expose(), {
      epoch: room.epoch, epochKey: epoch.key.expose(), rosterHash: epoch.rosterHash ?? ZERO_HASH, roomName: room.name, names,
    });
    room.joins.set(toHex(request.joinerSign), { request, joiningKey: new Secret(joiningKey), welcome, welcomeEpoch: room.epoch });
    joiningKey.fill(0);
    await this.#ctx.save();
    return welcome;
  }

  async onJoinConfirmed(room: RoomState, confirm: JoinConfirm): Promise<void> {
    const { membership, keys } = this.#parts;
    const joiner = toHex(confirm.joinerSign);
    const key = `${room.hex}:${joiner}`;
    const handled = room.joins.get(joiner);
    if (handled === undefined) {
      // A copy of a confirmation whose add has completed (the relay pushes it and also serves it as
      // pending work) is no anomaly; one for someone we never admitted is.
      if (memberOf(currentRoster(room)!, confirm.joinerSign) === undefined) {
        this.#ctx.warn(room, 'JOIN_NOT_FOUND', 'confirmation for a join we did not answer');
      }
      return;
    }
    const invite = room.invites.get(toHex(handled.request.invitePublicKey));
    if (invite === undefined || this.#busy.has(key)) return;
    this.#busy.add(key);
    try {
      await checkJoinConfirm(this.#ctx.suite, confirm, handled.welcome, handled.joiningKey.expose(), invite.token.expose());
      await this.#ctx.exclusive(async () => {
        await membership.withLogRetry(room, async () => {
          const roster = currentRoster(room)!;
          if (memberOf(roster, handled.request.joinerSign) !== undefined) return;
          const event = await nextEvent(room.me.sign, roster, {
            kind: 'add', subjectSign: handled.request.joinerSign, subjectEnc: handled.request.joinerEnc, role: 'member',
            invitePublicKey: handled.request.invitePublicKey,
          });
          await membership.append(room, event);
        });
        // A welcome from an older epoch leaves the new member without the current key: rotate.
        if (handled.welcomeEpoch !== room.epoch) await keys.rotateWithRetry(room, () => true);
      });
    } finally {
      this.#busy.delete(key);
    }
  }
}
