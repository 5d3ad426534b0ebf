// Every asymmetric test runs once per suite: the two must be interchangeable.
import { nobleSuite } from '../../../protocol/crypto/noble-suite.js';
import { webCryptoSuite } from '../../../protocol/crypto/webcrypto-suite.js';
import type { Suite } from '../../../protocol/crypto/suite.js';

export const SUITES: readonly Suite[] = [nobleSuite, webCryptoSuite];
