// A real room with as long a history as a test or the bench asks for: the fixture keystore's room
// (test/fixtures/keystore-v1, 300 messages) with more messages added after its last, each with its
// accepted hash, marked for the next save as receiving marks them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Suite } from '../../protocol/crypto/suite.js';
import { openKeystore } from '../../protocol/crypto/passphrase.js';
import { noteHistory } from '../../protocol/client/message-store.js';
import type { RoomState } from '../../protocol/client/room-state.js';
import { decodeSnapshot } from '../../protocol/client/snapshot.js';
import { insertMessage } from '../../protocol/client/views.js';
import { TEST_PASSPHRASE } from './clients.js';
import { REPO_ROOT } from './paths.js';

export const FIXTURE_KEYSTORE = join(REPO_ROOT, 'test', 'fixtures', 'keystore-v1', 'client.keystore');

/** The fixture keystore's one room, as the code before records saved it. */
export async function fixtureRoom(suite: Suite): Promise<RoomState> {
  const { plaintext } = await openKeystore(TEST_PASSPHRASE, readFileSync(FIXTURE_KEYSTORE));
  const { rooms } = await decodeSnapshot(suite, plaintext);
  return rooms[0]!;
}

/** Adds `count` messages after the room's last. */
export function grow(room: RoomState, count: number): void {
  const template = room.messages.at(-1)!;
  const hash = room.seen.get(template.seq)!;
  for (let i = 1; i <= count; i++) {
    const seq = room.syncSeq + 1;
    insertMessage(room, { ...template, seq, text: `grown ${seq}` });
    room.seen.set(seq, hash);
    noteHistory(room, seq);
    room.syncSeq = seq;
    room.lastSeen = seq;
  }
}
