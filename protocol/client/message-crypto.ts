// Sealing and opening room messages under one message key of the sender's chain (sender-ratchet.ts),
// the header as associated data, and the sender's signature over header and ciphertext.
import { SottoError, isSottoError } from '../errors.js';
import { xchachaOpen, xchachaSeal } from '../crypto/aead.js';
import { randomBytes } from '../crypto/random.js';
import { labeledHash, signRecord, verifyRecord } from '../crypto/signing.js';
import type { SigningKey, Suite } from '../crypto/suite.js';
import { decodeContent, encodeContent, type Content } from '../wire/content.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned, type MessageRecord } from '../wire/message.js';
import { SIZE } from '../wire/types.js';

export function messageHash(recordBytes: Uint8Array): Uint8Array {
  return labeledHash('hashMessage', recordBytes);
}

export interface SealMessageInput {
  readonly signer: SigningKey;
  readonly roomId: Uint8Array;
  readonly epoch: number;
  /** MK of the sender's chain at `index` (sender-ratchet.ts). */
  readonly key: Uint8Array;
  readonly index: number;
  readonly counter: number;
  readonly prevHash: Uint8Array;
  readonly seenSeq: number;
  readonly seenHash: Uint8Array;
  readonly logLength: number;
  readonly logHash: Uint8Array;
  readonly content: Content;
}

export async function sealMessage(input: SealMessageInput): Promise<MessageRecord> {
  const header = encodeMessageHeader({
    roomId: input.roomId, epoch: input.epoch, sender: input.signer.publicKey, counter: input.counter, index: input.index,
    prevHash: input.prevHash, seenSeq: input.seenSeq, seenHash: input.seenHash, logLength: input.logLength, logHash: input.logHash,
    nonce: randomBytes(SIZE.nonce),
  });
  const nonce = header.subarray(header.length - SIZE.nonce);
  const ciphertext = xchachaSeal(input.key, nonce, encodeContent(input.content), header);
  return decodeMessage(await signRecord(input.signer, 'sigMessage', encodeMessageUnsigned(header, ciphertext)));
}

/** Signature checks started ahead of their turn (verifyAhead), until openMessage takes them. */
const verifying = new WeakMap<MessageRecord, Promise<void>>();

/** The sender's signature over header and ciphertext, checked now (openMessage checks it too). */
export function verifyMessage(suite: Suite, record: MessageRecord): Promise<void> {
  return verifyRecord(suite, record.sender, 'sigMessage', record.signed, record.signature, 'message');
}

/**
 * Starts checking a record's signature now, for openMessage to await later: a suite that verifies
 * off the calling thread then checks a page of history while its messages are applied one by one.
 * Nothing is trusted before openMessage has awaited the outcome.
 */
export function verifyAhead(suite: Suite, record: MessageRecord): void {
  if (verifying.has(record)) return;
  const outcome = verifyMessage(suite, record);
  // Settled here so a record dropped before its turn leaves no unhandled rejection.
  outcome.catch(() => undefined);
  verifying.set(record, outcome);
}

/** Verifies the sender's signature, then decrypts. `key` is the message key of the record's index. */
export async function openMessage(suite: Suite, record: MessageRecord, key: Uint8Array): Promise<Content> {
  const ahead = verifying.get(record);
  verifying.delete(record);
  await (ahead ?? verifyMessage(suite, record));
  let plaintext: Uint8Array;
  try {
    plaintext = xchachaOpen(key, record.nonce, record.ciphertext, record.header);
  } catch (error) {
    if (isSottoError(error, 'OPEN_FAILED')) throw new SottoError('TAMPERED', 'message ciphertext');
    throw error;
  }
  return decodeContent(plaintext);
}
