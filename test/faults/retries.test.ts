// Retries are bounded: a send the relay keeps refusing and a relay that stays down are retried with
// jittered, growing pauses for a bounded time, then stop in a state the person can act on — the
// message shows "Not sent" (failed) with a Retry, the connection 'stopped' with a Retry — and
// nothing more goes out until they do.
//
// The refused send: an older copy of a keystore opened as it is (not imported), whose next counter
// the relay already holds under another record (COUNTER_USED each time). Checked against the code
// before backoff.ts (its client changes stashed, this file built against the rest): the message
// never gets a "Not sent" state (it stays "Sending…"), and the client never stops reconnecting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FilePersistence } from '../../client/file-persistence.js';
import { TEST_KDF, TEST_PASSPHRASE, waitUntil } from '../helpers/clients.js';
import { faultSuite, type CountedClient } from './harness.js';

const GIVE_UP_MS = 4_000;
const QUIET_MS = 3_000;

const suite = faultSuite(test);

function open(keystore: string): Promise<CountedClient> {
  return suite.open({ persistence: new FilePersistence(keystore, TEST_PASSPHRASE, TEST_KDF), sendGiveUpMs: GIVE_UP_MS, reconnectGiveUpMs: GIVE_UP_MS });
}

test('a send refused again and again: bounded retries, then Not sent and silence until Retry', async () => {
  const keystore = join(suite.dir, 'alice');
  let alice = await open(keystore);
  const roomId = await alice.client.createRoom('Retries', 'Alice');
  await suite.close(alice);
  // The older copy: the whole keystore (state file and history records) as it stood.
  const older = join(suite.dir, 'older');
  cpSync(keystore, older, { recursive: true });
  alice = await open(keystore);
  await alice.client.send(roomId, 'sent by the newer copy');
  await suite.close(alice);
  rmSync(keystore, { recursive: true });
  cpSync(older, keystore, { recursive: true });

  alice = await open(keystore);
  const start = alice.sent();
  const sending = alice.client.send(roomId, 'sent by the older copy').catch(() => undefined);
  const failed = (): boolean => alice.client.messages(roomId).some((m) => m.text === 'sent by the older copy' && m.pending && m.failed === true);
  await waitUntil(failed, 'the message marked Not sent', GIVE_UP_MS + 30_000);
  const during = alice.sent() - start;
  // 250 ms doubling, capped by the bound: a handful of tries, each a send and a sync — not a loop.
  assert.ok(during <= 30, `${during} WebSocket messages while retrying`);
  const quiet = alice.sent();
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  assert.is(alice.sent() - quiet, 0, 'nothing goes out once given up');

  // Retry: tried again (and, the counter still being taken, given up on again, as boundedly).
  const before = alice.sent();
  alice.client.retrySends(roomId);
  await waitUntil(() => alice.sent() > before && !failed(), 'retried');
  await waitUntil(failed, 'given up on again', GIVE_UP_MS + 30_000);
  assert.ok(alice.sent() - before <= 30, 'bounded again');
  void sending;
});

test('a relay that stays down: reconnecting backs off, stops, and Retry connects once it is back', async () => {
  const alice = await open(join(suite.dir, 'alice'));
  await suite.relay.kill();
  await waitUntil(() => alice.client.status === 'stopped', 'reconnecting stopped', GIVE_UP_MS + 30_000);
  const attempts = alice.attempts();
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  assert.is(alice.attempts(), attempts, 'no attempt once stopped');
  await suite.relay.restart();
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is(alice.client.status, 'stopped', 'still stopped: nothing tries on its own');
  alice.client.reconnect();
  await alice.client.whenOnline(30_000);
});

test.run();
