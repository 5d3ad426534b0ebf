// The browser keystore's ways in (keystore format 2, protocol/crypto/key-wrap.ts): create with a
// passphrase and a recovery key, unlock with either, change the passphrase, replace the recovery
// key. The data key stays in the worker and seals every record (keystore-records.ts): the state
// record with the wrapped keys in front, each history record alone.
// A format 1 keystore (made before recovery keys) opens with its passphrase and is rewritten as
// format 2 at once, with its passphrase slot keyed by the derivation just done (no second Argon2id).
import { concat, constantTimeEqual } from '../../protocol/bytes.js';
import {
  keystoreFormat, newDataKey, openData, openRecord, parseWrapped, passphraseSlot, recoverySlot, sealRecord, sealWrapped, encodeSlots,
  unwrapWithPassphrase, unwrapWithRecoveryKey, type KeySlots,
} from '../../protocol/crypto/key-wrap.js';
import { DEFAULT_KDF_PARAMS, newKeystoreKey, openKeystore, type KdfProgress } from '../../protocol/crypto/passphrase.js';
import { newRecoveryKey, parseRecoveryKey } from '../../protocol/crypto/recovery-key.js';
import type { Secret } from '../../protocol/crypto/secret.js';
import { isSottoError, SottoError } from '../../protocol/errors.js';
import type { ClientPersistence } from '../../protocol/client/persistence.js';
import { STATE_RECORD } from '../../protocol/client/record-layout.js';
import { db, readSealed, writeSealed, WrongPassphrase } from './keystore.js';
import { KeystoreRecords, readAllRecords, type RecordSeal } from './keystore-records.js';

/** A wrong passphrase is WrongPassphrase (the page says so); anything else passes through. */
async function withPassphrase<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (isSottoError(error, 'OPEN_FAILED')) throw new WrongPassphrase();
    throw error;
  }
}

async function stored(): Promise<Uint8Array> {
  const sealed = await readSealed();
  if (sealed === undefined) throw new Error('no keystore');
  return sealed;
}

/** An open keystore: its slots and data key, the records it seals, and every write, in order. */
export class WrappedKeystore implements RecordSeal {
  #slots: KeySlots;
  readonly #dataKey: Secret;
  readonly #records: KeystoreRecords;
  /** Saves and rewraps are chained: a rewrap reads the state entry, and must not undo a save in between. */
  #writes: Promise<unknown> = Promise.resolve();
  #wiped = false;

  /** `stored`: the sealed records as read while the key was derived; undefined for a new keystore. */
  constructor(slots: KeySlots, dataKey: Secret, stored: Promise<Map<string, Uint8Array>> | undefined) {
    this.#slots = slots;
    this.#dataKey = dataKey;
    this.#records = new KeystoreRecords(db(), this, stored);
  }

  get hasRecoveryKey(): boolean {
    return this.#slots.recovery !== undefined;
  }

  get usable(): boolean {
    return !this.#wiped;
  }

  seal(name: string, plaintext: Uint8Array): Uint8Array {
    return name === STATE_RECORD ? sealWrapped(this.#slots, this.#dataKey, plaintext) : sealRecord(this.#dataKey, plaintext);
  }

  open(name: string, sealed: Uint8Array): Uint8Array {
    return name === STATE_RECORD ? openData(this.#dataKey, parseWrapped(sealed).data) : openRecord(this.#dataKey, sealed);
  }

  persistence(): ClientPersistence {
    return {
      load: () => this.#records.load(),
      // A save after locking is refused (KeystoreRecords: it would seal under a wiped key).
      save: (change) => this.#serial(() => this.#records.save(change)),
    };
  }

  /** The whole keystore as one file of this format, sealed under the same keys: what an export writes. */
  async exportFile(): Promise<Uint8Array> {
    return sealWrapped(this.#slots, this.#dataKey, await this.#records.whole());
  }

  /** Checks `current` (WrongPassphrase, nothing written), then wraps the data key under `next`. */
  async changePassphrase(current: string, next: string, onProgress?: KdfProgress): Promise<void> {
    await this.#check(current, onProgress);
    const kek = await newKeystoreKey(next, DEFAULT_KDF_PARAMS, onProgress);
    try {
      await this.#rewrap({ ...this.#slots, passphrase: passphraseSlot(kek, this.#dataKey) });
    } finally {
      kek.key.wipe();
    }
  }

  /** Checks the passphrase, then replaces the recovery slot; the old recovery key stops working. */
  async replaceRecoveryKey(passphrase: string, onProgress?: KdfProgress): Promise<string> {
    await this.#check(passphrase, onProgress);
    const recovery = newRecoveryKey();
    try {
      await this.#rewrap({ ...this.#slots, recovery: recoverySlot(recovery.key, this.#dataKey) });
    } finally {
      recovery.key.wipe();
    }
    return recovery.text;
  }

  wipe(): void {
    this.#wiped = true;
    this.#dataKey.wipe();
  }

  async #check(passphrase: string, onProgress?: KdfProgress): Promise<void> {
    const key = await withPassphrase(() => unwrapWithPassphrase(this.#slots, passphrase, onProgress));
    const same = constantTimeEqual(key.expose(), this.#dataKey.expose());
    key.wipe();
    if (!same) throw new WrongPassphrase();
  }

  /** New slots in front of the stored data, which is kept byte for byte. */
  #rewrap(slots: KeySlots): Promise<void> {
    return this.#serial(async () => {
      const { data } = parseWrapped(await stored());
      await writeSealed(concat(encodeSlots(slots), data));
      this.#slots = slots;
    });
  }

  #serial(write: () => Promise<void>): Promise<void> {
    const next = this.#writes.then(write);
    this.#writes = next.catch(() => undefined);
    return next;
  }
}

/** First visit: a data key, the passphrase slot and a recovery key. Nothing is written yet. */
export async function createWrappedKeystore(passphrase: string, onProgress?: KdfProgress): Promise<{ keystore: WrappedKeystore; recoveryKey: string }> {
  const dataKey = newDataKey();
  const kek = await newKeystoreKey(passphrase, DEFAULT_KDF_PARAMS, onProgress);
  const recovery = newRecoveryKey();
  const slots: KeySlots = { passphrase: passphraseSlot(kek, dataKey), recovery: recoverySlot(recovery.key, dataKey) };
  kek.key.wipe();
  recovery.key.wipe();
  return { keystore: new WrappedKeystore(slots, dataKey, undefined), recoveryKey: recovery.text };
}

/** Opens the stored keystore; a wrong passphrase throws WrongPassphrase and writes nothing. */
export async function unlockWithPassphrase(passphrase: string, onProgress?: KdfProgress): Promise<WrappedKeystore> {
  const sealed = await stored();
  // Every record is read (one transaction) while Argon2id runs: with 10,000 messages that read is a
  // sixth of a second the unlock no longer waits for.
  const records = readAllRecords(db());
  records.catch(() => undefined); // awaited by the client's load; a wrong passphrase never gets there
  if (keystoreFormat(sealed) === 1) {
    const { key, plaintext } = await withPassphrase(() => openKeystore(passphrase, sealed, onProgress));
    const dataKey = newDataKey();
    const slots: KeySlots = { passphrase: passphraseSlot(key, dataKey), recovery: undefined };
    key.key.wipe();
    // Upgraded now, so every later write (saves, rewraps) finds format 2; the client's first save
    // then splits the whole snapshot into records.
    const upgraded = sealWrapped(slots, dataKey, plaintext);
    plaintext.fill(0);
    await writeSealed(upgraded);
    return new WrappedKeystore(slots, dataKey, records.then((all) => new Map([...all, [STATE_RECORD, upgraded]])));
  }
  const { slots } = parseWrapped(sealed);
  const dataKey = await withPassphrase(() => unwrapWithPassphrase(slots, passphrase, onProgress));
  return new WrappedKeystore(slots, dataKey, records);
}

/**
 * Opens the stored keystore with its recovery key and sets a new passphrase. BAD_VALUE for a
 * mistyped key, OPEN_FAILED for a wrong one, KEY_MISSING when the keystore has no recovery key;
 * in every failure nothing is written.
 */
export async function unlockWithRecoveryKey(recoveryText: string, passphrase: string, onProgress?: KdfProgress): Promise<WrappedKeystore> {
  const recovery = parseRecoveryKey(recoveryText);
  const sealed = await stored();
  if (keystoreFormat(sealed) === 1) throw new SottoError('KEY_MISSING', 'this keystore has no recovery key');
  const { slots, data } = parseWrapped(sealed);
  const dataKey = unwrapWithRecoveryKey(slots, recovery);
  recovery.wipe();
  // Checked before anything is written: a key from another keystore opens nothing here.
  openData(dataKey, data).fill(0);
  const kek = await newKeystoreKey(passphrase, DEFAULT_KDF_PARAMS, onProgress);
  const next: KeySlots = { ...slots, passphrase: passphraseSlot(kek, dataKey) };
  kek.key.wipe();
  await writeSealed(concat(encodeSlots(next), data));
  return new WrappedKeystore(next, dataKey, readAllRecords(db()));
}

/** Whether the stored keystore can be opened with a recovery key (read from its header alone). */
export async function storedHasRecoveryKey(): Promise<boolean> {
  const sealed = await readSealed();
  if (sealed === undefined || keystoreFormat(sealed) === 1) return false;
  return parseWrapped(sealed).slots.recovery !== undefined;
}

/** The whole snapshot a keystore file of either format holds, opened with `passphrase` (WrongPassphrase otherwise). */
export async function openKeystoreFile(sealed: Uint8Array, passphrase: string, onProgress?: KdfProgress): Promise<Uint8Array> {
  if (keystoreFormat(sealed) === 1) {
    const { key, plaintext } = await withPassphrase(() => openKeystore(passphrase, sealed, onProgress));
    key.key.wipe();
    return plaintext;
  }
  const { slots, data } = parseWrapped(sealed);
  const dataKey = await withPassphrase(() => unwrapWithPassphrase(slots, passphrase, onProgress));
  try {
    return openData(dataKey, data);
  } finally {
    dataKey.wipe();
  }
}

/** Checks that `passphrase` opens a keystore file of either format (WrongPassphrase otherwise); writes nothing. */
export async function checkKeystoreFile(sealed: Uint8Array, passphrase: string, onProgress?: KdfProgress): Promise<void> {
  (await openKeystoreFile(sealed, passphrase, onProgress)).fill(0);
}
