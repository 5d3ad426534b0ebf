// An invite link's hints (room name, inviter name) are bound to its token (V-100), so the names a
// landing page shows before joining are the inviter's, not whatever someone forwarding the link
// wrote in. Checked against a first draft that parsed the hints but derived the invite key from
// the token field alone: the edited links below then verified and showed the forged names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesEqual, fromBase64Url, toBase64Url } from '../../../protocol/bytes.js';
import { createInvite, readInviteLink, verifyInviteInfo } from '../../../protocol/client/invite.js';
import { replayLog } from '../../../protocol/membership/roster.js';
import { encodeInviteLinkPayload, parseInviteLink } from '../../../protocol/wire/invite.js';
import { expectSottoError } from '../crypto/expect-error.js';
import { room, suite } from '../wire/fixtures.js';

const HINTS = { roomName: 'Book club', inviterName: 'Carol' };

test("an invite link whose room or inviter name was edited is refused; the issuer's own opens", async () => {
  const r = await room();
  const roster = await replayLog(suite, [r.genesis, r.add]);
  const created = await createInvite(suite, r.owner.sign, roster, Date.now() + 60_000, HINTS);
  const link = readInviteLink(`https://sotto.example/#/join/${created.linkPayload}`);
  assert.equal(link.hints, HINTS);
  assert.ok(bytesEqual(link.token, created.token), 'the link resolves to the invite token');
  await verifyInviteInfo(suite, link, created.invite, undefined, [r.genesis, r.add]);

  const raw = parseInviteLink(created.linkPayload);
  for (const hints of [{ ...HINTS, roomName: 'Bank support' }, { ...HINTS, inviterName: 'Your bank' }]) {
    const edited = encodeInviteLinkPayload({ ...raw, hints });
    await expectSottoError(() => verifyInviteInfo(suite, readInviteLink(edited), created.invite, undefined, [r.genesis, r.add]), 'BAD_INVITE_PROOF');
  }
  // Dropping the hints (an 81-byte link with the same token field) does not open it either.
  const stripped = encodeInviteLinkPayload({ roomId: raw.roomId, ownerSign: raw.ownerSign, token: raw.token });
  await expectSottoError(() => verifyInviteInfo(suite, readInviteLink(stripped), created.invite, undefined, [r.genesis, r.add]), 'BAD_INVITE_PROOF');
});

test('a link without hints (as made before them) still resolves its token field as the token', async () => {
  const r = await room();
  const roster = await replayLog(suite, [r.genesis, r.add]);
  const created = await createInvite(suite, r.owner.sign, roster, Date.now() + 60_000);
  assert.is(fromBase64Url(created.linkPayload).length, 81);
  const link = readInviteLink(created.linkPayload);
  assert.is(link.hints, undefined);
  await verifyInviteInfo(suite, link, created.invite, undefined, [r.genesis, r.add]);
});

test('hints that do not decode to exactly the rest of the link are BAD_INVITE_LINK', async () => {
  const r = await room();
  const roster = await replayLog(suite, [r.genesis, r.add]);
  const created = await createInvite(suite, r.owner.sign, roster, Date.now() + 60_000, HINTS);
  const bytes = fromBase64Url(created.linkPayload);
  for (const bad of [bytes.subarray(0, bytes.length - 1), new Uint8Array([...bytes, 0]), bytes.subarray(0, 82)]) {
    await expectSottoError(() => parseInviteLink(toBase64Url(bad)), 'BAD_INVITE_LINK');
  }
});

test.run();
