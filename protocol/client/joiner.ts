// Joining a room through an invite link, as the joiner: request, then the issuer's commit (our add,
// the rotation that starts our first epoch, our welcome) makes us a member once we have checked it.
// The crypto of each step is join.ts; this file sequences the steps and reports them as `join`
// events (requested → member). A join request whose answer is lost (the relay process died, or its
// storage was away) goes again, the same bytes, for a bounded time: the relay answers a repeat as it
// answered the first (V-110), so a request it did store is not refused as INVITE_USED.
import { bytesEqual, toHex } from '../bytes.js';
import { SottoError, isSottoError } from '../errors.js';
import { Secret } from '../crypto/secret.js';
import type { InviteLink } from '../wire/invite.js';
import type { RelayFrame } from '../wire/frames.js';
import type { SigningKey } from '../crypto/suite.js';
import type { Welcome, WelcomePayload } from '../wire/join.js';
import { applyEvent, eventHash, type Roster } from '../membership/roster.js';
import { rosterFromCheckpoint } from '../membership/checkpoint.js';
import { personCount } from '../membership/persons.js';
import { Backoff, pause } from './backoff.js';
import { errorDetail, errorName, isRetryable, type ClientContext, type ClientParts } from './client-context.js';
import { inviteKeyFromToken, readInviteLink, verifyInviteInfo, type InvitePreview, type VerifiedInvite } from './invite.js';
import { fingerprint } from './fingerprint.js';
import { buildJoinConfirm, buildJoinRequest, openWelcome } from './join.js';
import { generateMemberKeys } from './member-keys.js';
import { appendVerified, eventAt, newRoomState, setName, type RoomState } from './room-state.js';
import { memberViews, roomView } from './views.js';
import { safeName } from './display-name.js';

/** How long a join keeps asking while its answers are lost or the relay's storage is away. */
export const DEFAULT_JOIN_GIVE_UP_MS = 60_000;

type InviteInfoFrame = Extract<RelayFrame, { type: 'inviteInfo' }>;

export class Joiner {
  readonly #ctx: ClientContext;
  readonly #parts: Pick<ClientParts, 'channel' | 'binding' | 'outbox' | 'sync'>;
  /** Rooms whose welcome is being opened: the relay re-pushes it after every auth. */
  readonly #busy = new Set<string>();
  /**
   * Opened welcomes whose add or epoch key has not reached us yet. Kept in memory only: until we
   * confirm it the relay hands the welcome out again on every auth, so a restart loses nothing.
   */
  readonly #welcomes = new Map<string, { readonly welcome: Welcome; readonly payload: WelcomePayload }>();

  constructor(ctx: ClientContext, parts: Pick<ClientParts, 'channel' | 'binding' | 'outbox' | 'sync'>) {
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
    const backoff = new Backoff({ firstMs: 500, maxMs: 5_000, giveUpMs: this.#ctx.options.joinGiveUpMs ?? DEFAULT_JOIN_GIVE_UP_MS });
    const { parsed, hex, inviteKey, info, verified } = await this.#retrying(backoff, () => this.#fetch(link));
    const me = await generateMemberKeys(suite);
    const { request, joiningKey } = await buildJoinRequest(suite, verified, me);
    const room = newRoomState(parsed.roomId, me, 'joining', '', displayName);
    // A long room's log starts at the owner's checkpoint, verified above against the link (§8.4).
    room.base = info.checkpoint === undefined ? undefined : { checkpoint: info.checkpoint, roster: rosterFromCheckpoint(info.checkpoint) };
    let roster: Roster | undefined = room.base?.roster;
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
      await this.#retrying(backoff, async () => {
        this.#ctx.rooms.set(hex, room);
        try {
          await channel.request((rid) => ({ type: 'joinRequest', rid, request }));
        } catch (error) {
          // Out of the rooms while we wait: a reconnect must not bind a join the relay may not hold.
          this.#ctx.rooms.delete(hex);
          throw error;
        }
      });
    } catch (error) {
      await this.#ctx.save();
      throw error;
    }
    this.#ctx.emit({ type: 'join', roomId: hex, state: 'requested' });
    this.#ctx.emit({ type: 'room', room: roomView(room) });
    await this.#parts.binding.bindAndSync(room).catch((error: unknown) => this.#ctx.warn(room, errorName(error), errorDetail(error)));
    return hex;
  }

  /**
   * `step`, again after a backoff while it fails with a retryable error (the connection or the
   * relay's storage went away) and the bound allows; then its last error, which says which.
   */
  async #retrying<T>(backoff: Backoff, step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (error) {
        const delay = isRetryable(error) ? backoff.next() : undefined;
        if (delay === undefined) throw error;
        await pause(delay).done;
        await this.#parts.channel.whenOnline(this.#ctx.options.joinGiveUpMs ?? DEFAULT_JOIN_GIVE_UP_MS).catch(() => {
          throw error;
        });
      }
    }
  }

  /**
   * What a link leads to, checked as a join checks it (the log rooted in the link's owner key, the
   * invite signed by a current owner or admin, its key derived from the link's token and hints)
   * and nothing sent but the relay's lookup: the landing page shows it before "Join room".
   */
  async preview(link: string): Promise<InvitePreview> {
    const { parsed, hex, verified } = await this.#fetch(link);
    return {
      roomId: hex,
      roomName: parsed.hints === undefined ? undefined : safeName(parsed.hints.roomName),
      inviterName: parsed.hints === undefined ? undefined : safeName(parsed.hints.inviterName),
      inviterFingerprint: fingerprint(verified.invite.issuer),
      inviterRole: verified.issuer.role === 'owner' ? 'owner' : 'admin',
      expiresAt: verified.invite.expiresAt,
      people: personCount(verified.roster),
    };
  }

  async #fetch(link: string): Promise<{ parsed: InviteLink; hex: string; inviteKey: SigningKey; info: InviteInfoFrame; verified: VerifiedInvite }> {
    const suite = this.#ctx.suite;
    const parsed = readInviteLink(link);
    const hex = toHex(parsed.roomId);
    if (this.#ctx.rooms.has(hex)) throw new SottoError('ROOM_EXISTS', 'already in this room');
    const inviteKey = await inviteKeyFromToken(suite, parsed.token, parsed.roomId);
    const info = await this.#parts.channel.request((rid) => ({ type: 'getInvite', rid, roomId: parsed.roomId, invitePublicKey: inviteKey.publicKey }));
    if (info.type !== 'inviteInfo') throw new SottoError('UNEXPECTED_FRAME', info.type);
    const verified = await verifyInviteInfo(suite, parsed, info.invite, info.checkpoint, info.events);
    return { parsed, hex, inviteKey, info, verified };
  }

  /**
   * Our welcome, pushed with the add that admits us and again after every auth until we confirm it.
   * Opened, it names where our add sits in the log; we become a member only once the log we hold
   * has that add there and we hold the key of the epoch it started (V-67). Until then we sync.
   */
  async onWelcome(room: RoomState, welcome: Welcome): Promise<void> {
    const join = room.join;
    if (join === undefined || this.#busy.has(room.hex)) return;
    if (join.state === 'member') {
      await this.#confirm(room, welcome);
      return;
    }
    this.#busy.add(room.hex);
    try {
      const payload = await openWelcome(this.#ctx.suite, welcome, join.issuer, join.joiningKey.expose(), join.token.expose());
      this.#welcomes.set(room.hex, { welcome, payload });
      if (!this.#admitted(room, payload)) await this.#parts.sync.sync(room);
      this.admitIfWelcomed(room);
    } finally {
      this.#busy.delete(room.hex);
    }
  }

  /**
   * Becomes a member once the opened welcome's add and epoch are both in hand: called when the
   * welcome opens and whenever an event or a rotation arrives while we are joining.
   */
  admitIfWelcomed(room: RoomState): void {
    const held = this.#welcomes.get(room.hex);
    const join = room.join;
    if (held === undefined || join === undefined || join.state === 'member' || !this.#admitted(room, held.payload)) return;
    const { payload, welcome } = held;
    this.#welcomes.delete(room.hex);
    room.status = 'member';
    join.state = 'member';
    // The issuer's client sanitized these too, but a hostile issuer need not have (V-18).
    room.name = safeName(payload.roomName);
    for (const entry of payload.names) setName(room, toHex(entry.member), entry.name);
    this.#ctx.emit({ type: 'room', room: roomView(room) });
    this.#ctx.emit({ type: 'members', roomId: room.hex, members: memberViews(room) });
    this.#ctx.background(this.#becomeMember(room, welcome), room);
  }

  /** Whether our log has our add where the welcome says, and we hold the key of the epoch it started. */
  #admitted(room: RoomState, payload: WelcomePayload): boolean {
    const add = eventAt(room, payload.addIndex);
    if (add === undefined) return false;
    if (add.kind !== 'add' || !bytesEqual(add.subjectSign, room.me.sign.publicKey) || !bytesEqual(eventHash(add), payload.addHash)) {
      this.#ctx.warn(room, 'BAD_CHAIN', `the welcome names event ${payload.addIndex}, which is not our add`);
      this.#welcomes.delete(room.hex);
      return false;
    }
    const epoch = room.epochs.get(payload.epoch);
    return epoch !== undefined && epoch.logLength === payload.addIndex + 1;
  }

  /**
   * Tells the relay the welcome arrived (it stops handing it out); a repeat is harmless. Then the
   * join's secrets are wiped: the join secret they derive opens our entry of the rotation our add
   * committed (§6), which the relay keeps, so a keystore stolen later must not hold them (V-92).
   */
  async #confirm(room: RoomState, welcome: Welcome): Promise<void> {
    const join = room.join;
    if (join === undefined) return;
    const confirm = await buildJoinConfirm(room.me.sign, welcome, join.joiningKey.expose(), join.token.expose());
    try {
      await this.#parts.channel.request((rid) => ({ type: 'joinConfirm', rid, confirm }));
    } catch (error) {
      // A confirmation from before a lost ack is already stored; ours differs only in its nonce.
      if (!isSottoError(error, 'JOIN_STATE')) throw error;
    }
    join.token.wipe();
    join.joiningKey.wipe();
    room.join = undefined;
    this.#ctx.saveSoon(room);
  }

  /** Admitted: our name queued first, then saved, bound as a member, caught up, the welcome confirmed. */
  async #becomeMember(room: RoomState, welcome: Welcome): Promise<void> {
    // Queued first, before anything the person writes now that the room is theirs, so our name
    // precedes our first message and is saved with the admission.
    if (room.displayName !== '') {
      const queued = await this.#ctx.exclusive(() => this.#parts.outbox.enqueueContent(room, { type: 'profile', time: Date.now(), text: room.displayName }));
      this.#ctx.background(queued.done, room);
    }
    await this.#ctx.save();
    if (this.#parts.channel.conn !== undefined) {
      await this.#parts.binding.auth(room, 'member', room.me.sign);
      await this.#parts.binding.catchUp(room);
    }
    await this.#confirm(room, welcome);
    // Told last: whoever waits for it (the CLI's join) may stop the client once it arrives.
    this.#ctx.emit({ type: 'join', roomId: room.hex, state: 'member' });
  }
}
