// Client-side costs, written against platform-neutral code only (no node: imports) so the same
// module runs in Node and, bundled, in a browser page. Each case times the protocol's own pure
// functions: protocol/client/message-crypto.ts, rotation.ts, events.ts, join.ts, invite.ts,
// protocol/membership/roster.ts and protocol/crypto/passphrase.ts. Nothing here touches a network,
// a relay or storage: those are the fan-out and room-open sections.
import { bytesEqual, fromHex, toHex } from '../protocol/bytes.js';
import { nextEvent } from '../protocol/client/events.js';
import { epochFromKey, joinSecret } from '../protocol/client/epoch-keys.js';
import { inviteKeyFromToken } from '../protocol/client/invite.js';
import { buildWelcome, openJoinRequest, openWelcome } from '../protocol/client/join.js';
import { openMessage, sealMessage } from '../protocol/client/message-crypto.js';
import { chainStart, retireChain, takeMessageKey, type SenderChain } from '../protocol/client/sender-ratchet.js';
import { Secret } from '../protocol/crypto/secret.js';
import { buildRotation, checkRotationRoster, openRotation, verifyRotationSignature } from '../protocol/client/rotation.js';
import { sha256 } from '../protocol/crypto/hash.js';
import { applyEvent, eventHash, nextRoster, replayLog, ZERO_HASH, type Member, type Roster } from '../protocol/membership/roster.js';
import { DEFAULT_KDF_PARAMS, newKeystoreKey, openKeystore, sealKeystore } from '../protocol/crypto/passphrase.js';
import { randomBytes } from '../protocol/crypto/random.js';
import { detectSuite } from '../protocol/crypto/select-suite.js';
import type { Suite } from '../protocol/crypto/suite.js';
import { decodeWelcome } from '../protocol/wire/join.js';
import { decodeMemberEvent, DEFAULT_SETTINGS } from '../protocol/wire/membership.js';
import { decodeMessage, type MessageRecord } from '../protocol/wire/message.js';
import { decodeRotation } from '../protocol/wire/rotation.js';
import { SIZE } from '../protocol/wire/types.js';
import type { AdmissionFixture } from './admission-fixture.js';
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
/** Members of the room one more is admitted to (issue 14's yardstick). */
export const ADMISSION_MEMBERS = 1000;
/**
 * Samples behind a case that takes ~0.1 s: one such sample is moved by a third by a single
 * scheduler hiccup, so a round reports the median of several.
 */
const REPEATS = 5;

/**
 * One sender's messages as its own client seals them and a recipient opens them: each message moves
 * the sender's chain on at both ends (§9). The unit both the timed cases here and the
 * instruction-count comparison (message-instructions.ts) run.
 */
export interface MessageRoom {
  seal(counter: number): Promise<MessageRecord>;
  open(record: MessageRecord): Promise<void>;
}

/** `suite` opens; `sealWith` (by default the same) signs. */
export async function messageRoom(suite: Suite, sealWith: Suite = suite): Promise<MessageRoom> {
  const signer = await sealWith.signingKeyFromSeed(randomBytes(32));
  const roomId = randomBytes(SIZE.roomId);
  const start = chainStart(randomBytes(32), roomId, 0, signer.publicKey);
  let sending: SenderChain = { next: 0, key: new Secret(start), skipped: new Map() };
  let receiving: SenderChain = { next: 0, key: new Secret(start), skipped: new Map() };
  return {
    seal: async (counter) => {
      const index = sending.next;
      const taken = takeMessageKey(sending, index);
      retireChain(sending, taken.chain);
      sending = taken.chain;
      return sealMessage({
        signer, roomId, epoch: 0, key: taken.messageKey, index, counter, prevHash: ZERO_HASH, seenSeq: 0, seenHash: ZERO_HASH,
        logLength: 1, logHash: ZERO_HASH, content: { type: 'text', time: Date.now(), text: TEXT },
      });
    },
    open: async (record) => {
      const taken = takeMessageKey(receiving, record.index);
      await openMessage(suite, record, taken.messageKey);
      retireChain(receiving, taken.chain);
      receiving = taken.chain;
    },
  };
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** One untimed run (JIT, WebCrypto key import caches), then the median of REPEATS timed ones. */
async function medianOfRepeats(run: (repeat: number) => Promise<void>): Promise<number> {
  await run(0);
  const samples: number[] = [];
  for (let i = 1; i <= REPEATS; i++) samples.push(await timed(() => run(i)));
  return median(samples);
}

/** Send = take the chain's next key + seal + sign one text message; open = take its key + verify + decrypt one. */
export async function messageCosts(suite: Suite, ops: number): Promise<CostResult[]> {
  const room = await messageRoom(suite);
  const records: MessageRecord[] = [];
  // A few untimed rounds first: JIT and WebCrypto key import caches.
  for (let i = 0; i < 20; i++) await room.open(await room.seal(i + 1));
  const sendMs = await timed(async () => {
    for (let i = 0; i < ops; i++) records.push(await room.seal(i + 1));
  });
  const openMs = await timed(async () => {
    for (const record of records) await room.open(record);
  });
  return [
    { name: 'send (seal + sign)', suite: suite.name, ms: sendMs / ops, ops },
    { name: 'receive (verify + decrypt)', suite: suite.name, ms: openMs / ops, ops },
  ];
}

/**
 * Catch-up: decode, verify and decrypt `messages` stored messages (by default CATCH_UP_MESSAGES), as
 * after a long absence. One sender's chain in one epoch: no rotation is opened on the way.
 */
export async function catchUpCost(suite: Suite, messages = CATCH_UP_MESSAGES): Promise<CostResult> {
  // Ed25519 signatures are deterministic, so the history is built with the fastest suite available
  // and only the opening is timed with `suite`.
  const room = await messageRoom(suite, await detectSuite());
  const stored: Uint8Array[] = [];
  for (let i = 0; i < messages; i++) stored.push((await room.seal(i + 1)).bytes);
  const ms = await timed(async () => {
    for (const bytes of stored) await room.open(decodeMessage(bytes));
  });
  return { name: `catch-up of ${messages} messages`, suite: suite.name, ms, ops: 1 };
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
  // Every entry takes a psk (the previous epoch's init secret): one more HKDF input each.
  const init = randomBytes(32);
  const ms = await medianOfRepeats(async (repeat) => {
    await buildRotation(suite, issuer, roster, 1 + repeat, randomBytes(32), () => init);
  });
  return { name: `rotation, ${size} members`, suite: suite.name, ms, ops: REPEATS };
}

/**
 * The committing client's work for one add (docs/protocol.md §8.2 step 3; issuer.ts onJoinPending
 * and #admit): derive the invite key and open the join request (two signature checks, one X25519),
 * sign the add event, apply the roster rules, build the rotation to the new epoch for all n + 1
 * members, build and sign the welcome naming the n members, and, once the relay has taken the
 * commit, verify and apply its own add (membership.ts acceptEvent). Not included: the network round
 * trip, encoding the appendEvent frame and the keystore save.
 */
async function commitAdd(suite: Suite, f: AdmissionFixture, epoch: number): Promise<{ add: Uint8Array; rotation: Uint8Array; welcome: Uint8Array }> {
  const { owner, request, roster } = f;
  const inviteKey = await inviteKeyFromToken(suite, f.token, roster.roomId);
  const joiningKey = await openJoinRequest(suite, request, owner.enc, inviteKey);
  const add = await nextEvent(owner.sign, roster, {
    kind: 'add', subjectSign: request.joinerSign, subjectEnc: request.joinerEnc, role: 'member', invitePublicKey: request.invitePublicKey,
  });
  const after = nextRoster(roster, add);
  // As epoch-keys.ts rotationPsks: the current members' init secret, the joiner's join secret.
  const secret = joinSecret(joiningKey, f.token);
  const rotation = await buildRotation(suite, owner.sign, after, epoch, randomBytes(32), (m) => (roster.members.has(toHex(m.sign)) ? f.initSecret : secret));
  // issuer.ts #admit lists these inline: the names of members after the add, no one else's.
  const names = [...f.names].filter(([sign]) => after.members.has(sign)).map(([sign, name]) => ({ member: fromHex(sign), name }));
  const welcome = await buildWelcome(owner.sign, request, joiningKey, f.token, { addIndex: add.index, addHash: after.headHash, epoch, roomName: 'bench room', names });
  await applyEvent(suite, roster, add);
  return { add: add.bytes, rotation: rotation.bytes, welcome: welcome.bytes };
}

/** Adding one member to a room of `f.roster.members.size`: see commitAdd for what is included. */
export async function addCommitCost(suite: Suite, f: AdmissionFixture): Promise<CostResult> {
  const ms = await medianOfRepeats(async (repeat) => {
    await commitAdd(suite, f, 1 + repeat);
  });
  return { name: `add commit, ${f.roster.members.size} members`, suite: suite.name, ms, ops: REPEATS };
}

/**
 * The joiner's work once its add has committed (§8.2 step 4; joiner.ts onWelcome and #admitted,
 * membership.ts acceptEvent, key-schedule.ts onRotation and storeEpoch): decode the welcome, check
 * its issuer and signature and open it; decode the add event, apply it to the roster the joiner
 * replayed at request time (rules and the issuer's signature); check that it is our add at the index
 * and with the hash the welcome names; decode the rotation, check it names that epoch and the roster
 * after our add entry by entry, verify its signature, open our entry with the join secret, and
 * derive the epoch as storeEpoch does (a sender chain per member, the room code, the init secret). Not included: the replay of the invite log (joinerReplayCost: it happens when the join is
 * requested, not when the welcome arrives), the sync round trips, the confirmation and the save.
 */
async function processWelcome(suite: Suite, f: AdmissionFixture, commit: { add: Uint8Array; rotation: Uint8Array; welcome: Uint8Array }): Promise<void> {
  const me = f.joiner;
  const payload = await openWelcome(suite, decodeWelcome(commit.welcome), f.owner.sign.publicKey, f.joiningKey, f.token);
  const add = decodeMemberEvent(commit.add);
  const after = await applyEvent(suite, f.roster, add);
  if (add.index !== payload.addIndex || add.kind !== 'add' || !bytesEqual(add.subjectSign, me.sign.publicKey) || !bytesEqual(eventHash(add), payload.addHash)) {
    throw new Error('bench: the welcome does not name our add');
  }
  const rotation = decodeRotation(commit.rotation);
  if (rotation.epoch !== payload.epoch || rotation.logLength !== payload.addIndex + 1) throw new Error('bench: the rotation is not the add\'s');
  checkRotationRoster(rotation, after);
  await verifyRotationSignature(suite, rotation);
  const key = await openRotation(rotation, me, joinSecret(f.joiningKey, f.token));
  epochFromKey(key, { roomId: rotation.roomId, epoch: rotation.epoch, roster: after, startedAt: rotation.time, rotationHash: sha256(rotation.bytes) });
}

/** Processing a welcome into a room of `f.roster.members.size`: see processWelcome. */
export async function welcomeCost(suite: Suite, f: AdmissionFixture): Promise<CostResult> {
  const commit = await commitAdd(suite, f, 1);
  const ms = await medianOfRepeats(() => processWelcome(suite, f, commit));
  return { name: `welcome processing, ${f.roster.members.size} members`, suite: suite.name, ms, ops: REPEATS };
}

/**
 * The joiner's replay of the log the relay serves with the invite (§8.2 step 1, invite.ts
 * verifyInviteInfo → replayLog): the roster rules and one signature verification per event. One
 * replay is timed; joiner.ts join applies the same events once more after verifyInviteInfo, so a
 * join requested today pays this twice.
 */
export async function joinerReplayCost(suite: Suite, f: AdmissionFixture): Promise<CostResult> {
  const ms = await medianOfRepeats(async () => {
    await replayLog(suite, f.events, f.owner.sign.publicKey);
  });
  return { name: `joiner log replay, ${f.events.length} events`, suite: suite.name, ms, ops: REPEATS };
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
