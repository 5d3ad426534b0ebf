// The join exchange (docs/protocol.md §Join): request → welcome → confirmation → add event.
// Joiner-side and issuer-side steps are pure async functions; the client state machine sequences them.
import { SottoError, isSottoError } from '../errors.js';
import { bytesEqual, utf8 } from '../bytes.js';
import { xchachaOpen, xchachaSeal } from '../crypto/aead.js';
import { hkdfSha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';
import { openSealed, sealTo } from '../crypto/sealed-box.js';
import { labeledHash, signRecord, verifyRecord } from '../crypto/signing.js';
import type { AgreementKey, SigningKey, Suite } from '../crypto/suite.js';
import { LABEL, type LabelName } from '../labels.js';
import { Writer } from '../wire/codec.js';
import {
  decodeJoinConfirm, decodeJoinRequest, decodeWelcome, decodeWelcomePayload, encodeJoinConfirmUnsigned,
  encodeJoinRequestUnsigned, encodeWelcomePayload, encodeWelcomeUnsigned,
  type JoinConfirm, type JoinRequest, type Welcome, type WelcomePayload,
} from '../wire/join.js';
import { SIZE } from '../wire/types.js';
import type { MemberKeys } from './member-keys.js';
import type { VerifiedInvite } from './invite.js';

function joiningKeyContext(r: { roomId: Uint8Array; invitePublicKey: Uint8Array; joinerSign: Uint8Array; joinerEnc: Uint8Array }): Uint8Array {
  return new Writer(160).raw(utf8(LABEL.sealJoiningKey)).u8(0).fixed(r.roomId, SIZE.roomId)
    .fixed(r.invitePublicKey, SIZE.publicKey).fixed(r.joinerSign, SIZE.publicKey).fixed(r.joinerEnc, SIZE.publicKey).finish();
}

/** roomId || invitePub || joinerSign: associated data of the welcome and the confirmation. */
function joinAad(roomId: Uint8Array, invitePublicKey: Uint8Array, joinerSign: Uint8Array): Uint8Array {
  return new Writer(80).fixed(roomId, SIZE.roomId).fixed(invitePublicKey, SIZE.publicKey).fixed(joinerSign, SIZE.publicKey).finish();
}

/** A key only holders of both J and T can derive: J from the sealed box, T from the link. */
function joinKey(joiningKey: Uint8Array, token: Uint8Array, label: LabelName): Uint8Array {
  return hkdfSha256(joiningKey, token, utf8(LABEL[label]), 32);
}

async function signTwice(first: SigningKey, second: SigningKey, unsigned: Uint8Array): Promise<Uint8Array> {
  const once = await signRecord(first, 'sigJoinRequest', unsigned);
  const twice = await signRecord(second, 'sigJoinRequest', unsigned);
  const out = new Uint8Array(once.length + SIZE.signature);
  out.set(once);
  out.set(twice.subarray(unsigned.length), once.length);
  return out;
}

// ——— joiner ———

export async function buildJoinRequest(
  suite: Suite,
  verified: VerifiedInvite,
  joiner: MemberKeys,
  now = Date.now(),
): Promise<{ request: JoinRequest; joiningKey: Uint8Array }> {
  const joiningKey = randomBytes(32);
  const fields = {
    roomId: verified.invite.roomId,
    invitePublicKey: verified.invite.invitePublicKey,
    joinerSign: joiner.sign.publicKey,
    joinerEnc: joiner.enc.publicKey,
  };
  const sealedJoiningKey = await sealTo(suite, verified.issuer.enc, joiningKey, joiningKeyContext(fields));
  const unsigned = encodeJoinRequestUnsigned({ ...fields, sealedJoiningKey, time: now });
  return { request: decodeJoinRequest(await signTwice(verified.inviteKey, joiner.sign, unsigned)), joiningKey };
}

export async function openWelcome(
  suite: Suite,
  welcome: Welcome,
  expectedIssuer: Uint8Array,
  joiningKey: Uint8Array,
  token: Uint8Array,
): Promise<WelcomePayload> {
  if (!bytesEqual(welcome.issuer, expectedIssuer)) throw new SottoError('BAD_SIGNATURE', 'welcome from someone other than the invite issuer');
  await verifyRecord(suite, welcome.issuer, 'sigWelcome', welcome.signed, welcome.signature, 'welcome');
  let plaintext: Uint8Array;
  try {
    plaintext = xchachaOpen(joinKey(joiningKey, token, 'welcomeKey'), welcome.nonce, welcome.ciphertext,
      joinAad(welcome.roomId, welcome.invitePublicKey, welcome.joinerSign));
  } catch (error) {
    if (isSottoError(error, 'OPEN_FAILED')) throw new SottoError('TAMPERED', 'welcome');
    throw error;
  }
  return decodeWelcomePayload(plaintext);
}

export async function buildJoinConfirm(joiner: SigningKey, welcome: Welcome, joiningKey: Uint8Array, token: Uint8Array): Promise<JoinConfirm> {
  const nonce = randomBytes(SIZE.nonce);
  const ciphertext = xchachaSeal(joinKey(joiningKey, token, 'confirmKey'), nonce, labeledHash('hashWelcome', welcome.bytes),
    joinAad(welcome.roomId, welcome.invitePublicKey, joiner.publicKey));
  const unsigned = encodeJoinConfirmUnsigned({ roomId: welcome.roomId, invitePublicKey: welcome.invitePublicKey, joinerSign: joiner.publicKey, nonce, ciphertext });
  return decodeJoinConfirm(await signRecord(joiner, 'sigJoinConfirm', unsigned));
}

// ——— issuer (owner or admin) ———

/** Checks both signatures and the invite, and opens the joining key J. */
export async function openJoinRequest(
  suite: Suite,
  request: JoinRequest,
  issuerEnc: AgreementKey,
  inviteKey: SigningKey,
): Promise<Uint8Array> {
  if (!bytesEqual(request.invitePublicKey, inviteKey.publicKey)) throw new SottoError('BAD_INVITE_PROOF', 'request for another invite');
  await verifyRecord(suite, request.invitePublicKey, 'sigJoinRequest', request.signed, request.inviteSignature, 'join request (invite)');
  await verifyRecord(suite, request.joinerSign, 'sigJoinRequest', request.signed, request.joinerSignature, 'join request (joiner)');
  const joiningKey = await openSealed(issuerEnc, request.sealedJoiningKey, joiningKeyContext(request));
  if (joiningKey.length !== 32) throw new SottoError('OPEN_FAILED', 'joining key length');
  return joiningKey;
}

export async function buildWelcome(
  issuer: SigningKey,
  request: JoinRequest,
  joiningKey: Uint8Array,
  token: Uint8Array,
  payload: WelcomePayload,
): Promise<Welcome> {
  const nonce = randomBytes(SIZE.nonce);
  const ciphertext = xchachaSeal(joinKey(joiningKey, token, 'welcomeKey'), nonce, encodeWelcomePayload(payload),
    joinAad(request.roomId, request.invitePublicKey, request.joinerSign));
  const unsigned = encodeWelcomeUnsigned({
    roomId: request.roomId, invitePublicKey: request.invitePublicKey, joinerSign: request.joinerSign, issuer: issuer.publicKey, nonce, ciphertext,
  });
  return decodeWelcome(await signRecord(issuer, 'sigWelcome', unsigned));
}
