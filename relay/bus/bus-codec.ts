// Bus events as Redis carries them: JSON naming the publishing process (which has delivered the
// event to its own sessions already), with byte fields in base64. Redis is the relay's own
// component, but a payload that does not decode is dropped rather than trusted.
import { fromBase64Url, toBase64Url } from '../../protocol/bytes.js';
import type { AuthRole } from '../../protocol/wire/frames.js';
import type { BusEvent } from './bus.js';

interface Wire {
  readonly origin: string;
  readonly type: BusEvent['type'];
  readonly role?: AuthRole;
  readonly key?: string;
  readonly except?: string;
  readonly frames?: readonly string[];
  readonly keys?: readonly string[];
}

export interface Envelope {
  readonly origin: string;
  readonly event: BusEvent;
}

export function encodeEnvelope({ origin, event }: Envelope): string {
  let wire: Wire;
  switch (event.type) {
    case 'push': {
      const { role, key, exceptSession } = event.to;
      wire = {
        origin, type: 'push', frames: event.frames.map(toBase64Url),
        ...(role === undefined ? {} : { role }), ...(key === undefined ? {} : { key: toBase64Url(key) }),
        ...(exceptSession === undefined ? {} : { except: exceptSession }),
      };
      break;
    }
    case 'unbind':
      wire = { origin, type: 'unbind', keys: event.keys.map(toBase64Url) };
      break;
    case 'promote':
      wire = { origin, type: 'promote', key: toBase64Url(event.key) };
      break;
    case 'gap':
      wire = { origin, type: 'gap' };
      break;
  }
  return JSON.stringify(wire);
}

function strings(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new TypeError('expected strings');
  return value as string[];
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('expected a string');
  return value;
}

/** A device-link mailbox post between processes: the publishing process, the box address, the sealed bytes. */
export interface LinkEnvelope {
  readonly origin: string;
  readonly box: Uint8Array;
  readonly data: Uint8Array;
}

export function encodeLinkEnvelope({ origin, box, data }: LinkEnvelope): string {
  return JSON.stringify({ origin, box: toBase64Url(box), data: toBase64Url(data) });
}

/** Throws on anything that is not a link envelope this codec wrote (a box is a 32-byte hash). */
export function decodeLinkEnvelope(payload: string): LinkEnvelope {
  const wire = JSON.parse(payload) as Record<string, unknown>;
  const box = fromBase64Url(text(wire['box']));
  if (box.length !== 32) throw new TypeError('bad box');
  return { origin: text(wire['origin']), box, data: fromBase64Url(text(wire['data'])) };
}

/** Throws on anything that is not an envelope this codec wrote. */
export function decodeEnvelope(payload: string): Envelope {
  const wire = JSON.parse(payload) as Record<string, unknown>;
  const origin = text(wire['origin']);
  switch (wire['type']) {
    case 'push': {
      const role = wire['role'];
      if (role !== undefined && role !== 'member' && role !== 'joiner') throw new TypeError('bad role');
      return {
        origin,
        event: {
          type: 'push',
          frames: strings(wire['frames']).map(fromBase64Url),
          to: {
            ...(role === undefined ? {} : { role }),
            ...(wire['key'] === undefined ? {} : { key: fromBase64Url(text(wire['key'])) }),
            ...(wire['except'] === undefined ? {} : { exceptSession: text(wire['except']) }),
          },
        },
      };
    }
    case 'unbind':
      return { origin, event: { type: 'unbind', keys: strings(wire['keys']).map(fromBase64Url) } };
    case 'promote':
      return { origin, event: { type: 'promote', key: fromBase64Url(text(wire['key'])) } };
    case 'gap':
      return { origin, event: { type: 'gap' } };
    default:
      throw new TypeError('unknown bus event');
  }
}
