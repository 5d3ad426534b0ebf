// A member's per-room keys. Fresh for every room so the relay cannot link one person's rooms.
import { randomBytes } from '../crypto/random.js';
import { Secret } from '../crypto/secret.js';
import type { AgreementKey, SigningKey, Suite } from '../crypto/suite.js';

export interface MemberKeys {
  readonly sign: SigningKey;
  readonly enc: AgreementKey;
  /** Kept only so the keystore can persist them (wrapped); never sent, never printed. */
  readonly signSeed: Secret;
  readonly encSecret: Secret;
}

export async function memberKeysFromSecrets(suite: Suite, signSeed: Secret, encSecret: Secret): Promise<MemberKeys> {
  const [sign, enc] = await Promise.all([
    suite.signingKeyFromSeed(signSeed.expose()),
    suite.agreementKeyFromSecret(encSecret.expose()),
  ]);
  return { sign, enc, signSeed, encSecret };
}

export async function generateMemberKeys(suite: Suite): Promise<MemberKeys> {
  return memberKeysFromSecrets(suite, new Secret(randomBytes(32)), new Secret(randomBytes(32)));
}
