// What saving one live message costs the client, against how many messages the room already holds:
// the records layout (protocol/client/message-store.ts: the state record and the one chunk that
// changed, sealed; client/file-persistence.ts: journal, files, fsyncs) beside the whole snapshot
// every save wrote before it (encodeSnapshot and one seal; then one file written, fsynced and
// renamed as client/file-persistence.ts did at 0959acf). The room and its live messages: keystore-room.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePersistence } from '../client/file-persistence.js';
import { MessageStore } from '../protocol/client/message-store.js';
import type { RecordChange } from '../protocol/client/persistence.js';
import type { RoomState } from '../protocol/client/room-state.js';
import { encodeSnapshot } from '../protocol/client/snapshot.js';
import { nobleSuite } from '../protocol/crypto/noble-suite.js';
import { newKeystoreKey, sealKeystore, type KeystoreKey } from '../protocol/crypto/passphrase.js';
import { TEST_KDF } from '../test/helpers/clients.js';
import { fixtureRoomV2 } from '../test/helpers/grown-room.js';
import { liveMessage, shapeHistory } from './keystore-room.js';
import { nowMs } from './clock.js';
import { median } from './stats.js';

export interface KeystoreSaveResult {
  /** Messages in the room before the saved one. */
  readonly history: number;
  /** Records: MessageStore.next() and sealing what it writes (CPU), median ms per message. */
  readonly recordsCpuMs: number;
  /** Records: bytes sealed and written per message, mean (it rises as the open chunk fills, then drops). */
  readonly recordsBytes: number;
  /** Records: FilePersistence.save, journal and fsyncs included, median ms per message. */
  readonly recordsFileMs: number;
  /** Whole snapshot: encodeSnapshot and one seal (CPU), median ms per message. */
  readonly wholeCpuMs: number;
  readonly wholeBytes: number;
  /** Whole snapshot: the sealed file written, fsynced and renamed, median ms per message. */
  readonly wholeFileMs: number;
}

function sealAll(key: KeystoreKey, change: RecordChange): number {
  let bytes = 0;
  for (const plaintext of change.put.values()) bytes += sealKeystore(key, plaintext).length;
  return bytes;
}

/** The save of 0959acf's FilePersistence: one file, temp then rename, both fsynced. */
async function writeWhole(dir: string, sealed: Uint8Array): Promise<void> {
  const path = join(dir, 'whole.keystore');
  const handle = await open(`${path}.tmp`, 'w', 0o600);
  await handle.writeFile(sealed);
  await handle.sync();
  await handle.close();
  await rename(`${path}.tmp`, path);
  const directory = await open(dir, 'r');
  await directory.sync();
  await directory.close();
}

async function roomWith(history: number): Promise<RoomState> {
  const room = await fixtureRoomV2(nobleSuite);
  shapeHistory(room, history);
  return room;
}

export async function runKeystoreSave(histories: readonly number[], saves: number, progress: (line: string) => void): Promise<KeystoreSaveResult[]> {
  const results: KeystoreSaveResult[] = [];
  const key = await newKeystoreKey('bench passphrase', TEST_KDF);
  for (const history of histories) {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-bench-keystore-'));
    try {
      const room = await roomWith(history);
      const store = new MessageStore(() => [room], () => []);
      const persistence = new FilePersistence(dir, 'bench passphrase', TEST_KDF);
      await persistence.load();
      await persistence.save(store.next());
      const recordsCpu: number[] = [];
      const recordsFile: number[] = [];
      const wholeCpu: number[] = [];
      const wholeFile: number[] = [];
      let recordsBytes = 0;
      let wholeBytes = 0;
      for (let i = 0; i < saves; i++) {
        liveMessage(room, i);
        let started = nowMs();
        const change = store.next();
        recordsBytes += sealAll(key, change) / saves;
        recordsCpu.push(nowMs() - started);
        started = nowMs();
        await persistence.save(change);
        recordsFile.push(nowMs() - started);

        started = nowMs();
        const sealed = sealKeystore(key, encodeSnapshot([room]));
        wholeCpu.push(nowMs() - started);
        wholeBytes = sealed.length;
        started = nowMs();
        await writeWhole(dir, sealed);
        wholeFile.push(nowMs() - started);
      }
      const result: KeystoreSaveResult = {
        history, recordsCpuMs: median(recordsCpu), recordsBytes: Math.round(recordsBytes), recordsFileMs: median(recordsFile),
        wholeCpuMs: median(wholeCpu), wholeBytes, wholeFileMs: median(wholeFile),
      };
      progress(`keystore: ${history} messages: records ${result.recordsCpuMs.toFixed(3)} ms CPU, ${result.recordsBytes} B, ${result.recordsFileMs.toFixed(2)} ms to disk; `
        + `whole ${result.wholeCpuMs.toFixed(2)} ms CPU, ${wholeBytes} B, ${result.wholeFileMs.toFixed(2)} ms to disk`);
      results.push(result);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}
