// Noise spec §5.3 HandshakeState, driven by a HandshakePattern. No PSK modifiers: Sotto needs none.
// Any failure ends the handshake for good: half-processed token state cannot be rolled back.
import { concat } from '../bytes.js';
import { isSottoError, SottoError } from '../errors.js';
import { AEAD_TAG_BYTES } from './aead.js';
import { NOISE_MAX_MESSAGE_BYTES, type CipherStatePair } from './cipher-state.js';
import { noiseProtocolName, type HandshakePattern, type MessageToken } from './handshake-pattern.js';
import { DH_BYTES, type NoiseKeyPair, type NoisePrimitives } from './primitives.js';
import { SymmetricState } from './symmetric-state.js';

export interface HandshakeStateOptions {
  readonly pattern: HandshakePattern;
  readonly initiator: boolean;
  readonly prologue: Uint8Array;
  /** Required when the pattern sends this side's static key or has it as a pre-message. */
  readonly staticKeyPair?: NoiseKeyPair;
  /** Required when the pattern has the peer's static key as a pre-message. */
  readonly remoteStaticPublic?: Uint8Array;
  /** Only for known-answer tests; otherwise a fresh one is generated when the pattern calls for it. */
  readonly ephemeralKeyPair?: NoiseKeyPair;
}

export class HandshakeState {
  readonly #primitives: NoisePrimitives;
  readonly #pattern: HandshakePattern;
  readonly #initiator: boolean;
  readonly #symmetric: SymmetricState;
  readonly #static: NoiseKeyPair | undefined;
  #ephemeral: NoiseKeyPair | undefined;
  #remoteStatic: Uint8Array | undefined;
  #remoteEphemeral: Uint8Array | undefined;
  #messageIndex = 0;
  #failed = false;
  #split = false;

  constructor(primitives: NoisePrimitives, options: HandshakeStateOptions) {
    const { pattern, initiator } = options;
    const localPre = initiator ? pattern.initiatorStaticPreMessage : pattern.responderStaticPreMessage;
    const remotePre = initiator ? pattern.responderStaticPreMessage : pattern.initiatorStaticPreMessage;
    const sendsStatic = pattern.messages.some((tokens, index) => index % 2 === (initiator ? 0 : 1) && tokens.includes('s'));
    if ((localPre || sendsStatic) && options.staticKeyPair === undefined) {
      throw new SottoError('BAD_VALUE', `${pattern.name} needs this side's static key pair`);
    }
    if (remotePre && options.remoteStaticPublic === undefined) {
      throw new SottoError('BAD_VALUE', `${pattern.name} needs the peer's static public key`);
    }
    if (options.remoteStaticPublic !== undefined && options.remoteStaticPublic.length !== DH_BYTES) {
      throw new SottoError('BAD_KEY', 'peer static public key must be 32 bytes');
    }
    this.#primitives = primitives;
    this.#pattern = pattern;
    this.#initiator = initiator;
    this.#static = options.staticKeyPair;
    this.#ephemeral = options.ephemeralKeyPair;
    this.#remoteStatic = options.remoteStaticPublic;
    this.#symmetric = new SymmetricState(primitives, noiseProtocolName(pattern));
    this.#symmetric.mixHash(options.prologue);
    // Pre-messages are hashed initiator's first, whichever side this is (spec §7.1).
    const initiatorStatic = initiator ? this.#static?.publicKey : this.#remoteStatic;
    const responderStatic = initiator ? this.#remoteStatic : this.#static?.publicKey;
    if (pattern.initiatorStaticPreMessage) this.#symmetric.mixHash(initiatorStatic!);
    if (pattern.responderStaticPreMessage) this.#symmetric.mixHash(responderStatic!);
  }

  get isComplete(): boolean {
    return this.#messageIndex === this.#pattern.messages.length;
  }

  /** The final h: both sides hold the same value exactly when they saw the same handshake. */
  get handshakeHash(): Uint8Array {
    if (!this.isComplete) throw new SottoError('HANDSHAKE_FAILED', 'handshake is not complete');
    return this.#symmetric.handshakeHash;
  }

  writeMessage(payload: Uint8Array): Uint8Array {
    return this.#step(true, () => {
      const parts: Uint8Array[] = [];
      for (const token of this.#nextTokens()) {
        if (token === 'e') {
          const ephemeral = this.#ephemeral ?? this.#primitives.generateKeyPair();
          this.#ephemeral = ephemeral;
          parts.push(ephemeral.publicKey);
          this.#symmetric.mixHash(ephemeral.publicKey);
        } else if (token === 's') {
          parts.push(this.#symmetric.encryptAndHash(this.#static!.publicKey));
        } else {
          this.#symmetric.mixKey(this.#dh(token));
        }
      }
      parts.push(this.#symmetric.encryptAndHash(payload));
      const message = concat(...parts);
      if (message.length > NOISE_MAX_MESSAGE_BYTES) throw new SottoError('HANDSHAKE_FAILED', 'payload too large for a Noise message');
      return message;
    });
  }

  /** Returns the payload. Throws HANDSHAKE_FAILED for any malformed, short or unauthentic message. */
  readMessage(message: Uint8Array): Uint8Array {
    return this.#step(false, () => {
      if (message.length > NOISE_MAX_MESSAGE_BYTES) throw new SottoError('HANDSHAKE_FAILED', 'message larger than Noise allows');
      let offset = 0;
      // Copies, not views: the caller may reuse the message buffer while the keys are still needed.
      const take = (length: number): Uint8Array => {
        if (message.length - offset < length) throw new SottoError('HANDSHAKE_FAILED', 'message too short');
        offset += length;
        return message.slice(offset - length, offset);
      };
      for (const token of this.#nextTokens()) {
        if (token === 'e') {
          this.#remoteEphemeral = take(DH_BYTES);
          this.#symmetric.mixHash(this.#remoteEphemeral);
        } else if (token === 's') {
          this.#remoteStatic = this.#symmetric.decryptAndHash(take(this.#symmetric.hasKey ? DH_BYTES + AEAD_TAG_BYTES : DH_BYTES));
        } else {
          this.#symmetric.mixKey(this.#dh(token));
        }
      }
      if (this.#symmetric.hasKey && message.length - offset < AEAD_TAG_BYTES) {
        throw new SottoError('HANDSHAKE_FAILED', 'message too short');
      }
      return this.#symmetric.decryptAndHash(message.subarray(offset));
    });
  }

  /** The transport CipherStates for this side. Once only: a second pair would reuse nonces. */
  split(): CipherStatePair {
    if (!this.isComplete) throw new SottoError('HANDSHAKE_FAILED', 'handshake is not complete');
    if (this.#split) throw new SottoError('HANDSHAKE_FAILED', 'transport keys were already taken');
    this.#split = true;
    const [initiatorToResponder, responderToInitiator] = this.#symmetric.split();
    return this.#initiator
      ? { send: initiatorToResponder, receive: responderToInitiator }
      : { send: responderToInitiator, receive: initiatorToResponder };
  }

  #step<T>(writing: boolean, run: () => T): T {
    if (this.#failed) throw new SottoError('HANDSHAKE_FAILED', 'handshake already failed');
    if (this.isComplete) throw new SottoError('HANDSHAKE_FAILED', 'handshake already complete');
    const initiatorsTurn = this.#messageIndex % 2 === 0;
    if ((initiatorsTurn === this.#initiator) !== writing) {
      throw new SottoError('HANDSHAKE_FAILED', writing ? 'expected to read, not write' : 'expected to write, not read');
    }
    try {
      const result = run();
      this.#messageIndex++;
      return result;
    } catch (error) {
      this.#failed = true;
      if (isSottoError(error) && error.errorName !== 'HANDSHAKE_FAILED') {
        throw new SottoError('HANDSHAKE_FAILED', error.detail === undefined ? error.errorName : `${error.errorName}: ${error.detail}`);
      }
      throw error;
    }
  }

  #nextTokens(): readonly MessageToken[] {
    return this.#pattern.messages[this.#messageIndex]!;
  }

  #dh(token: Exclude<MessageToken, 'e' | 's'>): Uint8Array {
    // A DH token names the initiator's key first and the responder's second (spec §7.1).
    const local = this.#initiator ? token[0] : token[1];
    const remote = this.#initiator ? token[1] : token[0];
    const secretKey = local === 'e' ? this.#ephemeral?.secretKey : this.#static?.secretKey;
    const publicKey = remote === 'e' ? this.#remoteEphemeral : this.#remoteStatic;
    if (secretKey === undefined || publicKey === undefined) throw new SottoError('HANDSHAKE_FAILED', `${token} before its keys are known`);
    return this.#primitives.dh(secretKey, publicKey);
  }
}
