// The failures that end a join for good, in words for the person holding the link. The join page
// stops offering a retry that cannot work, and a room still waiting to be let in turns "failed".
// Anything else (offline, a timeout, rate limiting) may pass, so it is not listed here.
const JOIN_FAILURES: Readonly<Partial<Record<string, string>>> = {
  INVITE_USED: 'This invite link was already used. Invite links work once: ask for a new one.',
  INVITE_EXPIRED: 'This invite link has expired. Ask for a new one.',
  INVITE_NOT_FOUND: 'The relay does not know this invite: it was withdrawn or altered on the way, or whoever made it can no longer invite. Ask for a new one.',
  // Only a proof that does not verify is refused while locked (V-119): this link is not the invite's.
  INVITE_LOCKED: 'This link does not match its invite (it was altered on the way), and the relay is refusing such attempts for a while. Ask for a new link.',
  BAD_INVITE_LINK: 'This is not a valid invite link. Check that it was copied completely.',
  BAD_INVITE_PROOF: 'The invite does not match the room it claims to be for: the link or the relay’s answer was altered.',
  BAD_CHAIN: 'The room’s membership history does not verify against the link: the relay served a forged room.',
  NOT_ADMIN: 'Whoever made this invite is no longer allowed to invite. Ask for a new one.',
  ROOM_MISMATCH: 'The relay answered with another room than the link names.',
  BAD_SIGNATURE: 'The answer to your request did not verify: it did not come from whoever invited you.',
  TAMPERED: 'The answer to your request was altered on the way.',
  JOIN_NOT_FOUND: 'The relay no longer holds your request to join (the invite may have expired or been withdrawn). Ask for a new link.',
  ROOM_EXISTS: 'You are already in this room.',
};

/** A link of protocol 1 (protocol/wire/invite.ts says so in its error's detail). */
const OLDER_LINK = 'This invite link was made by an older version of Sotto and no longer works. Ask for a new one.';

/** Why a join can never complete, or undefined when trying again may help. */
export function joinFailure(code: string, detail = ''): string | undefined {
  if (code === 'BAD_INVITE_LINK' && detail.includes('older version')) return OLDER_LINK;
  return JOIN_FAILURES[code];
}
