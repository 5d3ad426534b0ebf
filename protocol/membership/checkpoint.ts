// Checkpoints as rosters (docs/protocol.md §8.4): the owner signs the roster at its log head; a
// joiner that trusts the owner key from its link starts the membership rules from that roster
// instead of the genesis; the relay accepts only a checkpoint equal to the roster it holds. Here,
// next to the rules, because the relay and clients both run it.
import { SottoError } from '../errors.js';
import { bytesEqual, compareBytes, toHex } from '../bytes.js';
import { signRecord, verifyRecord } from '../crypto/signing.js';
import type { SigningKey, Suite } from '../crypto/suite.js';
import { decodeCheckpoint, encodeCheckpointUnsigned, type Checkpoint, type CheckpointMember } from '../wire/checkpoint.js';
import type { Member, Roster } from './roster.js';

/** The roster's members in the checkpoint's canonical order (ascending signing key). */
function canonicalMembers(roster: Roster): CheckpointMember[] {
  return [...roster.members.values()]
    .map((m) => ({ sign: m.sign, enc: m.enc, role: m.role, addedAt: m.addedAt }))
    .sort((a, b) => compareBytes(a.sign, b.sign));
}

/** The owner's checkpoint of `roster` (its head). */
export async function buildCheckpoint(owner: SigningKey, roster: Roster, now = Date.now()): Promise<Checkpoint> {
  const unsigned = encodeCheckpointUnsigned({
    roomId: roster.roomId, logLength: roster.length, headHash: roster.headHash, settings: roster.settings,
    issuer: owner.publicKey, time: now, members: canonicalMembers(roster),
  });
  return decodeCheckpoint(await signRecord(owner, 'sigCheckpoint', unsigned));
}

/** The roster a checkpoint states; the membership rules continue from it as from any roster. */
export function rosterFromCheckpoint(checkpoint: Checkpoint): Roster {
  const members = new Map<string, Member>();
  let owner: Uint8Array | undefined;
  for (const m of checkpoint.members) {
    members.set(toHex(m.sign), { sign: m.sign, enc: m.enc, role: m.role, addedAt: m.addedAt });
    if (m.role === 'owner') owner = m.sign;
  }
  // The decoder guarantees exactly one owner (V-19).
  if (owner === undefined) throw new SottoError('BAD_VALUE', 'checkpoint without an owner');
  return {
    roomId: checkpoint.roomId, owner, settings: checkpoint.settings, members, length: checkpoint.logLength, headHash: checkpoint.headHash,
  };
}

/**
 * A joiner's check (V-39): the checkpoint comes from `owner`, the key its link names — the only key
 * it can trust without the log before the checkpoint — names that key as the owner, and verifies.
 */
export async function verifyCheckpoint(suite: Suite, checkpoint: Checkpoint, owner: Uint8Array): Promise<Roster> {
  const roster = rosterFromCheckpoint(checkpoint);
  if (!bytesEqual(checkpoint.issuer, owner) || !bytesEqual(roster.owner, owner)) {
    throw new SottoError('BAD_CHAIN', 'checkpoint is not the owner’s');
  }
  await verifyRecord(suite, checkpoint.issuer, 'sigCheckpoint', checkpoint.signed, checkpoint.signature, 'checkpoint');
  return roster;
}

/** The relay's check (V-48): the checkpoint states exactly `roster` (settings, keys, roles, addedAt). */
export function requireSameRoster(checkpoint: Checkpoint, roster: Roster): void {
  const { settings } = checkpoint;
  if (settings.rotateEveryMessages !== roster.settings.rotateEveryMessages || settings.rotateAfterSeconds !== roster.settings.rotateAfterSeconds
    || settings.history.mode !== roster.settings.history.mode || settings.history.count !== roster.settings.history.count) {
    throw new SottoError('BAD_CHECKPOINT', 'room settings differ');
  }
  const expected = canonicalMembers(roster);
  if (expected.length !== checkpoint.members.length) throw new SottoError('BAD_CHECKPOINT', 'member count differs');
  expected.forEach((m, i) => {
    const got = checkpoint.members[i]!;
    if (!bytesEqual(m.sign, got.sign) || !bytesEqual(m.enc, got.enc) || m.role !== got.role || m.addedAt !== got.addedAt) {
      throw new SottoError('BAD_CHECKPOINT', `member ${i} differs`);
    }
  });
}
