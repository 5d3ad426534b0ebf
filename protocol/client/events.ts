// Builders for signed membership events; validation lives in protocol/membership/roster.ts.
import { labeled, signRecord } from '../crypto/signing.js';
import type { SigningKey } from '../crypto/suite.js';
import { decodeMemberEvent, encodeMemberEventUnsigned, keyUpdateProofBytes, type MemberEvent, type MemberEventFields } from '../wire/membership.js';
import { memberOf, type Roster } from '../membership/roster.js';
import { ZERO_HASH } from '../membership/roster.js';
import type { MemberKeys } from './member-keys.js';

export async function signEvent(key: SigningKey, fields: MemberEventFields): Promise<MemberEvent> {
  return decodeMemberEvent(await signRecord(key, 'sigMemberEvent', encodeMemberEventUnsigned(fields)));
}

type EventBody = Omit<MemberEventFields, 'roomId' | 'index' | 'prevHash' | 'issuer' | 'time'>;

/** An event extending `roster` by one, signed by `issuer`. */
export async function nextEvent(issuer: SigningKey, roster: Roster, body: EventBody, now = Date.now()): Promise<MemberEvent> {
  return signEvent(issuer, {
    ...body,
    roomId: roster.roomId,
    index: roster.length,
    prevHash: roster.headHash,
    issuer: issuer.publicKey,
    time: now,
  });
}

export async function genesisEvent(
  owner: SigningKey,
  ownerEnc: Uint8Array,
  roomId: Uint8Array,
  settings: MemberEventFields['settings'],
  now = Date.now(),
): Promise<MemberEvent> {
  return signEvent(owner, {
    roomId, index: 0, prevHash: ZERO_HASH, kind: 'create', time: now,
    issuer: owner.publicKey, subjectSign: owner.publicKey, subjectEnc: ownerEnc, role: 'owner',
    ...(settings === undefined ? {} : { settings }),
  });
}

/** `current`'s update to `next` (§8.5): signed by the current key, the new one proving possession. */
export async function updateEvent(current: SigningKey, next: MemberKeys, roster: Roster, now = Date.now()): Promise<MemberEvent> {
  const self = memberOf(roster, current.publicKey)!;
  const proved = keyUpdateProofBytes(roster.roomId, roster.length, roster.headHash, current.publicKey, next.sign.publicKey, next.enc.publicKey);
  const proof = await next.sign.sign(labeled('sigKeyUpdate', proved));
  return nextEvent(current, roster, {
    kind: 'update', subjectSign: self.sign, subjectEnc: self.enc, role: self.role,
    update: { sign: next.sign.publicKey, enc: next.enc.publicKey, proof },
  }, now);
}
