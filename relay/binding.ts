// A session's binding to one room: the key its auth was signed with, and the role it proved. The
// key is kept as a byte string (byte-string.ts): a relay holds a binding per idle connection.
// Checks compare against it in place; only store lookups need its bytes back.
import type { AuthRole } from '../protocol/wire/frames.js';
import { byteStringEquals, fromByteString, toByteString } from './byte-string.js';

export class Binding {
  readonly #sign: string;
  readonly role: AuthRole;

  private constructor(sign: string, role: AuthRole) {
    this.#sign = sign;
    this.role = role;
  }

  /** Keeps a copy of `sign`, never a view into the message it came in. */
  static of(sign: Uint8Array, role: AuthRole): Binding {
    return new Binding(toByteString(sign), role);
  }

  /** The bound key, in bytes of its own. */
  get sign(): Uint8Array {
    return fromByteString(this.#sign);
  }

  isKey(key: Uint8Array): boolean {
    return byteStringEquals(this.#sign, key);
  }

  /** The same key bound in another role. */
  as(role: AuthRole): Binding {
    return new Binding(this.#sign, role);
  }
}
