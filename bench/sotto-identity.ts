// Bench members are kept as Ed25519 seeds so the setup process and the generator processes can
// rebuild the same signing key. The encryption key is random: the relay only stores it.
import { randomBytes } from '../protocol/crypto/random.js';
import { detectSuite } from '../protocol/crypto/select-suite.js';
import type { Identity } from '../test/relay/fixtures.js';

export async function identityFromSeed(seed: Uint8Array): Promise<Identity> {
  const key = await (await detectSuite()).signingKeyFromSeed(seed);
  return { key, sign: key.publicKey, enc: randomBytes(32) };
}
