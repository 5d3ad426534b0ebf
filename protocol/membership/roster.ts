// The membership log's rules, in one place for the relay and every client: a roster is the state
// reached by applying owner-rooted, hash-chained, signed events in order. Outside protocol/client/
// because the relay runs the very same rules before it appends an event.
import { SottoError } from '../errors.js';
import { bytesEqual, toHex } from '../bytes.js';
import { labeledHash, verifyRecord } from '../crypto/signing.js';
import type { Suite } from '../crypto/suite.js';
import { keyUpdateProofBytes, type MemberEvent, type Role, type RoomSettings } from '../wire/membership.js';
import { SIZE } from '../wire/types.js';
import { devicesOf, MAX_DEVICES_PER_PERSON, personHoldsOwner, samePerson } from './persons.js';

export interface Member {
  readonly sign: Uint8Array;
  readonly enc: Uint8Array;
  readonly role: Role;
  /**
   * Index of the event that admitted the member's person: its own add (or the genesis), or for a
   * linked device the add of the person's first device (§8.7). Devices of one person share it.
   */
  readonly addedAt: number;
}

export interface Roster {
  readonly roomId: Uint8Array;
  /** The owner's current signing key: its genesis key until the owner updates its keys (§8.5). */
  readonly owner: Uint8Array;
  readonly settings: RoomSettings;
  /** Current members by hex signing key. */
  readonly members: ReadonlyMap<string, Member>;
  /** Number of events applied. */
  readonly length: number;
  /** H(member-event, last event): the roster commitment rotations name. */
  readonly headHash: Uint8Array;
}

export const ZERO_HASH = new Uint8Array(SIZE.hash);

export function eventHash(event: MemberEvent): Uint8Array {
  return labeledHash('hashMemberEvent', event.bytes);
}

export function memberOf(roster: Roster, sign: Uint8Array): Member | undefined {
  return roster.members.get(toHex(sign));
}

export function isAdmin(roster: Roster, sign: Uint8Array): boolean {
  const role = memberOf(roster, sign)?.role;
  return role === 'owner' || role === 'admin';
}

/**
 * Checks everything about `event` except its signature against the roster it extends, and returns
 * the roster it produces. Pure and synchronous so the relay can run it inside a transaction.
 */
export function nextRoster(roster: Roster | undefined, event: MemberEvent): Roster {
  if (roster === undefined) {
    if (event.index !== 0 || event.kind !== 'create') throw new SottoError('BAD_CHAIN', 'log must start with create');
    if (!bytesEqual(event.prevHash, ZERO_HASH)) throw new SottoError('BAD_CHAIN', 'genesis prevHash must be zero');
    if (!bytesEqual(event.issuer, event.subjectSign) || event.role !== 'owner') {
      throw new SottoError('BAD_EVENT', 'genesis must make its signer the owner');
    }
    const owner: Member = { sign: event.subjectSign, enc: event.subjectEnc, role: 'owner', addedAt: 0 };
    return {
      roomId: event.roomId,
      owner: event.subjectSign,
      settings: event.settings!,
      members: new Map([[toHex(event.subjectSign), owner]]),
      length: 1,
      headHash: eventHash(event),
    };
  }
  if (!bytesEqual(event.roomId, roster.roomId)) throw new SottoError('ROOM_MISMATCH', 'event for another room');
  if (event.index !== roster.length) throw new SottoError('BAD_CHAIN', `index ${event.index}, log length ${roster.length}`);
  if (!bytesEqual(event.prevHash, roster.headHash)) throw new SottoError('BAD_CHAIN', 'prevHash is not the log head');
  const issuer = memberOf(roster, event.issuer);
  if (issuer === undefined) throw new SottoError('NOT_MEMBER', 'event issuer');
  const subject = memberOf(roster, event.subjectSign);
  const members = new Map(roster.members);
  const key = toHex(event.subjectSign);
  switch (event.kind) {
    case 'create':
      throw new SottoError('BAD_EVENT', 'create after genesis');
    case 'add':
      requireAdmin(issuer);
      if (subject !== undefined) throw new SottoError('BAD_EVENT', 'subject is already a member');
      if (event.role === 'owner') throw new SottoError('BAD_EVENT', 'cannot add a second owner');
      if (event.role === 'admin' && issuer.role !== 'owner') throw new SottoError('NOT_OWNER', 'only the owner adds admins');
      if (findByEnc(roster, event.subjectEnc)) throw new SottoError('BAD_EVENT', 'encryption key already in use');
      members.set(key, { sign: event.subjectSign, enc: event.subjectEnc, role: event.role, addedAt: event.index });
      break;
    case 'remove':
      requireSubject(subject, event);
      if (samePerson(issuer, subject!)) {
        // A person manages their own devices whatever their role; one device goes (V-142).
        if (bytesEqual(event.issuer, event.subjectSign)) throw new SottoError('BAD_EVENT', 'a device is removed by another of its person’s devices');
        if (subject!.role === 'owner') throw new SottoError('BAD_EVENT', 'the owner cannot be removed');
        members.delete(key);
        break;
      }
      // Another person's removal takes every device of theirs, under the usual role rules.
      requireAdmin(issuer);
      if (personHoldsOwner(roster, subject!.addedAt)) throw new SottoError('BAD_EVENT', 'the owner cannot be removed');
      if (subject!.role === 'admin' && issuer.role !== 'owner') throw new SottoError('NOT_OWNER', 'only the owner removes admins');
      for (const device of devicesOf(roster, subject!.addedAt)) members.delete(toHex(device.sign));
      break;
    case 'leave':
      if (!bytesEqual(event.issuer, event.subjectSign)) throw new SottoError('BAD_EVENT', 'leave must be signed by the leaver');
      requireSubject(subject, event);
      if (personHoldsOwner(roster, subject!.addedAt)) throw new SottoError('BAD_EVENT', 'the owner cannot leave');
      for (const device of devicesOf(roster, subject!.addedAt)) members.delete(toHex(device.sign));
      break;
    case 'role':
      if (issuer.role !== 'owner') throw new SottoError('NOT_OWNER', 'only the owner changes roles');
      requireSubject(subject, event);
      if (personHoldsOwner(roster, subject!.addedAt) || event.role === 'owner') throw new SottoError('BAD_EVENT', 'ownership cannot change');
      for (const device of devicesOf(roster, subject!.addedAt)) members.set(toHex(device.sign), { ...device, role: event.role });
      break;
    case 'device': {
      // New keys join as a device of the signer's person (§8.7, V-140): its role, its addedAt. The
      // owner key stays one key, so the owner's other devices are admins.
      if (subject !== undefined) throw new SottoError('BAD_EVENT', 'subject is already a member');
      if (findByEnc(roster, event.subjectEnc)) throw new SottoError('BAD_EVENT', 'encryption key already in use');
      const role = issuer.role === 'owner' ? 'admin' : issuer.role;
      if (event.role !== role) throw new SottoError('BAD_EVENT', `a device of this person has role ${role}`);
      if (devicesOf(roster, issuer.addedAt).length >= MAX_DEVICES_PER_PERSON) {
        throw new SottoError('BAD_EVENT', `a person holds at most ${MAX_DEVICES_PER_PERSON} devices in a room`);
      }
      members.set(key, { sign: event.subjectSign, enc: event.subjectEnc, role, addedAt: issuer.addedAt });
      break;
    }
    case 'history':
      // An owner or admin states it about itself, so the event has one valid encoding (V-93).
      requireAdmin(issuer);
      if (!bytesEqual(event.subjectSign, event.issuer) || !bytesEqual(event.subjectEnc, issuer.enc) || event.role !== issuer.role) {
        throw new SottoError('BAD_EVENT', 'a history event names its issuer as subject, with its key and role');
      }
      return { ...roster, settings: { ...roster.settings, history: event.history! }, length: roster.length + 1, headHash: eventHash(event) };
    case 'update': {
      // A member re-keys only itself (§8.5): the entry keeps its role and addedAt under the new keys,
      // and the old signing key stops being a member here, as if removed.
      if (!bytesEqual(event.issuer, event.subjectSign)) throw new SottoError('BAD_EVENT', 'an update must be signed by the member it updates');
      requireSubject(subject, event);
      const update = event.update!;
      if (memberOf(roster, update.sign) !== undefined || bytesEqual(update.sign, event.subjectSign)) {
        throw new SottoError('BAD_EVENT', 'the new signing key is already a member’s');
      }
      if (findByEnc(roster, update.enc)) throw new SottoError('BAD_EVENT', 'encryption key already in use');
      members.delete(key);
      members.set(toHex(update.sign), { ...subject!, sign: update.sign, enc: update.enc });
      const owner = subject!.role === 'owner' ? update.sign : roster.owner;
      return { ...roster, owner, members, length: roster.length + 1, headHash: eventHash(event) };
    }
  }
  return { ...roster, members, length: roster.length + 1, headHash: eventHash(event) };
}

function requireAdmin(issuer: Member): void {
  if (issuer.role !== 'owner' && issuer.role !== 'admin') throw new SottoError('NOT_ADMIN', 'event issuer');
}

function requireSubject(subject: Member | undefined, event: MemberEvent): void {
  if (subject === undefined) throw new SottoError('NOT_MEMBER', 'event subject');
  if (!bytesEqual(subject.enc, event.subjectEnc)) throw new SottoError('BAD_EVENT', 'subject encryption key differs');
  // A remove, leave or update names the role the subject held, so each such event has one valid encoding.
  if (event.kind !== 'role' && event.role !== subject.role) {
    throw new SottoError('BAD_EVENT', 'role must be the subject’s current role');
  }
}

function findByEnc(roster: Roster, enc: Uint8Array): boolean {
  for (const member of roster.members.values()) if (bytesEqual(member.enc, enc)) return true;
  return false;
}

/** The issuer's signature, and for an update the new signing key's proof of possession (V-96). */
export async function verifyEventSignature(suite: Suite, event: MemberEvent): Promise<void> {
  await verifyRecord(suite, event.issuer, 'sigMemberEvent', event.signed, event.signature, `member event ${event.index}`);
  if (event.kind === 'update') {
    const { sign, enc, proof } = event.update!;
    const proved = keyUpdateProofBytes(event.roomId, event.index, event.prevHash, event.subjectSign, sign, enc);
    await verifyRecord(suite, sign, 'sigKeyUpdate', proved, proof, `key update ${event.index}`);
  }
}

/** Verifies and applies one event. */
export async function applyEvent(suite: Suite, roster: Roster | undefined, event: MemberEvent): Promise<Roster> {
  const next = nextRoster(roster, event);
  await verifyEventSignature(suite, event);
  return next;
}

/**
 * Replays a log from genesis — or from `start`, a checkpoint's roster the caller has verified
 * (§8.4) — checking that its owner is the expected trust anchor: the owner's key at some point of
 * the log, since each owner key update is signed by the key before it (§8.5).
 */
export async function replayLog(suite: Suite, events: readonly MemberEvent[], expectedOwner?: Uint8Array, start?: Roster): Promise<Roster> {
  let roster = start;
  let rooted = expectedOwner === undefined || (start !== undefined && bytesEqual(start.owner, expectedOwner));
  for (const event of events) {
    roster = await applyEvent(suite, roster, event);
    rooted ||= bytesEqual(roster.owner, expectedOwner!);
  }
  if (roster === undefined) throw new SottoError('BAD_CHAIN', 'empty membership log');
  if (!rooted) throw new SottoError('BAD_CHAIN', 'log is rooted in a different owner key');
  return roster;
}
