// A person's devices in one room (docs/protocol.md §8.7, ADR 0010): every device is its own member,
// and the members sharing an `addedAt` — the index of the event that admitted the person's first
// device — are one person. Kept apart from the log rules so views and the relay read it the same way.
import { bytesEqual } from '../bytes.js';
import type { Member, Roster } from './roster.js';

/**
 * The most devices one person holds in a room. A protocol constant, not an option: the relay and
 * every client must refuse the same `device` event (V-140).
 */
export const MAX_DEVICES_PER_PERSON = 16;

/** Every current member of the person `addedAt` names, in roster order. */
export function devicesOf(roster: Roster, addedAt: number): Member[] {
  return [...roster.members.values()].filter((m) => m.addedAt === addedAt);
}

/** Whether the person holds the owner key: such a person is never removed, demoted nor leaves. */
export function personHoldsOwner(roster: Roster, addedAt: number): boolean {
  return devicesOf(roster, addedAt).some((m) => m.role === 'owner');
}

/** How many people the roster holds: each once, however many devices they have in the room. */
export function personCount(roster: Roster): number {
  return new Set([...roster.members.values()].map((m) => m.addedAt)).size;
}

/** Whether two members are devices of one person. */
export function samePerson(a: Member, b: Member): boolean {
  return a.addedAt === b.addedAt;
}

/** The signing keys `before` holds and `after` does not: whom an event removed (a whole person, or one device). */
export function removedKeys(before: Roster, after: Roster): Uint8Array[] {
  return [...before.members.values()].filter((m) => ![...after.members.values()].some((n) => bytesEqual(n.sign, m.sign))).map((m) => m.sign);
}
