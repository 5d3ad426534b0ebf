// Labeled signatures and hashes over exact wire bytes: the label binds each signature or hash to one
// purpose, so bytes signed for one record type can never verify as another.
import { SottoError } from '../errors.js';
import { utf8 } from '../bytes.js';
import { LABEL, type LabelName } from '../labels.js';
import { sha256 } from './hash.js';
import type { SigningKey, Suite } from './suite.js';

const LABEL_BYTES = new Map<LabelName, Uint8Array>();

function labelPrefix(label: LabelName): Uint8Array {
  let prefix = LABEL_BYTES.get(label);
  if (prefix === undefined) {
    const text = utf8(LABEL[label]);
    prefix = new Uint8Array(text.length + 1);
    prefix.set(text);
    LABEL_BYTES.set(label, prefix);
  }
  return prefix;
}

/** utf8(label) || 0x00 || bytes */
export function labeled(label: LabelName, ...parts: Uint8Array[]): Uint8Array {
  const prefix = labelPrefix(label);
  let length = prefix.length;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  out.set(prefix);
  let at = prefix.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function labeledHash(label: LabelName, ...parts: Uint8Array[]): Uint8Array {
  return sha256(labeled(label, ...parts));
}

/** Returns the full record: the unsigned bytes followed by the 64-byte signature. */
export async function signRecord(key: SigningKey, label: LabelName, unsigned: Uint8Array): Promise<Uint8Array> {
  const signature = await key.sign(labeled(label, unsigned));
  const out = new Uint8Array(unsigned.length + signature.length);
  out.set(unsigned);
  out.set(signature, unsigned.length);
  return out;
}

export async function verifyRecord(
  suite: Suite,
  publicKey: Uint8Array,
  label: LabelName,
  signed: Uint8Array,
  signature: Uint8Array,
  what: string,
): Promise<void> {
  if (!(await suite.verify(publicKey, labeled(label, signed), signature))) throw new SottoError('BAD_SIGNATURE', what);
}
