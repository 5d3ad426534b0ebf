// Every decoder that takes bytes from the network (or from a peer through the relay), by name, and
// the one rule they all must follow on hostile input: return a value or throw a SottoError.
import { SottoError } from '../../protocol/errors.js';
import { decodeContent } from '../../protocol/wire/content.js';
import { decodeClientFrame, decodeRelayFrame } from '../../protocol/wire/frames.js';
import { decodeInvite } from '../../protocol/wire/invite.js';
import { decodeJoinConfirm, decodeJoinRequest, decodeWelcome, decodeWelcomePayload } from '../../protocol/wire/join.js';
import { decodeMemberEvent } from '../../protocol/wire/membership.js';
import { decodeMessage } from '../../protocol/wire/message.js';
import { decodeRotation } from '../../protocol/wire/rotation.js';

export const DECODERS = {
  clientFrame: decodeClientFrame,
  relayFrame: decodeRelayFrame,
  memberEvent: decodeMemberEvent,
  invite: decodeInvite,
  joinRequest: decodeJoinRequest,
  welcome: decodeWelcome,
  joinConfirm: decodeJoinConfirm,
  rotation: decodeRotation,
  message: decodeMessage,
  content: decodeContent,
  welcomePayload: decodeWelcomePayload,
} as const satisfies Record<string, (bytes: Uint8Array) => unknown>;

export type DecoderName = keyof typeof DECODERS;

export function isDecoderName(name: string): name is DecoderName {
  return Object.hasOwn(DECODERS, name);
}

/** Far beyond any decode of these sizes, even on a loaded machine: longer means a loop went wrong. */
const MAX_DECODE_MS = 2000;

/**
 * Runs `decode` and names what happened: 'ok', or the SottoError's name. Any other exception, or a
 * decode slower than a hang-detector bound, is a finding and is thrown.
 */
export function outcomeOf<T>(decode: (input: T) => unknown, input: T): string {
  const started = performance.now();
  let outcome = 'ok';
  try {
    decode(input);
  } catch (error) {
    if (!(error instanceof SottoError)) {
      throw new Error(`decoder threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} instead of a SottoError`);
    }
    outcome = error.errorName;
  }
  const elapsed = performance.now() - started;
  if (elapsed > MAX_DECODE_MS) throw new Error(`decoder took ${elapsed.toFixed(0)} ms`);
  return outcome;
}
