// A real room for tests and the bench: the fixture keystore's (test/fixtures/keystore-v1, 300
// messages), which grow-history.ts can make as long as they ask.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Suite } from '../../protocol/crypto/suite.js';
import { openKeystore } from '../../protocol/crypto/passphrase.js';
import type { RoomState } from '../../protocol/client/room-state.js';
import { decodeSnapshot } from '../../protocol/client/snapshot.js';
import { TEST_PASSPHRASE } from './clients.js';
import { REPO_ROOT } from './paths.js';

export const FIXTURE_KEYSTORE = join(REPO_ROOT, 'test', 'fixtures', 'keystore-v1', 'client.keystore');

/** The fixture keystore's one room, as the code before records saved it. */
export async function fixtureRoom(suite: Suite): Promise<RoomState> {
  const { plaintext } = await openKeystore(TEST_PASSPHRASE, readFileSync(FIXTURE_KEYSTORE));
  const { rooms } = await decodeSnapshot(suite, plaintext);
  return rooms[0]!;
}
