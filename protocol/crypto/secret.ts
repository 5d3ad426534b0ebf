// A holder for secret bytes that refuses to be printed, so a stray log line or JSON dump of a
// structure that contains one cannot leak it.

const REDACTED = 'Secret(redacted)';

export class Secret {
  readonly #bytes: Uint8Array;

  /**
   * Copies the input, so wiping this Secret never touches the caller's buffer and vice versa. The
   * constructor copies a typed array directly (`from` walks an iterator: 2–3× slower on the 32-byte
   * keys every chain step makes; `slice` would not copy a Node Buffer).
   */
  constructor(bytes: Uint8Array) {
    this.#bytes = new Uint8Array(bytes);
  }

  /** The live bytes, not a copy: a later wipe() zeroes what this returned. */
  expose(): Uint8Array {
    return this.#bytes;
  }

  wipe(): void {
    this.#bytes.fill(0);
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
