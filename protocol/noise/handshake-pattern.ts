// Noise spec §7 handshake patterns, as data. NK is the one Sotto runs; the rest of the fundamental
// and one-way patterns are here so every cacophony vector of this cipher suite checks the engine.

export type MessageToken = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss';

export interface HandshakePattern {
  readonly name: string;
  /** Whether each side's static key is known to the other before the first message (`-> s` / `<- s`). */
  readonly initiatorStaticPreMessage: boolean;
  readonly responderStaticPreMessage: boolean;
  /** Messages alternate, initiator first. */
  readonly messages: readonly (readonly MessageToken[])[];
}

function pattern(
  name: string,
  preMessages: { initiator?: true; responder?: true },
  messages: readonly (readonly MessageToken[])[],
): HandshakePattern {
  return {
    name,
    initiatorStaticPreMessage: preMessages.initiator === true,
    responderStaticPreMessage: preMessages.responder === true,
    messages,
  };
}

export const HANDSHAKE_PATTERNS = {
  N: pattern('N', { responder: true }, [['e', 'es']]),
  K: pattern('K', { initiator: true, responder: true }, [['e', 'es', 'ss']]),
  X: pattern('X', { responder: true }, [['e', 'es', 's', 'ss']]),
  NN: pattern('NN', {}, [['e'], ['e', 'ee']]),
  NK: pattern('NK', { responder: true }, [['e', 'es'], ['e', 'ee']]),
  NX: pattern('NX', {}, [['e'], ['e', 'ee', 's', 'es']]),
  KK: pattern('KK', { initiator: true, responder: true }, [['e', 'es', 'ss'], ['e', 'ee', 'se']]),
  XK: pattern('XK', { responder: true }, [['e', 'es'], ['e', 'ee'], ['s', 'se']]),
  IK: pattern('IK', { responder: true }, [['e', 'es', 's', 'ss'], ['e', 'ee', 'se']]),
  XX: pattern('XX', {}, [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']]),
} satisfies Record<string, HandshakePattern>;

export function noiseProtocolName(handshakePattern: HandshakePattern): string {
  return `Noise_${handshakePattern.name}_25519_ChaChaPoly_SHA256`;
}
