// The one source of randomness: the platform CSPRNG, present in Node 20 and every browser we target.

/** getRandomValues refuses more than 65536 bytes per call, so larger requests are filled in chunks. */
const MAX_CHUNK = 65536;

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += MAX_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(offset + MAX_CHUNK, length)));
  }
  return out;
}
