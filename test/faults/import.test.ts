// A member exports their keystore, sends 20 more messages, then imports the export (as the web
// client's Settings page does: the stored keystore is replaced and opened as imported) and sends
// again. Its own 20 later messages come back from the relay as its own (never REFLECTED), its
// counters move past them (no COUNTER_USED loop), the others read the new messages, and nobody
// sees an alarm.
//
// Checked against the code before adopt.ts (its client changes stashed, this file built against the
// rest): the first send after the import never got an ack (the test hung there before `within`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FilePersistence } from '../../client/file-persistence.js';
import { admit, TEST_KDF, TEST_PASSPHRASE, waitUntil } from '../helpers/clients.js';
import { faultSuite, warningsOf, within, type CountedClient } from './harness.js';

const QUIET_MS = 3_000;

const suite = faultSuite(test);

function open(keystore?: string, imported = false): Promise<CountedClient> {
  const persistence = keystore === undefined ? {} : { persistence: new FilePersistence(keystore, TEST_PASSPHRASE, TEST_KDF) };
  return suite.open({ ...persistence, ...(imported ? { imported } : {}) });
}

test('export, 20 messages, import the export, send again: the others read it and nobody sees an alarm', async () => {
  const keystore = join(suite.dir, 'bob');
  const alice = await open();
  const carol = await open();
  let bob = await open(keystore);
  const roomId = await alice.client.createRoom('Imports', 'Alice');
  await admit(alice, roomId, bob, 'Bob');
  await admit(alice, roomId, carol, 'Carol');
  await bob.client.send(roomId, 'bob before the export');
  await alice.client.send(roomId, 'alice before the export');
  await waitUntil(() => bob.client.messages(roomId).some((m) => m.text === 'alice before the export'), 'bob read alice');

  // The export: the keystore as it stands, its state file and its history records (closing lands the last save).
  await suite.close(bob);
  const exported = join(suite.dir, 'export');
  cpSync(keystore, exported, { recursive: true });
  bob = await open(keystore);
  for (let i = 0; i < 20; i++) await bob.client.send(roomId, `bob after the export ${i}`);
  await waitUntil(() => [alice, carol].every((c) => c.client.messages(roomId).some((m) => m.text === 'bob after the export 19')), 'the 20 read');

  // The import replaces the keystore with the older export.
  await suite.close(bob);
  rmSync(keystore, { recursive: true });
  cpSync(exported, keystore, { recursive: true });
  bob = await open(keystore, true);
  const importedKey = bob.client.identity(roomId);
  const marks = [alice.events.length, carol.events.length];
  await within(bob.client.send(roomId, 'bob after the import'), 30_000, 'the ack of the first message after the import');
  await waitUntil(() => [alice, carol].every((c) => c.client.messages(roomId).some((m) => m.text === 'bob after the import')), 'the new message read');

  const mine = bob.client.messages(roomId).filter((m) => m.mine).map((m) => m.text);
  for (let i = 0; i < 20; i++) assert.is(mine.filter((t) => t === `bob after the export ${i}`).length, 1, `message ${i} is bob's own, once`);
  assert.equal(warningsOf(bob).map((w) => `${w.error}: ${w.detail}`), [], 'no warning at the importer');
  for (const [i, c] of [alice, carol].entries()) assert.equal(warningsOf(c, marks[i]).map((w) => `${w.error}: ${w.detail}`), [], 'no warning at the others');
  for (const c of [alice, carol]) {
    assert.is(c.client.messages(roomId).filter((m) => m.text === 'bob after the import' && m.warnings.length === 0).length, 1, 'shown once, unmarked');
  }

  // An import also owes the room a key update (§8.5), made on the first connection: once it has
  // committed, nothing more goes out.
  await waitUntil(() => bob.client.identity(roomId) !== importedKey, 'the key update an import owes');
  await waitUntil(() => [alice, carol].every((c) => c.client.members(roomId).some((m) => m.sign === bob.client.identity(roomId))), 'the others apply it');
  const sent = bob.sent();
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  assert.is(bob.sent() - sent, 0, 'nothing goes out while idle');
});

test.run();
