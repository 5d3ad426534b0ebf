// The Node keystore: one encrypted snapshot file (protocol/crypto/passphrase.ts), written as a temp
// file then renamed over the old one, so a crash leaves either the old or the new snapshot whole.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientPersistence } from '../protocol/client/persistence.js';
import { newKeystoreKey, openKeystore, sealKeystore, type KdfParams, type KeystoreKey } from '../protocol/crypto/passphrase.js';

export const SNAPSHOT_FILE = 'client.keystore';

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

  async load(): Promise<Uint8Array | undefined> {
    let file: Uint8Array;
    try {
      file = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.#loaded = true;
      return undefined;
    }
    // A wrong passphrase throws here, before #loaded is set: save() then refuses to overwrite.
    const { key, plaintext } = await openKeystore(this.#passphrase, file);
    this.#key = key;
    this.#loaded = true;
    return plaintext;
  }

  async save(snapshot: Uint8Array): Promise<void> {
    if (!this.#loaded) throw new Error('load() must succeed before save()');
    this.#key ??= await newKeystoreKey(this.#passphrase, this.#params);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(sealKeystore(this.#key, snapshot));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.path);
    // The rename is durable only once the directory entry is.
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
