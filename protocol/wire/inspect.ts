// A debugging view of any frame or record: field names, sizes, keys as truncated hex. Never throws:
// malformed input comes back as its error code, the same one the decoder would raise.
import { toHex } from '../bytes.js';
import { errorNameOf, isSottoError } from '../errors.js';
import { decodeClientFrame, decodeRelayFrame } from './frames.js';
import { decodeInvite } from './invite.js';
import { decodeJoinConfirm, decodeJoinRequest, decodeWelcome } from './join.js';
import { decodeMemberEvent } from './membership.js';
import { decodeMessage } from './message.js';
import { decodeRotation } from './rotation.js';
import { decodeCheckpoint } from './checkpoint.js';
import { CLIENT_FRAME, RECORD, RELAY_FRAME } from './types.js';

/** Bytes shown before a value is cut: enough to tell keys apart. */
const SHOWN_BYTES = 8;
/** Derived views of `bytes` that add nothing to the printout. */
const HIDDEN = new Set(['type', 'bytes', 'signed', 'header']);
/** String fields that carry free text rather than an enumeration. */
const FREE_TEXT = new Set(['text']);

const RECORD_DECODERS: Readonly<Record<number, (bytes: Uint8Array) => object>> = {
  [RECORD.memberEvent]: decodeMemberEvent,
  [RECORD.invite]: decodeInvite,
  [RECORD.joinRequest]: decodeJoinRequest,
  [RECORD.welcome]: decodeWelcome,
  [RECORD.joinConfirm]: decodeJoinConfirm,
  [RECORD.rotation]: decodeRotation,
  [RECORD.message]: decodeMessage,
  [RECORD.checkpoint]: decodeCheckpoint,
};

function nameOf(table: Readonly<Record<string, number>>, tag: number): string | undefined {
  return Object.keys(table).find((name) => table[name] === tag);
}

function hex(bytes: Uint8Array): string {
  const shown = toHex(bytes.subarray(0, SHOWN_BYTES));
  return `${shown}${bytes.length > SHOWN_BYTES ? '…' : ''} (${bytes.length} B)`;
}

function title(bytes: Uint8Array, kind: string): string {
  const tag = bytes[1] ?? 0;
  const name = nameOf(RECORD, tag) ?? nameOf(CLIENT_FRAME, tag) ?? nameOf(RELAY_FRAME, tag) ?? 'unknown';
  return `${kind} ${name} (0x${tag.toString(16).padStart(2, '0')}), ${bytes.length} bytes`;
}

function isRecord(value: object): value is { bytes: Uint8Array } {
  return 'bytes' in value && value.bytes instanceof Uint8Array;
}

function lines(value: object, indent: string, out: string[]): void {
  // Wire order puts signatures last; decoded objects list them first.
  const entries = Object.entries(value).filter(([key]) => !HIDDEN.has(key));
  const signature = (key: string): boolean => /ignature$/.test(key);
  for (const [key, field] of [...entries.filter(([k]) => !signature(k)), ...entries.filter(([k]) => signature(k))]) {
    describe(key, field, indent, out);
  }
}

function describe(key: string, field: unknown, indent: string, out: string[]): void {
  if (field instanceof Uint8Array) {
    out.push(`${indent}${key}: ${hex(field)}`);
  } else if (Array.isArray(field)) {
    out.push(`${indent}${key}: ${field.length} item${field.length === 1 ? '' : 's'}`);
    field.forEach((item: unknown, i) => describe(`[${i}]`, item, `${indent}  `, out));
  } else if (field === undefined) {
    out.push(`${indent}${key}: none`);
  } else if (typeof field === 'object' && field !== null) {
    out.push(`${indent}${key}: ${isRecord(field) ? title(field.bytes, 'record') : ''}`.trimEnd());
    lines(field, `${indent}  `, out);
  } else if (typeof field === 'string') {
    // Free text is quoted (and escaped); enumerations (kind, role) are not.
    out.push(`${indent}${key}: ${FREE_TEXT.has(key) ? JSON.stringify(field) : field}`);
  } else if (key === 'code' && typeof field === 'number') {
    out.push(`${indent}${key}: ${field} ${errorNameOf(field) ?? '(unknown code)'}`);
  } else {
    out.push(`${indent}${key}: ${String(field)}`);
  }
}

/**
 * Pretty-prints a frame travelling in `direction` (who sent it), or a bare record (tags 0x1_).
 * Malformed input gives `malformed …: NAME (code): detail` and never an exception.
 */
export function inspectFrame(bytes: Uint8Array, direction: 'client' | 'relay'): string {
  try {
    const recordDecoder = RECORD_DECODERS[bytes[1] ?? -1];
    let decoded: object;
    let heading: string;
    if (recordDecoder !== undefined) {
      decoded = recordDecoder(bytes);
      heading = title(bytes, 'record');
    } else {
      decoded = direction === 'client' ? decodeClientFrame(bytes) : decodeRelayFrame(bytes);
      heading = title(bytes, `${direction} frame`);
    }
    const out = [heading];
    lines(decoded, '  ', out);
    return out.join('\n');
  } catch (error) {
    const what = `malformed ${direction} frame, ${bytes.length} bytes`;
    if (isSottoError(error)) return `${what}: ${error.errorName} (${error.code})${error.detail === undefined ? '' : `: ${error.detail}`}`;
    return `${what}: INTERNAL (900): ${error instanceof Error ? error.message : String(error)}`;
  }
}
