// Signed records and small flows for relay tests, built with the real wire encoders and signatures.
// The relay never opens ciphertext, so sealed keys and message bodies here are random bytes.
import { concat } from '../../protocol/bytes.js';
import { errorNameOf } from '../../protocol/errors.js';
import { eventHash, nextRoster, ZERO_HASH, type Roster } from '../../protocol/membership/roster.js';
import { buildCheckpoint } from '../../protocol/membership/checkpoint.js';
import type { Checkpoint } from '../../protocol/wire/checkpoint.js';
import { randomBytes } from '../../protocol/crypto/random.js';
import { detectSuite } from '../../protocol/crypto/select-suite.js';
import { labeled, signRecord } from '../../protocol/crypto/signing.js';
import type { SigningKey } from '../../protocol/crypto/suite.js';
import { AUTH_ROLE, type AuthRole, type ClientFrame, type RelayFrame } from '../../protocol/wire/frames.js';
import { decodeInvite, encodeInviteUnsigned, type Invite } from '../../protocol/wire/invite.js';
import {
  decodeJoinConfirm, decodeJoinRequest, decodeWelcome, encodeJoinConfirmUnsigned, encodeJoinRequestUnsigned, encodeWelcomeUnsigned,
  type JoinConfirm, type JoinRequest, type Welcome,
} from '../../protocol/wire/join.js';
import { decodeMemberEvent, encodeMemberEventUnsigned, keyUpdateProofBytes, type EventKind, type MemberEvent, type Role } from '../../protocol/wire/membership.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned, type MessageRecord } from '../../protocol/wire/message.js';
import { decodeRotation, encodeRotationUnsigned, type Rotation } from '../../protocol/wire/rotation.js';
import { SIZE } from '../../protocol/wire/types.js';
import type { RawClient } from '../helpers/raw-client.js';

export interface Identity {
  readonly key: SigningKey;
  readonly sign: Uint8Array;
  readonly enc: Uint8Array;
}

export async function identity(): Promise<Identity> {
  const key = await (await detectSuite()).signingKeyFromSeed(randomBytes(32));
  return { key, sign: key.publicKey, enc: randomBytes(32) };
}

export async function signingKey(): Promise<SigningKey> {
  return (await detectSuite()).signingKeyFromSeed(randomBytes(32));
}

export async function authFrame(client: RawClient, roomId: Uint8Array, role: AuthRole, who: Identity): Promise<ClientFrame> {
  const signature = await who.key.sign(labeled('sigSession', client.handshakeHash, roomId, Uint8Array.of(AUTH_ROLE[role]), who.sign));
  return { type: 'auth', rid: client.nextRid(), roomId, role, publicKey: who.sign, signature };
}

/** The error name an answer carries, or its frame type when it is not an error. */
export function outcome(frame: RelayFrame): string {
  return frame.type === 'error' ? errorNameOf(frame.code) ?? `code ${frame.code}` : frame.type;
}

/** A room's log as the test sees it, to build the next event and rotations against. */
export class RoomModel {
  readonly roomId = randomBytes(SIZE.roomId);
  readonly events: MemberEvent[] = [];
  epoch = 0;

  get head(): Uint8Array {
    const last = this.events[this.events.length - 1];
    return last === undefined ? ZERO_HASH : eventHash(last);
  }

  async genesis(owner: Identity): Promise<MemberEvent> {
    return this.event(owner, 'create', owner, 'owner');
  }

  /** The next event after the log so far (not appended until `accept`). */
  async event(issuer: Identity, kind: EventKind, subject: { sign: Uint8Array; enc: Uint8Array }, role: Role, invitePublicKey?: Uint8Array): Promise<MemberEvent> {
    const unsigned = encodeMemberEventUnsigned({
      roomId: this.roomId, index: this.events.length, prevHash: this.head, kind, time: Date.now(),
      issuer: issuer.sign, subjectSign: subject.sign, subjectEnc: subject.enc, role,
      ...(invitePublicKey === undefined ? {} : { invitePublicKey }),
    });
    return decodeMemberEvent(await signRecord(issuer.key, 'sigMemberEvent', unsigned));
  }

  /**
   * `member`'s key update to `next` (§8.5), signed by `issuer` (the member itself, unless a test
   * says otherwise) and proved by `prover` (next's key, unless a test says otherwise).
   */
  async update(member: Identity, next: Identity, role: Role, issuer: Identity = member, prover: SigningKey = next.key): Promise<MemberEvent> {
    const proof = await prover.sign(labeled('sigKeyUpdate', keyUpdateProofBytes(this.roomId, this.events.length, this.head, member.sign, next.sign, next.enc)));
    const unsigned = encodeMemberEventUnsigned({
      roomId: this.roomId, index: this.events.length, prevHash: this.head, kind: 'update', time: Date.now(),
      issuer: issuer.sign, subjectSign: member.sign, subjectEnc: member.enc, role, update: { sign: next.sign, enc: next.enc, proof },
    });
    return decodeMemberEvent(await signRecord(issuer.key, 'sigMemberEvent', unsigned));
  }

  accept(event: MemberEvent): void {
    this.events.push(event);
  }

  /** The roster after the log so far and `next`, if given. */
  roster(next?: MemberEvent): Roster {
    let roster: Roster | undefined;
    for (const event of next === undefined ? this.events : [...this.events, next]) roster = nextRoster(roster, event);
    return roster!;
  }

  /** Signing keys of the members after the log so far and `next`, if given. */
  members(next?: MemberEvent): Uint8Array[] {
    return [...this.roster(next).members.values()].map((m) => m.sign);
  }

  /** A checkpoint of the log so far, signed by `issuer` (the owner, for one the relay takes). */
  checkpoint(issuer: Identity): Promise<Checkpoint> {
    return buildCheckpoint(issuer.key, this.roster());
  }

  /** A rotation to `epoch` for the roster at (logLength, rosterHash), sealed to `members`. */
  async rotation(issuer: Identity, epoch: number, members: readonly Uint8Array[], logLength = this.events.length, rosterHash = this.head): Promise<Rotation> {
    const unsigned = encodeRotationUnsigned({
      roomId: this.roomId, epoch, logLength, rosterHash, issuer: issuer.sign, time: Date.now(),
      entries: members.map((member) => ({ member, sealedKey: randomBytes(SIZE.sealedSecret) })),
    });
    return decodeRotation(await signRecord(issuer.key, 'sigRotation', unsigned));
  }

  async invite(issuer: Identity, inviteKey: SigningKey, expiresAt = Date.now() + 3600_000): Promise<Invite> {
    const unsigned = encodeInviteUnsigned({ roomId: this.roomId, invitePublicKey: inviteKey.publicKey, issuer: issuer.sign, expiresAt });
    return decodeInvite(await signRecord(issuer.key, 'sigInvite', unsigned));
  }

  /** Signed by the invite key and by the joiner; `inviteSigner` lets a test prove with the wrong key. */
  async joinRequest(inviteKey: SigningKey, joiner: Identity, inviteSigner: SigningKey = inviteKey): Promise<JoinRequest> {
    const unsigned = encodeJoinRequestUnsigned({
      roomId: this.roomId, invitePublicKey: inviteKey.publicKey, joinerSign: joiner.sign, joinerEnc: joiner.enc,
      sealedJoiningKey: randomBytes(SIZE.sealedSecret), time: Date.now(),
    });
    const signed = labeled('sigJoinRequest', unsigned);
    return decodeJoinRequest(concat(unsigned, await inviteSigner.sign(signed), await joiner.key.sign(signed)));
  }

  async welcome(issuer: Identity, invitePublicKey: Uint8Array, joinerSign: Uint8Array): Promise<Welcome> {
    // The relay cannot open it, so random bytes stand for the payload.
    const unsigned = encodeWelcomeUnsigned({
      roomId: this.roomId, invitePublicKey, joinerSign, issuer: issuer.sign, nonce: randomBytes(SIZE.nonce), ciphertext: randomBytes(96),
    });
    return decodeWelcome(await signRecord(issuer.key, 'sigWelcome', unsigned));
  }

  /** An add of `joiner` with the rotation to the next epoch and the welcome that travel with it. */
  async addCommit(issuer: Identity, joiner: Identity, invitePublicKey: Uint8Array, role: Role = 'member'): Promise<{ add: MemberEvent; rotation: Rotation; welcome: Welcome }> {
    const add = await this.event(issuer, 'add', joiner, role, invitePublicKey);
    const rotation = await this.rotation(issuer, this.epoch + 1, this.members(add), add.index + 1, eventHash(add));
    return { add, rotation, welcome: await this.welcome(issuer, invitePublicKey, joiner.sign) };
  }

  async confirm(joiner: Identity, invitePublicKey: Uint8Array): Promise<JoinConfirm> {
    const unsigned = encodeJoinConfirmUnsigned({
      roomId: this.roomId, invitePublicKey, joinerSign: joiner.sign, nonce: randomBytes(SIZE.nonce), ciphertext: randomBytes(48),
    });
    return decodeJoinConfirm(await signRecord(joiner.key, 'sigJoinConfirm', unsigned));
  }

  async message(sender: Identity, counter: number, epoch = this.epoch, signer: Identity = sender, ciphertextBytes = 256 + 16): Promise<MessageRecord> {
    const header = encodeMessageHeader({
      roomId: this.roomId, epoch, sender: sender.sign, counter, index: 0, prevHash: ZERO_HASH, seenSeq: 0, seenHash: ZERO_HASH, logLength: this.events.length, logHash: this.head, nonce: randomBytes(SIZE.nonce),
    });
    const ciphertext = randomBytes(ciphertextBytes);
    return decodeMessage(await signRecord(signer.key, 'sigMessage', encodeMessageUnsigned(header, ciphertext)));
  }
}

/** Creates the room on the relay and binds `client` as its owner. */
export async function createRoom(client: RawClient, owner: Identity): Promise<RoomModel> {
  const room = new RoomModel();
  const genesis = await room.genesis(owner);
  expectOk(await client.request({ type: 'createRoom', rid: client.nextRid(), genesis }), 'createRoom');
  room.accept(genesis);
  expectOk(await client.request(await authFrame(client, room.roomId, 'member', owner)), 'owner auth');
  return room;
}

/**
 * The whole join exchange of docs/protocol.md §8.2, driven from both sides: invite, request, then
 * the issuer's add with its rotation and welcome, and the joiner's confirmation. Leaves
 * `joinerClient` bound as a member.
 */
export async function admit(room: RoomModel, issuerClient: RawClient, issuer: Identity, joinerClient: RawClient, joiner: Identity, role: Role = 'member'): Promise<MemberEvent> {
  const inviteKey = await signingKey();
  const invite = await room.invite(issuer, inviteKey);
  expectOk(await issuerClient.request({ type: 'registerInvite', rid: issuerClient.nextRid(), invite }), 'registerInvite');
  const request = await room.joinRequest(inviteKey, joiner);
  expectOk(await joinerClient.request({ type: 'joinRequest', rid: joinerClient.nextRid(), request }), 'joinRequest');
  await issuerClient.waitForType('joinPending');
  expectOk(await joinerClient.request(await authFrame(joinerClient, room.roomId, 'joiner', joiner)), 'joiner auth');
  const { add, rotation, welcome } = await room.addCommit(issuer, joiner, inviteKey.publicKey, role);
  expectOk(await issuerClient.request({ type: 'appendEvent', rid: issuerClient.nextRid(), event: add, rotation, welcome }), 'add');
  room.accept(add);
  room.epoch = rotation.epoch;
  await joinerClient.waitFor((f) => f.type === 'event' && f.event.index === add.index);
  await joinerClient.waitForType('welcomeReady');
  const confirm = await room.confirm(joiner, inviteKey.publicKey);
  expectOk(await joinerClient.request({ type: 'joinConfirm', rid: joinerClient.nextRid(), confirm }), 'joinConfirm');
  return add;
}

export function expectOk(frame: RelayFrame, what: string): Extract<RelayFrame, { type: 'ok' }> {
  if (frame.type !== 'ok') throw new Error(`${what}: expected ok, got ${frame.type === 'error' ? `error ${frame.code} ${frame.text}` : frame.type}`);
  return frame;
}
