// Admitting people, as an owner or admin: issuing invites, and answering a join request with the
// commit that admits the joiner: add, rotation and welcome in one appendEvent. It runs from the
// relay's pushes (re-pushed after a reconnect), so it must be safe to run twice.
import { fromHex, toHex } from '../bytes.js';
import { SottoError } from '../errors.js';
import { randomBytes } from '../crypto/random.js';
import { Secret } from '../crypto/secret.js';
import type { JoinRequest } from '../wire/join.js';
import type { HistorySetting } from '../wire/membership.js';
import type { Rotation } from '../wire/rotation.js';
import { isAdmin, memberOf, nextRoster } from '../membership/roster.js';
import type { ClientContext, ClientParts } from './client-context.js';
import { nextEvent } from './events.js';
import { createInvite as buildInvite, inviteKeyFromToken } from './invite.js';
import { buildWelcome, openJoinRequest } from './join.js';
import { currentRoster, type RoomState } from './room-state.js';
import { buildRotation } from './rotation.js';
import { joinSecret, rotationPsks } from './epoch-keys.js';
import { buildShares, sharedMessages } from './history-sharing.js';
import { messageViews } from './views.js';

export class Issuer {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'membership' | 'keys' | 'outbox'>;
  /** Joins being answered or admitted, by room and joiner: a push may repeat while one runs. */
  readonly #busy = new Set<string>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'membership' | 'keys' | 'outbox'>) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  /** Registers an invite with the relay and returns the link payload (`#/join/<link>`). */
  async createInvite(room: RoomState, ttlMs: number): Promise<{ link: string; expiresAt: number }> {
    const roster = currentRoster(room)!;
    if (!isAdmin(roster, room.me.sign.publicKey)) throw new SottoError('NOT_ADMIN', 'only the owner or an admin invites');
    const expiresAt = Date.now() + ttlMs;
    // The names go into the link's fragment, bound to its token, so the invited see them first.
    const created = await buildInvite(this.#ctx.suite, room.me.sign, roster, expiresAt, { roomName: room.name, inviterName: room.displayName });
    // Kept before the relay hears of it: a join may arrive for any invite the relay holds.
    room.invites.set(toHex(created.invite.invitePublicKey), { token: new Secret(created.token), expiresAt });
    await this.#ctx.save();
    await this.#parts.channel.request((rid) => ({ type: 'registerInvite', rid, invite: created.invite }));
    return { link: created.linkPayload, expiresAt };
  }

  /**
   * A join request for one of our invites: admitted at once with one commit (docs/protocol.md
   * §8.2), the add event, the rotation that starts the joiner's first epoch and the welcome
   * together. Pushed again after every auth while the relay has no add for it, so it must be safe
   * to run twice: a joiner already in the log is left alone.
   */
  async onJoinPending(room: RoomState, request: JoinRequest): Promise<void> {
    const key = `${room.hex}:${toHex(request.joinerSign)}`;
    if (room.status !== 'member' || this.#busy.has(key)) return;
    this.#busy.add(key);
    try {
      // A copy of a request whose add has committed (pushed, and served again as pending work).
      if (memberOf(currentRoster(room)!, request.joinerSign) !== undefined) return;
      const invite = room.invites.get(toHex(request.invitePublicKey));
      if (invite === undefined) {
        this.#ctx.warn(room, 'INVITE_NOT_FOUND', 'join request for an invite we did not issue');
        return;
      }
      if (invite.expiresAt <= Date.now()) {
        this.#ctx.warn(room, 'INVITE_EXPIRED', 'join request for an expired invite');
        return;
      }
      const inviteKey = await inviteKeyFromToken(this.#ctx.suite, invite.token.expose(), room.roomId);
      const joiningKey = await openJoinRequest(this.#ctx.suite, request, room.me.enc, inviteKey);
      try {
        await this.#ctx.exclusive(() => this.#parts.membership.withLogRetry(room, () => this.#admit(room, request, joiningKey, invite.token.expose())));
      } finally {
        joiningKey.fill(0);
      }
    } finally {
      this.#busy.delete(key);
    }
  }

  async #admit(room: RoomState, request: JoinRequest, joiningKey: Uint8Array, token: Uint8Array): Promise<void> {
    const roster = currentRoster(room)!;
    if (memberOf(roster, request.joinerSign) !== undefined) return;
    const add = await nextEvent(room.me.sign, roster, {
      kind: 'add', subjectSign: request.joinerSign, subjectEnc: request.joinerEnc, role: 'member', invitePublicKey: request.invitePublicKey,
    });
    const after = nextRoster(roster, add);
    const epoch = room.epoch + 1;
    const key = randomBytes(32);
    // The joiner's entry opens with its encryption key and the join secret only it and we hold (§6).
    const secret = joinSecret(joiningKey, token);
    let rotation: Rotation;
    try {
      rotation = await buildRotation(this.#ctx.suite, room.me.sign, after, epoch, key, rotationPsks(room, { sign: request.joinerSign, secret }));
    } finally {
      secret.fill(0);
    }
    // Names of the members the joiner will see, and no one else's (issue 14, problem 8).
    const names = [...room.names].filter(([sign]) => after.members.has(sign)).map(([sign, name]) => ({ member: fromHex(sign), name }));
    const welcome = await buildWelcome(room.me.sign, request, joiningKey, token, {
      addIndex: add.index, addHash: after.headHash, epoch, roomName: room.name, names,
    });
    await this.#parts.channel.request((rid) => ({ type: 'appendEvent', rid, event: add, rotation, welcome }), async () => {
      await this.#parts.membership.acceptEvent(room, add);
      this.#parts.keys.storeEpoch(room, rotation, key, after);
    });
    await this.#shareHistory(room, request.joinerSign, add.index, epoch, after.settings.history);
  }

  /**
   * What the room's history setting lets the joiner see of the messages before its add (§8.6),
   * re-sealed for it as messages of its first epoch: we read those with keys it never gets.
   * Run inside the admission's operation.
   */
  async #shareHistory(room: RoomState, joiner: Uint8Array, addIndex: number, epoch: number, history: HistorySetting): Promise<void> {
    // Shared as they read now (§9.1): edited texts, nothing deleted; with their counters, what replies
    // name, attachments' references and the reactions to them, so they fold at the joiner as here.
    const timeline = messageViews(room).filter((m) => m.epoch < epoch);
    const held = room.messages.filter((m) => m.epoch < epoch);
    for (const share of buildShares(joiner, addIndex, sharedMessages(timeline, held, history))) {
      const queued = await this.#parts.outbox.enqueueContent(room, { type: 'history', time: Date.now(), share });
      this.#ctx.background(queued.done, room);
    }
  }
}
