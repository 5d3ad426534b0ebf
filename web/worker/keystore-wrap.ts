// The browser keystore's ways in (keystore format 2, protocol/crypto/key-wrap.ts): create with a
// passphrase and a recovery key, unlock with either, change the passphrase, replace the recovery
// key. The data key stays in the worker; the stored entry is read and written by keystore.ts.
// A format 1 keystore (made before recovery keys) opens with its passphrase and is rewritten as
// format 2 at once, with its passphrase slot keyed by the derivation just done (no second Argon2id).
import { concat, constantTimeEqual } from '../../protocol/bytes.js';
import {
  keystoreFormat, newDataKey, openData, parseWrapped, passphraseSlot, recoverySlot, sealWrapped, encodeSlots,
  unwrapWithPassphrase, unwrapWithRecoveryKey, type KeySlots,
} from '../../protocol/crypto/key-wrap.js';
import { DEFAULT_KDF_PARAMS, newKeystoreKey, openKeystore, type KdfProgress } from '../../protocol/crypto/passphrase.js';
import { newRecoveryKey, parseRecoveryKey } from '../../protocol/crypto/recovery-key.js';
import type { Secret } from '../../protocol/crypto/secret.js';
import { isSottoError, SottoError } from '../../protocol/errors.js';
import type { ClientPersistence } from '../../protocol/client/persistence.js';
import { readSealed, writeSealed, WrongPassphrase } from './keystore.js';

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

/** An open keystore: its slots and data key, and every write to the stored entry, in order. */
export class WrappedKeystore {
  #slots: KeySlots;
  readonly #dataKey: Secret;
  #initial: Uint8Array | undefined;
  /** Saves and rewraps are chained: a rewrap reads the entry, and must not undo a save in between. */
  #writes: Promise<unknown> = Promise.resolve();
  #wiped = false;

  constructor(slots: KeySlots, dataKey: Secret, initial: Uint8Array | undefined) {
    this.#slots = slots;
    this.#dataKey = dataKey;
    this.#initial = initial;
  }

  get hasRecoveryKey(): boolean {
    return this.#slots.recovery !== undefined;
  }

  persistence(): ClientPersistence {
    return {
      load: async () => {
        const out = this.#initial;
        this.#initial = undefined;
        return out;
      },
      save: (snapshot) => this.#serial(async () => {
        // A save that comes after locking would seal under a wiped (all-zero) key: refuse it.
        if (this.#wiped) throw new Error('the keystore is locked');
        await writeSealed(sealWrapped(this.#slots, this.#dataKey, snapshot));
      }),
    };
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
  if (keystoreFormat(sealed) === 1) {
    const { key, plaintext } = await withPassphrase(() => openKeystore(passphrase, sealed, onProgress));
    const dataKey = newDataKey();
    const slots: KeySlots = { passphrase: passphraseSlot(key, dataKey), recovery: undefined };
    key.key.wipe();
    // Upgraded now, so every later write (saves, rewraps) finds format 2.
    await writeSealed(sealWrapped(slots, dataKey, plaintext));
    return new WrappedKeystore(slots, dataKey, plaintext);
  }
  const { slots, data } = parseWrapped(sealed);
  const dataKey = await withPassphrase(() => unwrapWithPassphrase(slots, passphrase, onProgress));
  return new WrappedKeystore(slots, dataKey, openData(dataKey, data));
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
  const plaintext = openData(dataKey, data);
  const kek = await newKeystoreKey(passphrase, DEFAULT_KDF_PARAMS, onProgress);
  const next: KeySlots = { ...slots, passphrase: passphraseSlot(kek, dataKey) };
  kek.key.wipe();
  await writeSealed(concat(encodeSlots(next), data));
  return new WrappedKeystore(next, dataKey, plaintext);
}

/** Whether the stored keystore can be opened with a recovery key (read from its header alone). */
export async function storedHasRecoveryKey(): Promise<boolean> {
  const sealed = await readSealed();
  if (sealed === undefined || keystoreFormat(sealed) === 1) return false;
  return parseWrapped(sealed).slots.recovery !== undefined;
}

/** Checks that `passphrase` opens a keystore file of either format (WrongPassphrase otherwise). */
export async function checkKeystoreFile(sealed: Uint8Array, passphrase: string, onProgress?: KdfProgress): Promise<void> {
  if (keystoreFormat(sealed) === 1) {
    const { key, plaintext } = await withPassphrase(() => openKeystore(passphrase, sealed, onProgress));
    key.key.wipe();
    plaintext.fill(0);
    return;
  }
  const { slots, data } = parseWrapped(sealed);
  const dataKey = await withPassphrase(() => unwrapWithPassphrase(slots, passphrase, onProgress));
  openData(dataKey, data).fill(0);
  dataKey.wipe();
}
