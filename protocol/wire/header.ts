// The two bytes every frame and record starts with: version, then the type tag.
import { SottoError } from '../errors.js';
import type { Reader, Writer } from './codec.js';
import { WIRE_VERSION } from './types.js';

export function writeHeader(w: Writer, tag: number): void {
  w.u8(WIRE_VERSION).u8(tag);
}

export function readHeader(r: Reader, tag: number, what: string): void {
  const version = r.u8('version');
  if (version !== WIRE_VERSION) throw new SottoError('BAD_VERSION', `${what}: version ${version}`);
  const got = r.u8('type');
  if (got !== tag) throw new SottoError('UNKNOWN_TYPE', `${what}: expected type 0x${tag.toString(16)}, got 0x${got.toString(16)}`);
}
