// One session's bindings, room (hex) → Binding. Nearly every session is bound to one room, so that
// binding is held in two fields and a Map is made only when a second room is bound: a Map's table
// alone is about 150 bytes, per idle connection.
import type { Binding } from './binding.js';

export class SessionBindings {
  #room: string | undefined;
  #binding: Binding | undefined;
  /** Every binding, once there have been two rooms at once; then the two fields stay empty. */
  #map: Map<string, Binding> | undefined;

  get size(): number {
    return this.#map?.size ?? (this.#room === undefined ? 0 : 1);
  }

  get(roomHex: string): Binding | undefined {
    if (this.#map !== undefined) return this.#map.get(roomHex);
    return roomHex === this.#room ? this.#binding : undefined;
  }

  has(roomHex: string): boolean {
    return this.get(roomHex) !== undefined;
  }

  set(roomHex: string, binding: Binding): void {
    if (this.#map !== undefined) {
      this.#map.set(roomHex, binding);
    } else if (this.#room === undefined || this.#room === roomHex) {
      this.#room = roomHex;
      this.#binding = binding;
    } else {
      this.#map = new Map([[this.#room, this.#binding!], [roomHex, binding]]);
      this.#room = undefined;
      this.#binding = undefined;
    }
  }

  /** True if `roomHex` was bound. */
  delete(roomHex: string): boolean {
    if (this.#map !== undefined) return this.#map.delete(roomHex);
    if (roomHex !== this.#room) return false;
    this.#room = undefined;
    this.#binding = undefined;
    return true;
  }

  rooms(): Iterable<string> {
    if (this.#map !== undefined) return this.#map.keys();
    return this.#room === undefined ? [] : [this.#room];
  }
}
