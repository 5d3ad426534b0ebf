// Small byte values a connection keeps for its whole life (the handshake hash, a binding's key),
// held as one-byte (latin1) strings: 32 characters cost 48 B of heap, where a Uint8Array of its
// own costs over 200 (the view, its ArrayBuffer and their backing store), per idle connection.

export function toByteString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The bytes back, in a Uint8Array of their own. */
export function fromByteString(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** True if `text` holds exactly `bytes`; compared in place, with no copy. */
export function byteStringEquals(text: string, bytes: Uint8Array): boolean {
  if (text.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (text.charCodeAt(i) !== bytes[i]) return false;
  return true;
}
