// Anonymous public-key encryption to an X25519 key: ephemeralPublic(32) || XChaCha20-Poly1305
// ciphertext. The sender is not authenticated; callers that need that sign the plaintext.
import { concat, utf8 } from '../bytes.js';
import { SottoError, isSottoError } from '../errors.js';
import { xchachaOpen, xchachaSeal } from './aead.js';
import { hkdfSha256 } from './hash.js';
import { LABEL } from '../labels.js';
import type { AgreementKey, Suite } from './suite.js';

const PUBLIC_KEY_LENGTH = 32;
const KEY_LENGTH = 32;
const NONCE_LENGTH = 24;
const TAG_LENGTH = 16;
const MIN_BOX_LENGTH = PUBLIC_KEY_LENGTH + TAG_LENGTH;
const INFO_PREFIX = concat(utf8(LABEL.sealedBox), new Uint8Array([0]));
const NO_PSK = new Uint8Array(0);

/**
 * Key and nonce both come from HKDF over the DH result of an ephemeral key that seals one box per
 * (recipient, context), so each key seals once and its nonce never repeats. Binding both public keys
 * into the salt ties the box to this exact pair, and the context into info keeps boxes for one
 * purpose from opening as another. A pre-shared key `psk` joins the DH result in the HKDF input, so
 * the box opens only for whoever holds both the recipient's private key and the psk (a rotation's
 * entries, §6); an empty psk leaves the derivation as it was without one. Wipes `shared`.
 */
function deriveKeyAndNonce(
  shared: Uint8Array,
  ephemeralPublic: Uint8Array,
  recipientPublic: Uint8Array,
  context: Uint8Array,
  psk: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const ikm = psk.length === 0 ? shared : concat(shared, psk);
  const okm = hkdfSha256(ikm, concat(ephemeralPublic, recipientPublic), concat(INFO_PREFIX, context), KEY_LENGTH + NONCE_LENGTH);
  shared.fill(0);
  ikm.fill(0);
  return { key: okm.subarray(0, KEY_LENGTH), nonce: okm.subarray(KEY_LENGTH) };
}

export async function sealTo(
  suite: Suite,
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  context: Uint8Array,
): Promise<Uint8Array> {
  return sealWith(await suite.ephemeralAgreementKey(), recipientPublicKey, plaintext, context);
}

/**
 * Seals under a caller's ephemeral key, which may serve several recipients of one record (a
 * rotation: docs/decisions/0008-one-ephemeral-per-rotation.md). Each box still gets its own key and
 * nonce from its DH result, its salt (which names the recipient) and its context. The ephemeral
 * must be fresh for that record, and must not seal twice to one recipient under one context: that
 * would repeat a key and nonce.
 */
export async function sealWith(
  ephemeral: AgreementKey,
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  context: Uint8Array,
  psk: Uint8Array = NO_PSK,
): Promise<Uint8Array> {
  const shared = await ephemeral.agree(recipientPublicKey);
  const { key, nonce } = deriveKeyAndNonce(shared, ephemeral.publicKey, recipientPublicKey, context, psk);
  const ciphertext = xchachaSeal(key, nonce, plaintext, context);
  key.fill(0);
  return concat(ephemeral.publicKey, ciphertext);
}

export async function openSealed(recipientKey: AgreementKey, box: Uint8Array, context: Uint8Array, psk: Uint8Array = NO_PSK): Promise<Uint8Array> {
  if (box.length < MIN_BOX_LENGTH) throw new SottoError('TRUNCATED', 'sealed box');
  const ephemeralPublic = box.subarray(0, PUBLIC_KEY_LENGTH);
  let shared: Uint8Array;
  try {
    shared = await recipientKey.agree(ephemeralPublic);
  } catch (error) {
    // A small-order ephemeral key is a forged box, not a fault in the recipient's key.
    if (isSottoError(error, 'BAD_KEY')) throw new SottoError('OPEN_FAILED');
    throw error;
  }
  const { key, nonce } = deriveKeyAndNonce(shared, ephemeralPublic, recipientKey.publicKey, context, psk);
  try {
    return xchachaOpen(key, nonce, box.subarray(PUBLIC_KEY_LENGTH), context);
  } finally {
    key.fill(0);
  }
}
