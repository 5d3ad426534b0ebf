// The asymmetric half of the crypto suite: the only primitives with two implementations (WebCrypto
// where the platform has Ed25519/X25519, noble elsewhere). Both must give identical bytes and the
// same accept/reject verdicts; test/protocol/crypto runs every vector through each.

/** An Ed25519 private key that can sign. Its bytes are never reachable through this interface. */
export interface SigningKey {
  readonly publicKey: Uint8Array; // 32 bytes
  sign(message: Uint8Array): Promise<Uint8Array>; // 64 bytes
}

/** An X25519 private key that can agree. Its bytes are never reachable through this interface. */
export interface AgreementKey {
  readonly publicKey: Uint8Array; // 32 bytes
  /** Rejects (BAD_KEY) when the result is all zero (a small-order peer key). */
  agree(peerPublicKey: Uint8Array): Promise<Uint8Array>;
}

export interface Suite {
  readonly name: 'webcrypto' | 'noble';
  /** Ed25519 key from a 32-byte RFC 8032 seed. */
  signingKeyFromSeed(seed: Uint8Array): Promise<SigningKey>;
  /** X25519 key from a 32-byte secret scalar (clamped as RFC 7748 says). */
  agreementKeyFromSecret(secret: Uint8Array): Promise<AgreementKey>;
  /**
   * A fresh random X25519 key for one sealed box, or for all of one rotation's (ADR 0008). Its
   * secret is never persisted, so the platform may generate it directly (cheaper than importing one).
   */
  ephemeralAgreementKey(): Promise<AgreementKey>;
  /** Strict RFC 8032 verification (canonical S, canonical point encodings). Never throws. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}
