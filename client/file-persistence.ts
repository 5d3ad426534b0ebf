// The Node keystore: the records of record-layout.ts as files, each sealed (protocol/crypto/
// passphrase.ts). The state record is `client.keystore` (the file a keystore made before the records
// layout also was: it is migrated on first open); the history records are files in
// `client.records/`. A save changing one file writes a temp file and renames it over the old one. A
// save changing several first writes them all, sealed, into one journal file and renames that to
// `client.journal` — the commit point — then applies it file by file and deletes it; opening a
// keystore finishes a journal a crash left. So a crash leaves every file of the last committed save
// or none of them, never a mix.
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientPersistence, RecordChange } from '../protocol/client/persistence.js';
import { STATE_RECORD, parseName } from '../protocol/client/record-layout.js';
import { newKeystoreKey, openKeystore, openSealed, sealKeystore, type KdfParams, type KeystoreKey } from '../protocol/crypto/passphrase.js';
import { SottoError } from '../protocol/errors.js';
import { Reader, Writer } from '../protocol/wire/codec.js';

export const SNAPSHOT_FILE = 'client.keystore';
export const RECORDS_DIR = 'client.records';
export const JOURNAL_FILE = 'client.journal';

const PUT = 1;
const REMOVE = 2;
const MAX_RECORD_BYTES = 1 << 30;

interface SealedChange {
  readonly put: ReadonlyMap<string, Uint8Array>;
  readonly remove: readonly string[];
}

function encodeJournal(change: SealedChange): Uint8Array {
  const w = new Writer(1024);
  for (const [name, bytes] of change.put) w.u8(PUT).str16(name).var32(bytes);
  for (const name of change.remove) w.u8(REMOVE).str16(name);
  return w.finish();
}

function decodeJournal(bytes: Uint8Array): SealedChange {
  const r = new Reader(bytes);
  const put = new Map<string, Uint8Array>();
  const remove: string[] = [];
  while (r.remaining > 0) {
    const op = r.u8('journal op');
    const name = r.str16(1024, 'record name');
    if (op === PUT) put.set(name, r.var32(MAX_RECORD_BYTES, 'record'));
    else if (op === REMOVE) remove.push(name);
    else throw new SottoError('BAD_VALUE', 'keystore journal is damaged');
  }
  return { put, remove };
}

/** A history record's name is its file name: only names record-layout.ts makes are accepted. */
function checkName(name: string): string {
  if (name !== STATE_RECORD && parseName(name) === undefined) throw new SottoError('BAD_VALUE', `not a keystore record name: ${name}`);
  return name;
}

async function syncDir(dir: string): Promise<void> {
  // A rename or unlink is durable only once the directory entry is.
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export class FilePersistence implements ClientPersistence {
  readonly #dir: string;
  readonly #passphrase: string;
  readonly #params: KdfParams | undefined;
  #key: KeystoreKey | undefined;
  #loaded = false;

  constructor(dir: string, passphrase: string, params?: KdfParams) {
    this.#dir = dir;
    this.#passphrase = passphrase;
    this.#params = params;
  }

  get path(): string {
    return join(this.#dir, SNAPSHOT_FILE);
  }

  get #records(): string {
    return join(this.#dir, RECORDS_DIR);
  }

  #file(name: string): string {
    return checkName(name) === STATE_RECORD ? this.path : join(this.#records, name);
  }

  async load(): Promise<ReadonlyMap<string, Uint8Array> | undefined> {
    await this.#finishJournal();
    const file = await readIfExists(this.path);
    if (file === undefined) {
      this.#loaded = true;
      return undefined;
    }
    // A wrong passphrase throws here, before #loaded is set: save() then refuses to overwrite.
    const { key, plaintext } = await openKeystore(this.#passphrase, file);
    const records = new Map<string, Uint8Array>([[STATE_RECORD, plaintext]]);
    let names: string[] = [];
    try {
      names = await readdir(this.#records);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const name of names) {
      // Temp files of a save that never reached its rename are not records.
      if (parseName(name) === undefined) continue;
      records.set(name, openSealed(key, await readFile(join(this.#records, name))));
    }
    this.#key = key;
    this.#loaded = true;
    return records;
  }

  async save(change: RecordChange): Promise<void> {
    if (!this.#loaded) throw new Error('load() must succeed before save()');
    this.#key ??= await newKeystoreKey(this.#passphrase, this.#params);
    const key = this.#key;
    const sealed: SealedChange = {
      put: new Map([...change.put].map(([name, bytes]) => [checkName(name), sealKeystore(key, bytes)])),
      remove: change.remove.map(checkName),
    };
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const journaled = sealed.put.size + sealed.remove.length > 1;
    if (journaled) {
      // The commit point: once the journal is renamed into place the whole change happens.
      await writeDurably(join(this.#dir, JOURNAL_FILE), encodeJournal(sealed));
      await syncDir(this.#dir);
    }
    await this.#apply(sealed, journaled);
  }

  async #apply(change: SealedChange, journaled: boolean): Promise<void> {
    const history = [...change.put.keys()].some((name) => name !== STATE_RECORD) || change.remove.length > 0;
    if (history) await mkdir(this.#records, { recursive: true, mode: 0o700 });
    for (const [name, bytes] of change.put) await writeDurably(this.#file(name), bytes);
    for (const name of change.remove) {
      await unlink(this.#file(name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    if (history) await syncDir(this.#records);
    await syncDir(this.#dir);
    // Not synced: a journal that outlives a crash is applied again at the next open, to the same result.
    if (journaled) await unlink(join(this.#dir, JOURNAL_FILE));
  }

  /** A journal is only ever renamed into place whole, so one found at open is applied again whole. */
  async #finishJournal(): Promise<void> {
    const journal = await readIfExists(join(this.#dir, JOURNAL_FILE));
    if (journal !== undefined) await this.#apply(decodeJournal(journal), true);
  }
}
