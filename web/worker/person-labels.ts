// One label per person, not per device (docs/protocol.md §8.7): a person's devices all announce the
// person's name, and member-labels.ts would tell them apart like look-alike strangers ("Alice · 1a2b",
// "Alice · 3c4d"). Here each person counts once, by their first device, so Alice stays "Alice" on
// every device, while two different people with look-alike names still get fingerprint suffixes.
import type { MemberView as ClientMember } from '../../protocol/client/client-events.js';
import { memberLabels } from '../../protocol/client/member-labels.js';

export interface PersonLabel {
  /** The person's label, the same for each of their devices. */
  readonly label: string;
  /** How many of the person's devices are in the room. */
  readonly devices: number;
}

/** Each member's (by signing key) person label and device count. */
export function personLabels(members: readonly ClientMember[]): Map<string, PersonLabel> {
  const persons = new Map<number, ClientMember[]>();
  for (const m of members) {
    const devices = persons.get(m.person);
    if (devices === undefined) persons.set(m.person, [m]);
    else devices.push(m);
  }
  const first = [...persons.values()].map((devices) => devices.find((d) => d.name !== undefined) ?? devices[0]!);
  const prints = new Map(members.map((m) => [m.sign, m.fingerprint]));
  const labels = memberLabels(first.map((m) => ({ sign: m.sign, name: m.name })), (sign) => prints.get(sign)!);
  const out = new Map<string, PersonLabel>();
  for (const [index, devices] of [...persons.values()].entries()) {
    const label = labels.get(first[index]!.sign)!;
    for (const d of devices) out.set(d.sign, { label, devices: devices.length });
  }
  return out;
}

/** How message details name a device: the start of its key fingerprint. */
export function deviceName(fingerprint: string): string {
  return `device ${fingerprint.split(' ').slice(0, 2).join(' ')}`;
}
