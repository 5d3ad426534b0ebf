// An epoch as a client holds it once its key arrives, and what chains one epoch to the next. The
// key itself is used only here: it derives the room code, one sender chain per member of the roster
// it was sealed to (sender-ratchet.ts) and the init secret that opens the next rotation, and is
// then wiped. Only the newest epoch's init secret is kept, so a keystore stolen later reopens none
// of the rotations before it (docs/protocol.md §6, §8.3; V-92), as MLS chains epochs through its
// init_secret.
import { bytesEqual, toHex, utf8 } from '../bytes.js';
import { SottoError } from '../errors.js';
import { hkdfSha256 } from '../crypto/hash.js';
import { Secret } from '../crypto/secret.js';
import { LABEL } from '../labels.js';
import type { Member, Roster } from '../membership/roster.js';
import { Writer } from '../wire/codec.js';
import type { Rotation } from '../wire/rotation.js';
import { roomCode } from './fingerprint.js';
import { eventAt, rosterAt, type EpochInfo, type RoomState } from './room-state.js';
import { epochChains } from './sender-ratchet.js';

export interface EpochStart {
  readonly roomId: Uint8Array;
  readonly epoch: number;
  /** The roster the key was sealed to (the genesis roster for epoch 0). */
  readonly roster: Roster;
  /** When the epoch began (issuer's clock). */
  readonly startedAt: number;
  /** H(rotation bytes); undefined for epoch 0. */
  readonly rotationHash: Uint8Array | undefined;
}

/** I_e = HKDF(K_e, salt = roomId, info = label ‖ 0 ‖ u32 e): the psk of every entry of rotation e + 1 for members of e. */
export function initSecret(epochKey: Uint8Array, roomId: Uint8Array, epoch: number): Uint8Array {
  return hkdfSha256(epochKey, roomId, new Writer(40).raw(utf8(LABEL.initSecret)).u8(0).u32(epoch).finish(), 32);
}

/** HKDF(J, salt = T, info = label): the psk of the joiner's entry in the rotation its add commits. */
export function joinSecret(joiningKey: Uint8Array, token: Uint8Array): Uint8Array {
  return hkdfSha256(joiningKey, token, utf8(LABEL.joinSecret), 32);
}

/** The epoch's chains, code and init secret from its key; wipes `key`. */
export function epochFromKey(key: Uint8Array, start: EpochStart): EpochInfo {
  const init = initSecret(key, start.roomId, start.epoch);
  const info: EpochInfo = {
    chains: epochChains(key, start.roomId, start.epoch, start.roster),
    code: roomCode(key, start.roster.headHash, start.epoch),
    initSecret: new Secret(init),
    rosterHash: start.roster.headHash, logLength: start.roster.length, startedAt: start.startedAt, rotationHash: start.rotationHash,
  };
  init.fill(0);
  key.fill(0);
  return info;
}

/** Wipes the init secrets of every epoch before the newest: the next rotation needs only that one's. */
export function keepNewestInitSecret(room: RoomState): void {
  for (const [epoch, info] of room.epochs) {
    if (epoch >= room.epoch || info.initSecret === undefined) continue;
    info.initSecret.wipe();
    info.initSecret = undefined;
  }
}

/** The joiner a commit adds, with the join secret its entry is sealed with. */
export interface Admitted {
  readonly sign: Uint8Array;
  readonly secret: Uint8Array;
}

/** A member the commit re-keys (a key update, §8.5): its new signing key, and the one it had in the epoch. */
export interface Rekeyed {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
}

/**
 * What the issuer seals each entry of the rotation after our current epoch with: the current
 * epoch's init secret for its members (a re-keyed member under its new key too), the join secret
 * for the one member the commit adds.
 */
export function rotationPsks(room: RoomState, joiner?: Admitted, rekeyed?: Rekeyed): (member: Member) => Uint8Array {
  const current = room.epochs.get(room.epoch);
  const init = current?.initSecret;
  const before = current === undefined ? undefined : rosterAt(room, current.logLength);
  if (init === undefined || before === undefined) throw new SottoError('KEY_MISSING', `no init secret of epoch ${room.epoch} to chain the next from`);
  return (member) => {
    const sign = rekeyed !== undefined && bytesEqual(member.sign, rekeyed.to) ? rekeyed.from : member.sign;
    if (before.members.has(toHex(sign))) return init.expose();
    if (joiner !== undefined && toHex(joiner.sign) === toHex(member.sign)) return joiner.secret;
    throw new SottoError('BAD_ROTATION', `member ${toHex(member.sign).slice(0, 8)} is neither in epoch ${room.epoch} nor the joiner`);
  };
}

/**
 * What our own entry of `rotation` was sealed with: the previous epoch's init secret, or, for the
 * rotation that commits our own add (we hold no epoch yet), the join secret. Undefined when we hold
 * neither (the previous rotation has not arrived yet): nothing opens the entry then.
 */
export function ownRotationPsk(room: RoomState, rotation: Rotation): Uint8Array | undefined {
  const previous = room.epochs.get(rotation.epoch - 1)?.initSecret;
  if (previous !== undefined) return previous.expose().slice();
  const commit = eventAt(room, rotation.logLength - 1);
  const ourAdd = commit?.kind === 'add' && bytesEqual(commit.subjectSign, room.me.sign.publicKey);
  if (ourAdd && room.epochs.size === 0 && room.join !== undefined) return joinSecret(room.join.joiningKey.expose(), room.join.token.expose());
  // A linked device's first entry opens with its link's device secret (§8.7.1).
  const ourDevice = commit?.kind === 'device' && bytesEqual(commit.subjectSign, room.me.sign.publicKey);
  if (ourDevice && room.epochs.size === 0 && room.linkedSecret !== undefined) return room.linkedSecret.expose().slice();
  return undefined;
}
