// Client-side costs, written against platform-neutral code only (no node: imports) so the same
// module runs in Node and, bundled, in a browser page. Each case times the protocol's own pure
// functions: protocol/client/message-crypto.ts, rotation.ts and protocol/crypto/passphrase.ts.
import { toHex } from '../protocol/bytes.js';
import { messageKey, openMessage, sealMessage } from '../protocol/client/message-crypto.js';
import { buildRotation } from '../protocol/client/rotation.js';
import { ZERO_HASH, type Member, type Roster } from '../protocol/membership/roster.js';
import { DEFAULT_KDF_PARAMS, newKeystoreKey, openKeystore, sealKeystore } from '../protocol/crypto/passphrase.js';
import { randomBytes } from '../protocol/crypto/random.js';
import { detectSuite } from '../protocol/crypto/select-suite.js';
import type { SigningKey, Suite } from '../protocol/crypto/suite.js';
import { DEFAULT_SETTINGS } from '../protocol/wire/membership.js';
import { decodeMessage, type MessageRecord } from '../protocol/wire/message.js';
import { SIZE } from '../protocol/wire/types.js';
import { median } from './stats.js';

export interface CostResult {
  readonly name: string;
  readonly suite: Suite['name'] | 'any';
  /** Milliseconds per operation (for batch cases, per whole batch). */
  readonly ms: number;
  readonly ops: number;
}

const TEXT = 'The quick brown fox jumps over the lazy dog.';
export const CATCH_UP_MESSAGES = 10_000;
export const ROTATION_SIZES: readonly number[] = [10, 100, 1000];
const ROTATION_REPEATS = 5;

interface Room {
  readonly roomId: Uint8Array;
  readonly key: Uint8Array;
}

async function seal(room: Room, signer: SigningKey, counter: number): Promise<MessageRecord> {
  return sealMessage({
    signer, roomId: room.roomId, epoch: 0, key: room.key, counter, prevHash: ZERO_HASH, seenSeq: 0, seenHash: ZERO_HASH,
    content: { type: 'text', time: Date.now(), text: TEXT },
  });
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Send = seal + sign one text message; open = verify + decrypt one. */
export async function messageCosts(suite: Suite, ops: number): Promise<CostResult[]> {
  const signer = await suite.signingKeyFromSeed(randomBytes(32));
  const roomId = randomBytes(SIZE.roomId);
  const room: Room = { roomId, key: messageKey(randomBytes(32), roomId, 0, signer.publicKey) };
  const records: MessageRecord[] = [];
  // A few untimed rounds first: JIT and WebCrypto key import caches.
  for (let i = 0; i < 20; i++) await openMessage(suite, await seal(room, signer, i + 1), room.key);
  const sendMs = await timed(async () => {
    for (let i = 0; i < ops; i++) records.push(await seal(room, signer, i + 1));
  });
  const openMs = await timed(async () => {
    for (const record of records) await openMessage(suite, record, room.key);
  });
  return [
    { name: 'send (seal + sign)', suite: suite.name, ms: sendMs / ops, ops },
    { name: 'receive (verify + decrypt)', suite: suite.name, ms: openMs / ops, ops },
  ];
}

/** Catch-up: decode, verify and decrypt CATCH_UP_MESSAGES stored messages, as after a long absence. */
export async function catchUpCost(suite: Suite): Promise<CostResult> {
  // Ed25519 signatures are deterministic, so the history is built with the fastest suite available
  // and only the opening is timed with `suite`.
  const signer = await (await detectSuite()).signingKeyFromSeed(randomBytes(32));
  const roomId = randomBytes(SIZE.roomId);
  const room: Room = { roomId, key: messageKey(randomBytes(32), roomId, 0, signer.publicKey) };
  const stored: Uint8Array[] = [];
  for (let i = 0; i < CATCH_UP_MESSAGES; i++) stored.push((await seal(room, signer, i + 1)).bytes);
  const ms = await timed(async () => {
    for (const bytes of stored) await openMessage(suite, decodeMessage(bytes), room.key);
  });
  return { name: `catch-up of ${CATCH_UP_MESSAGES} messages`, suite: suite.name, ms, ops: 1 };
}

/** Rotation: a fresh epoch key sealed to each of `size` members and the record signed. */
export async function rotationCost(suite: Suite, size: number): Promise<CostResult> {
  const issuer = await suite.signingKeyFromSeed(randomBytes(32));
  const members = new Map<string, Member>();
  for (let i = 0; i < size; i++) {
    const sign = i === 0 ? issuer.publicKey : randomBytes(32);
    const enc = (await suite.agreementKeyFromSecret(randomBytes(32))).publicKey;
    members.set(toHex(sign), { sign, enc, role: i === 0 ? 'owner' : 'member', addedAt: i });
  }
  const roster: Roster = {
    roomId: randomBytes(SIZE.roomId), owner: issuer.publicKey, settings: DEFAULT_SETTINGS, members, length: size, headHash: randomBytes(SIZE.hash),
  };
  await buildRotation(suite, issuer, roster, 1, randomBytes(32));
  // One rotation is a single sample of ~0.1 s: a scheduler hiccup moves it by a third. The median of
  // several is what a round reports.
  const samples: number[] = [];
  for (let i = 0; i < ROTATION_REPEATS; i++) {
    samples.push(await timed(async () => {
      await buildRotation(suite, issuer, roster, 2 + i, randomBytes(32));
    }));
  }
  return { name: `rotation, ${size} members`, suite: suite.name, ms: median(samples), ops: ROTATION_REPEATS };
}

/** Keystore unlock: Argon2id at the shipped parameters, then the snapshot opened. Suite-independent. */
export async function keystoreUnlockCost(): Promise<CostResult> {
  const passphrase = 'correct horse battery staple';
  const file = sealKeystore(await newKeystoreKey(passphrase), randomBytes(4096));
  const ms = await timed(async () => {
    const { key } = await openKeystore(passphrase, file);
    key.key.wipe();
  });
  const { m, t, p } = DEFAULT_KDF_PARAMS;
  return { name: `keystore unlock (Argon2id m=${m / 1024} MiB t=${t} p=${p})`, suite: 'any', ms, ops: 1 };
}
