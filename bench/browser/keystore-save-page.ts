// The browser side of the keystore save bench: bundled by esbuild into a page, it saves one live
// message at a time into IndexedDB as the web app does (web/worker/keystore-records.ts: the state
// record and the changed chunk in one transaction) and, beside it, the whole snapshot as one entry
// as 0959acf did, for rooms of 100 to 100,000 messages (bench/keystore-room.ts).
import { createStore, set } from 'idb-keyval';
import { MessageStore } from '../../protocol/client/message-store.js';
import { decodeSnapshot, encodeSnapshot } from '../../protocol/client/snapshot.js';
import { nobleSuite } from '../../protocol/crypto/noble-suite.js';
import { newKeystoreKey, openSealed, sealKeystore } from '../../protocol/crypto/passphrase.js';
import { KeystoreRecords } from '../../web/worker/keystore-records.js';
import { liveMessage, shapeHistory } from '../keystore-room.js';
import { median } from '../stats.js';

export interface BrowserKeystoreSave {
  readonly history: number;
  /** Records: MessageStore.next() and KeystoreRecords.save (seal, one IndexedDB transaction), median ms. */
  readonly recordsMs: number;
  /** Whole snapshot: encodeSnapshot, seal, one IndexedDB put, median ms. */
  readonly wholeMs: number;
}

export interface KeystorePageBench {
  run(fixture: number[], histories: number[], saves: number): Promise<{ rows: BrowserKeystoreSave[]; userAgent: string }>;
}

const bench: KeystorePageBench = {
  async run(fixture, histories, saves) {
    const key = await newKeystoreKey('bench passphrase', { m: 64, t: 1, p: 1 });
    const rows: BrowserKeystoreSave[] = [];
    for (const history of histories) {
      const { rooms: [room] } = await decodeSnapshot(nobleSuite, Uint8Array.from(fixture));
      shapeHistory(room!, history);
      const store = new MessageStore(() => [room!], () => []);
      // Each record sealed as the whole snapshot is below: the comparison is of layouts, not ciphers.
      const seal = { seal: (_: string, plaintext: Uint8Array) => sealKeystore(key, plaintext), open: (_: string, sealed: Uint8Array) => openSealed(key, sealed), usable: true };
      const records = new KeystoreRecords(createStore(`records-${history}`, 'keystore'), seal, undefined);
      const whole = createStore(`whole-${history}`, 'keystore');
      await records.save(store.next());
      const recordsMs: number[] = [];
      const wholeMs: number[] = [];
      for (let i = 0; i < saves; i++) {
        liveMessage(room!, i);
        let started = performance.now();
        await records.save(store.next());
        recordsMs.push(performance.now() - started);
        started = performance.now();
        await set('sealed', sealKeystore(key, encodeSnapshot([room!])), whole);
        wholeMs.push(performance.now() - started);
      }
      const row = { history, recordsMs: median(recordsMs), wholeMs: median(wholeMs) };
      console.log(`keystore in Chromium: ${history} messages: records ${row.recordsMs.toFixed(2)} ms, whole ${row.wholeMs.toFixed(1)} ms`);
      rows.push(row);
    }
    return { rows, userAgent: navigator.userAgent };
  },
};

(globalThis as unknown as { sottoKeystoreBench: KeystorePageBench }).sottoKeystoreBench = bench;
