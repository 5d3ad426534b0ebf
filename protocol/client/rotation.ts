// Building and opening epoch rotations. A rotation seals the new key to each member individually
// (never under the old key, or a removal would mean nothing) and commits to the roster it was for.
// Each entry also takes a pre-shared key (§6): the previous epoch's init secret for a member of that
// epoch, the join secret for the member its commit adds. A member's encryption key alone therefore
// opens no rotation, so a keystore stolen later cannot reopen the rotations the relay still stores.
import { SottoError } from '../errors.js';
import { bytesEqual, toHex, utf8 } from '../bytes.js';
import { openSealed, sealWith } from '../crypto/sealed-box.js';
import { signRecord, verifyRecord } from '../crypto/signing.js';
import type { AgreementKey, SigningKey, Suite } from '../crypto/suite.js';
import { LABEL } from '../labels.js';
import { Writer } from '../wire/codec.js';
import { decodeRotation, encodeRotationUnsigned, type Rotation, type RotationEntry } from '../wire/rotation.js';
import { SIZE } from '../wire/types.js';
import { memberOf, type Member, type Roster } from '../membership/roster.js';

export function epochKeyContext(roomId: Uint8Array, epoch: number, member: Uint8Array): Uint8Array {
  return new Writer(96).raw(utf8(LABEL.sealEpochKey)).u8(0).fixed(roomId, SIZE.roomId).u32(epoch)
    .fixed(member, SIZE.publicKey).finish();
}

export async function buildRotation(
  suite: Suite,
  issuer: SigningKey,
  roster: Roster,
  epoch: number,
  epochKey: Uint8Array,
  pskOf: (member: Member) => Uint8Array,
  now = Date.now(),
): Promise<Rotation> {
  const members = [...roster.members.values()];
  // One ephemeral for every entry: generating one per member was half a rotation's cost (ADR 0008).
  // No key and nonce repeat: the roster holds each member and each encryption key once (V-30).
  const ephemeral = await suite.ephemeralAgreementKey();
  const entries: RotationEntry[] = await Promise.all(
    members.map(async (m) => ({ member: m.sign, sealedKey: await sealWith(ephemeral, m.enc, epochKey, epochKeyContext(roster.roomId, epoch, m.sign), pskOf(m)) })),
  );
  const unsigned = encodeRotationUnsigned({
    roomId: roster.roomId, epoch, logLength: roster.length, rosterHash: roster.headHash, issuer: issuer.publicKey, time: now, entries,
  });
  return decodeRotation(await signRecord(issuer, 'sigRotation', unsigned));
}

/**
 * Checks a rotation against the roster it claims to be made for (the caller replays the log to
 * that length) and that it names exactly that roster's members. Pure checks; no signature.
 */
export function checkRotationRoster(rotation: Rotation, roster: Roster): void {
  if (!bytesEqual(rotation.roomId, roster.roomId)) throw new SottoError('ROOM_MISMATCH', 'rotation');
  if (rotation.logLength !== roster.length || !bytesEqual(rotation.rosterHash, roster.headHash)) {
    throw new SottoError('BAD_ROTATION', 'rotation names a different roster');
  }
  if (memberOf(roster, rotation.issuer) === undefined) throw new SottoError('NOT_MEMBER', 'rotation issuer');
  if (rotation.entries.length !== roster.members.size) throw new SottoError('BAD_ROTATION', 'entry count differs from roster');
  const seen = new Set<string>();
  for (const entry of rotation.entries) {
    const key = toHex(entry.member);
    if (seen.has(key) || !roster.members.has(key)) throw new SottoError('BAD_ROTATION', 'entries differ from roster');
    seen.add(key);
  }
}

export async function verifyRotationSignature(suite: Suite, rotation: Rotation): Promise<void> {
  await verifyRecord(suite, rotation.issuer, 'sigRotation', rotation.signed, rotation.signature, `rotation ${rotation.epoch}`);
}

/** Returns this member's copy of the epoch key; `psk` is what our entry was sealed with besides our key. */
export async function openRotation(rotation: Rotation, me: { sign: SigningKey; enc: AgreementKey }, psk: Uint8Array): Promise<Uint8Array> {
  const entry = rotation.entries.find((e) => bytesEqual(e.member, me.sign.publicKey));
  if (entry === undefined) throw new SottoError('KEY_MISSING', `no entry for us in epoch ${rotation.epoch}`);
  const key = await openSealed(me.enc, entry.sealedKey, epochKeyContext(rotation.roomId, rotation.epoch, me.sign.publicKey), psk);
  if (key.length !== SIZE.secret) throw new SottoError('BAD_ROTATION', 'epoch key length');
  return key;
}
