// A member against the others' screens through names (issue 14, problem 7; V-18): a display name
// with a right-to-left override that copies another member's exact name, and a room name with bidi
// controls. Real relay, real clients; the attacker only uses the client's public API, since names
// are whatever a member's client puts in its profile.
//
// How it fails on the code before V-18 (parent commit 251211e): that code stored and showed names
// as they arrived and had no labels. Checked by building this branch and then making safeName
// return its input and memberLabels return the bare names in dist/ (what 251211e did): the first
// test fails at its first assertion (Alice's list shows "\u202EBob", so Mallory's name keeps the
// override), and with only the sanitizer restored it fails at "told apart" (both show "Bob"); the
// second test fails at its first assertion (the room name keeps U+202E/U+2066). Not run against
// 251211e itself: MemberView.label and MessageView.senderLabel do not exist there, so this file
// does not compile against it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HostileRelay, until, type Person } from './hostile-relay.js';

let relay: HostileRelay;

test.before(async () => {
  relay = await HostileRelay.start();
});

test.after(async () => {
  await relay.close();
});

/** Admits `joiner` under `displayName` (the harness's admit expects the name to arrive unchanged). */
async function admitAs(owner: Person, joiner: Person, roomId: string, displayName: string): Promise<string> {
  const { link } = await owner.client.createInvite(roomId);
  await joiner.client.join(link, displayName);
  await until(() => joiner.client.rooms().find((r) => r.roomId === roomId)?.status === 'member', `${joiner.name} admitted`);
  return joiner.client.identity(roomId);
}

/** `person`'s member list, as label by signing key. */
function labels(person: Person, roomId: string): Map<string, string> {
  return new Map(person.client.members(roomId).map((m) => [m.sign, m.label]));
}

test('a member named with U+202E and another member’s exact name: everyone sees the name without the override, and the two are told apart by fingerprint suffix', async () => {
  const { people: [alice, bob], roomId } = await relay.gather('Alice', 'Bob');
  const mallory = await relay.person('mallory');
  const malloryKey = await admitAs(alice!, mallory, roomId, '\u202EBob\u200B');
  const bobKey = bob!.client.identity(roomId);
  const named = (person: Person): boolean => person.client.members(roomId).some((m) => m.sign === malloryKey && m.name !== undefined);
  await until(() => named(alice!) && named(bob!) && named(mallory), 'mallory’s profile everywhere');

  for (const viewer of [alice!, bob!, mallory]) {
    const members = viewer.client.members(roomId);
    const fake = members.find((m) => m.sign === malloryKey)!;
    const real = members.find((m) => m.sign === bobKey)!;
    assert.is(fake.name, 'Bob', `${viewer.name}: the override and the zero-width space are gone`);
    assert.is.not(fake.label, real.label, `${viewer.name}: the two Bobs are told apart`);
    // The suffix is the start of each one's own fingerprint, in fingerprint.ts's format.
    assert.ok(fake.label.startsWith(`Bob · ${fake.fingerprint.slice(0, 4)}`), `${viewer.name}: ${fake.label}`);
    assert.ok(real.label.startsWith(`Bob · ${real.fingerprint.slice(0, 4)}`), `${viewer.name}: ${real.label} (Bob sees his own collision too)`);
    assert.is(labels(viewer, roomId).get(alice!.client.identity(roomId)), 'Alice', `${viewer.name}: a unique name has no suffix`);
  }

  // In the timeline too: the copy's messages carry its label, not the real Bob's.
  await mallory.client.send(roomId, 'it’s Bob, new phone');
  await bob!.client.send(roomId, 'that is not me');
  await until(() => alice!.texts(roomId).includes('that is not me') && alice!.texts(roomId).includes('it’s Bob, new phone'), 'alice reads both');
  const shown = alice!.client.messages(roomId);
  const fakeLabel = labels(alice!, roomId).get(malloryKey)!;
  const realLabel = labels(alice!, roomId).get(bobKey)!;
  assert.is(shown.find((m) => m.text === 'it’s Bob, new phone')!.senderLabel, fakeLabel);
  assert.is(shown.find((m) => m.text === 'that is not me')!.senderLabel, realLabel);
  assert.is(shown.find((m) => m.text === 'it’s Bob, new phone')!.senderName, 'Bob');
});

test('a room name with bidi controls is shown without them, at its creator and at a joiner (welcome)', async () => {
  const owner = await relay.person('owner');
  const joiner = await relay.person('joiner');
  // RLO makes "Payroll\u202Efdp.exe" read "Payrollexe.pdf"; the isolates would reorder what follows.
  const roomId = await owner.client.createRoom('Payroll\u202Efdp.exe \u2066x\u2069', 'Owner');
  const roomName = (person: Person): string | undefined => person.client.rooms().find((r) => r.roomId === roomId)?.name;
  assert.is(roomName(owner), 'Payrollfdp.exe x', 'the creator');
  await admitAs(owner, joiner, roomId, 'Joiner');
  assert.is(roomName(joiner), 'Payrollfdp.exe x', 'the joiner, from the welcome');
});

test.run();
