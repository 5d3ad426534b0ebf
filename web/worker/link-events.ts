// A device link's client events as the page sees them (docs/protocol.md §8.7.1): the failures in
// words that say what happened and what to do, never only an error name.
import type { ClientEvent } from '../../protocol/client/client-events.js';
import { ERRORS } from '../../protocol/errors.js';
import type { LinkProgress } from './rpc.js';

/** What a failed link means to the person; anything else falls back to the error's own message. */
export const LINK_FAILURE: Partial<Record<string, string>> = {
  BAD_LINK: 'A message on the link did not come from your other device, so the link was stopped and nothing from it was used. Start again with a new link.',
  LINK_CANCELLED: 'The link was cancelled on one of the two devices. Nothing more is sent; start again when you are ready.',
  BAD_INVITE_LINK: 'That is not a device link. Copy the whole link the new device shows (it starts with the address of this Sotto and contains “#/link/”).',
  BAD_CHAIN: 'The room’s membership history does not show this device added as your other device said. The room was not taken.',
  OPEN_FAILED: 'This device could not open the room’s new key. The room was not taken.',
  RATE_LIMITED: 'Too many device links at once from this connection. Wait a few minutes and try again.',
  CLOSED: 'The connection to the relay dropped during the link. Start again once you are connected.',
};

export function linkFailureText(code: string): string {
  return LINK_FAILURE[code] ?? (code in ERRORS ? ERRORS[code as keyof typeof ERRORS].message : 'The link failed.');
}

export function linkProgress(event: Extract<ClientEvent, { type: 'link' }>): LinkProgress {
  const { type: _type, error, ...rest } = event;
  return { ...rest, ...(error === undefined ? {} : { error: { code: error, message: linkFailureText(error) } }) };
}
