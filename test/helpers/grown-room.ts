// A real room for tests and the bench: the fixture keystore's (test/fixtures/keystore-v1, 300
// messages), which grow-history.ts can make as long as they ask; and the layout 2 fixture's
// (test/fixtures/keystore-v2: past epochs, own records and rotations in its journal).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePersistence } from '../../client/file-persistence.js';
import { joinRecords } from '../../protocol/client/record-layout.js';
import type { Suite } from '../../protocol/crypto/suite.js';
import { openKeystore } from '../../protocol/crypto/passphrase.js';
import type { RoomState } from '../../protocol/client/room-state.js';
import { decodeSnapshot, decodeSnapshotJson } from '../../protocol/client/snapshot.js';
import { TEST_KDF, TEST_PASSPHRASE } from './clients.js';
import { REPO_ROOT } from './paths.js';

export const FIXTURE_KEYSTORE = join(REPO_ROOT, 'test', 'fixtures', 'keystore-v1', 'client.keystore');

/** The fixture keystore's one room, as the code before records saved it. */
export async function fixtureRoom(suite: Suite): Promise<RoomState> {
  const { plaintext } = await openKeystore(TEST_PASSPHRASE, readFileSync(FIXTURE_KEYSTORE));
  const { rooms } = await decodeSnapshot(suite, plaintext);
  return rooms[0]!;
}

/** The layout 2 keystore's directory: copy it before opening (FilePersistence may finish a journal in place). */
export const FIXTURE_KEYSTORE_V2 = join(REPO_ROOT, 'test', 'fixtures', 'keystore-v2');

/** The layout 2 fixture's records, opened (in the clear), read from a copy. */
export async function fixtureRecordsV2(): Promise<ReadonlyMap<string, Uint8Array>> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-fixture-v2-'));
  try {
    cpSync(FIXTURE_KEYSTORE_V2, dir, { recursive: true });
    return (await new FilePersistence(dir, TEST_PASSPHRASE, TEST_KDF).load())!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The layout 2 fixture's one room. */
export async function fixtureRoomV2(suite: Suite): Promise<RoomState> {
  const { rooms } = await decodeSnapshotJson(suite, joinRecords(await fixtureRecordsV2()).snapshot);
  return rooms[0]!;
}
