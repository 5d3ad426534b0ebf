// Picks the suite once per process or page: WebCrypto when the platform has Ed25519 and X25519 and
// they give noble's exact bytes, noble otherwise (older browsers, insecure contexts).
import { bytesEqual, utf8 } from '../bytes.js';
import { nobleSuite } from './noble-suite.js';
import { webCryptoSuite } from './webcrypto-suite.js';
import type { Suite } from './suite.js';

// Fixed probe inputs: not secrets, only there to exercise import, sign, verify and derive.
const PROBE_SEED = new Uint8Array(32).fill(1);
const PROBE_SECRET_A = new Uint8Array(32).fill(2);
const PROBE_SECRET_B = new Uint8Array(32).fill(3);
const PROBE_MESSAGE = utf8('sotto suite probe');

/** Comparing against noble rather than only round-tripping also catches a platform that is wrong. */
async function webCryptoMatchesNoble(): Promise<boolean> {
  const webSigner = await webCryptoSuite.signingKeyFromSeed(PROBE_SEED);
  const nobleSigner = await nobleSuite.signingKeyFromSeed(PROBE_SEED);
  const signature = await webSigner.sign(PROBE_MESSAGE);
  if (!bytesEqual(webSigner.publicKey, nobleSigner.publicKey)) return false;
  if (!bytesEqual(signature, await nobleSigner.sign(PROBE_MESSAGE))) return false;
  if (!(await webCryptoSuite.verify(webSigner.publicKey, PROBE_MESSAGE, signature))) return false;
  const webAgreement = await webCryptoSuite.agreementKeyFromSecret(PROBE_SECRET_A);
  const nobleAgreement = await nobleSuite.agreementKeyFromSecret(PROBE_SECRET_B);
  return bytesEqual(await webAgreement.agree(nobleAgreement.publicKey), await nobleAgreement.agree(webAgreement.publicKey));
}

async function chooseSuite(): Promise<Suite> {
  try {
    return (await webCryptoMatchesNoble()) ? webCryptoSuite : nobleSuite;
  } catch {
    return nobleSuite;
  }
}

let detected: Promise<Suite> | undefined;

export async function detectSuite(): Promise<Suite> {
  detected ??= chooseSuite();
  return detected;
}
