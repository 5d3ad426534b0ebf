// Sotto's handshake: Noise NK. The client (initiator) already knows the relay's static key, so the
// first message is encrypted to the relay and only the relay can finish; the client stays anonymous
// here and proves who it is later by signing the handshake hash.
import { HANDSHAKE_PATTERNS } from './handshake-pattern.js';
import { HandshakeState } from './handshake-state.js';
import type { NoiseKeyPair, NoisePrimitives } from './primitives.js';
import { NoiseTransport, type NoiseTransportOptions } from './transport.js';

export interface NkInitiatorResult {
  readonly payload: Uint8Array;
  readonly transport: NoiseTransport;
  /** Identical on both sides; the client signs it to bind its identity to this session. */
  readonly handshakeHash: Uint8Array;
}

export interface NkResponderResult {
  readonly message: Uint8Array;
  readonly transport: NoiseTransport;
  readonly handshakeHash: Uint8Array;
}

export class NkInitiator {
  readonly #state: HandshakeState;
  readonly #transportOptions: Partial<NoiseTransportOptions> | undefined;

  /** `ephemeral` is for known-answer tests only. */
  constructor(
    primitives: NoisePrimitives,
    responderStaticPublic: Uint8Array,
    prologue: Uint8Array,
    ephemeral?: NoiseKeyPair,
    transportOptions?: Partial<NoiseTransportOptions>,
  ) {
    this.#state = new HandshakeState(primitives, {
      pattern: HANDSHAKE_PATTERNS.NK,
      initiator: true,
      prologue,
      remoteStaticPublic: responderStaticPublic,
      ephemeralKeyPair: ephemeral,
    });
    this.#transportOptions = transportOptions;
  }

  writeMessage1(payload: Uint8Array): Uint8Array {
    return this.#state.writeMessage(payload);
  }

  readMessage2(message: Uint8Array): NkInitiatorResult {
    const payload = this.#state.readMessage(message);
    return {
      payload,
      transport: new NoiseTransport(this.#state.split(), this.#transportOptions),
      handshakeHash: this.#state.handshakeHash,
    };
  }
}

export class NkResponder {
  readonly #state: HandshakeState;
  readonly #transportOptions: Partial<NoiseTransportOptions> | undefined;

  /** `ephemeral` is for known-answer tests only. */
  constructor(
    primitives: NoisePrimitives,
    staticKeyPair: NoiseKeyPair,
    prologue: Uint8Array,
    ephemeral?: NoiseKeyPair,
    transportOptions?: Partial<NoiseTransportOptions>,
  ) {
    this.#state = new HandshakeState(primitives, {
      pattern: HANDSHAKE_PATTERNS.NK,
      initiator: false,
      prologue,
      staticKeyPair,
      ephemeralKeyPair: ephemeral,
    });
    this.#transportOptions = transportOptions;
  }

  /** Returns the client's payload. */
  readMessage1(message: Uint8Array): Uint8Array {
    return this.#state.readMessage(message);
  }

  writeMessage2(payload: Uint8Array): NkResponderResult {
    const message = this.#state.writeMessage(payload);
    return {
      message,
      transport: new NoiseTransport(this.#state.split(), this.#transportOptions),
      handshakeHash: this.#state.handshakeHash,
    };
  }
}
