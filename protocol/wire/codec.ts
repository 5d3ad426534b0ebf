// Length-prefixed binary fields. Every read checks bounds before it touches the bytes, and every
// variable-length read takes the field's limit, so sizes are checked before any crypto runs.
import { SottoError } from '../errors.js';
import { fromUtf8, utf8 } from '../bytes.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /**
   * Grows the buffer if needed and returns where the next n bytes go. Call it BEFORE reading #buf or
   * #view: `this.#buf.set(x, this.#reserve(n))` would evaluate the old buffer first and write into it.
   */
  #reserve(n: number): number {
    const need = this.#len + n;
    if (need > this.#buf.length) {
      let cap = Math.max(this.#buf.length * 2, 16); // a zero-capacity writer must still grow
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#len;
    this.#len = need;
    return at;
  }

  u8(value: number): this {
    checkRange(value, 0xff);
    const at = this.#reserve(1); // grow first: #buf may be replaced
    this.#buf[at] = value;
    return this;
  }

  u16(value: number): this {
    checkRange(value, 0xffff);
    const at = this.#reserve(2);
    this.#view.setUint16(at, value);
    return this;
  }

  u32(value: number): this {
    checkRange(value, 0xffffffff);
    const at = this.#reserve(4);
    this.#view.setUint32(at, value);
    return this;
  }

  /** u64 on the wire; values stay below 2^53 so they are exact JS numbers. */
  u64(value: number): this {
    checkRange(value, MAX_SAFE);
    const at = this.#reserve(8);
    this.#view.setUint32(at, Math.floor(value / 0x100000000));
    this.#view.setUint32(at + 4, value >>> 0);
    return this;
  }

  /** A fixed-size field: the length is part of the format, not the bytes. */
  fixed(bytes: Uint8Array, length: number): this {
    if (bytes.length !== length) throw new SottoError('BAD_VALUE', `expected ${length} bytes, got ${bytes.length}`);
    const at = this.#reserve(length);
    this.#buf.set(bytes, at);
    return this;
  }

  var16(bytes: Uint8Array): this {
    this.u16(bytes.length);
    const at = this.#reserve(bytes.length);
    this.#buf.set(bytes, at);
    return this;
  }

  var32(bytes: Uint8Array): this {
    this.u32(bytes.length);
    const at = this.#reserve(bytes.length);
    this.#buf.set(bytes, at);
    return this;
  }

  str16(text: string): this {
    return this.var16(utf8(text));
  }

  raw(bytes: Uint8Array): this {
    const at = this.#reserve(bytes.length);
    this.#buf.set(bytes, at);
    return this;
  }

  get length(): number {
    return this.#len;
  }

  /**
   * The bytes written, sized exactly. A writer filled to its capacity hands over its buffer without
   * a copy (a full buffer is never written into again: the next write grows into a new one);
   * otherwise a copy, so callers may keep it after the writer is reused or dropped.
   */
  finish(): Uint8Array {
    return this.#len === this.#buf.length ? this.#buf : this.#buf.slice(0, this.#len);
  }
}

function checkRange(value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new SottoError('BAD_VALUE', `integer ${value} outside 0..${max}`);
  }
}

export class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.#at;
  }

  get remaining(): number {
    return this.#bytes.length - this.#at;
  }

  #take(n: number, what: string): number {
    if (this.#bytes.length - this.#at < n) throw new SottoError('TRUNCATED', what);
    const at = this.#at;
    this.#at += n;
    return at;
  }

  u8(what = 'u8'): number {
    return this.#bytes[this.#take(1, what)]!;
  }

  u16(what = 'u16'): number {
    return this.#view.getUint16(this.#take(2, what));
  }

  u32(what = 'u32'): number {
    return this.#view.getUint32(this.#take(4, what));
  }

  u64(what = 'u64'): number {
    const at = this.#take(8, what);
    const high = this.#view.getUint32(at);
    if (high > 0x1fffff) throw new SottoError('BAD_VALUE', `${what} exceeds 2^53`);
    return high * 0x100000000 + this.#view.getUint32(at + 4);
  }

  /** A view into the frame, not a copy: frames are immutable once received. */
  fixed(length: number, what: string): Uint8Array {
    const at = this.#take(length, what);
    return this.#bytes.subarray(at, at + length);
  }

  var16(max: number, what: string): Uint8Array {
    const length = this.u16(what);
    if (length > max) throw new SottoError('FIELD_TOO_LARGE', `${what}: ${length} > ${max}`);
    return this.fixed(length, what);
  }

  var32(max: number, what: string): Uint8Array {
    const length = this.u32(what);
    if (length > max) throw new SottoError('FIELD_TOO_LARGE', `${what}: ${length} > ${max}`);
    return this.fixed(length, what);
  }

  str16(maxBytes: number, what: string): string {
    const bytes = this.var16(maxBytes, what);
    try {
      return fromUtf8(bytes);
    } catch {
      throw new SottoError('BAD_UTF8', what);
    }
  }

  /** Everything from `start` to the current offset: the exact bytes a signature covers. */
  span(start: number): Uint8Array {
    return this.#bytes.subarray(start, this.#at);
  }

  end(what: string): void {
    if (this.#at !== this.#bytes.length) throw new SottoError('TRAILING_BYTES', what);
  }
}
