// Sotto's own known-answer vectors (test/vectors/sotto-v2.json, docs/protocol.md "Test vectors"):
// every vector is recomputed from its inputs with the project's code, on both suites wherever a
// signature or key derivation goes through one, and every record is decoded field by field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { xchachaOpen, xchachaSeal } from '../../protocol/crypto/aead.js';
import { hkdfSha256 } from '../../protocol/crypto/hash.js';
import { openSealed, sealWith } from '../../protocol/crypto/sealed-box.js';
import { labeled, labeledHash, signRecord, verifyRecord } from '../../protocol/crypto/signing.js';
import type { Suite } from '../../protocol/crypto/suite.js';
import { fingerprint, roomCode } from '../../protocol/client/fingerprint.js';
import { inviteKeyFromToken } from '../../protocol/client/invite.js';
import { messageHash, openMessage } from '../../protocol/client/message-crypto.js';
import { chainStart, ratchetStep, takeMessageKey, type SenderChain } from '../../protocol/client/sender-ratchet.js';
import { Secret } from '../../protocol/crypto/secret.js';
import { messageKeyAt } from '../helpers/keystore-reader.js';
import { eventHash, verifyEventSignature } from '../../protocol/membership/roster.js';
import { epochKeyContext, openRotation, verifyRotationSignature } from '../../protocol/client/rotation.js';
import { LABEL, type LabelName } from '../../protocol/labels.js';
import { decodeContent, encodeContent, type Content } from '../../protocol/wire/content.js';
import { decodeInvite, decodeInviteLinkPayload, encodeInviteLinkPayload, encodeInviteUnsigned } from '../../protocol/wire/invite.js';
import { decodeMemberEvent, DEFAULT_HISTORY, encodeMemberEventUnsigned, keyUpdateProofBytes, type EventKind, type KeyUpdate, type Role } from '../../protocol/wire/membership.js';
import { decodeMessage, encodeMessageHeader, encodeMessageUnsigned } from '../../protocol/wire/message.js';
import { decodeRotation, encodeRotationUnsigned } from '../../protocol/wire/rotation.js';
import { WIRE_VERSION } from '../../protocol/wire/types.js';
import { readVectorJson } from '../helpers/paths.js';
import { SUITES } from './crypto/both-suites.js';
import { expectSottoError } from './crypto/expect-error.js';

type Hex = string;
type Fields = Record<string, Hex | number | unknown>;
interface Vector {
  readonly type: string;
  readonly [key: string]: unknown;
}
interface VectorFile {
  readonly source: string;
  readonly version: number;
  readonly vectors: readonly Vector[];
}

const FILE = readVectorJson<VectorFile>(`sotto-v${WIRE_VERSION}.json`);
const h = (value: unknown): Uint8Array => fromHex(value as string);
const str = (value: unknown): string => value as string;
const num = (value: unknown): number => value as number;
const fieldsOf = (v: Vector): Fields => v['fields'] as Fields;

/** The record's last 64 bytes are the signature; everything before is what it covers. */
function unsignedOf(record: Uint8Array): Uint8Array {
  return record.subarray(0, record.length - 64);
}

/** Signs `unsigned` with the seed on one suite and checks the exact record, then verifies it. */
async function checkSigned(suite: Suite, v: Vector, label: LabelName, unsigned: Uint8Array, what: string): Promise<Uint8Array> {
  const key = await suite.signingKeyFromSeed(h(v['signSeed']));
  const record = await signRecord(key, label, unsigned);
  assert.is(toHex(record), str(v['record']), `${what} (${suite.name}): record bytes`);
  assert.is(toHex(record.subarray(unsigned.length)), str(v['signature']), `${what} (${suite.name}): signature`);
  await verifyRecord(suite, key.publicKey, label, unsignedOf(record), record.subarray(unsigned.length), what);
  const flipped = record.slice();
  flipped[3]! ^= 1;
  assert.is(await suite.verify(key.publicKey, labeled(label, unsignedOf(flipped)), record.subarray(unsigned.length)), false, `${what} (${suite.name}): a flipped byte fails`);
  return record;
}

/** A key update's new keys come from its seeds, and the new signing key's proof is over proofBytes (§8.5). */
async function checkKeyUpdate(v: Vector, f: Record<string, unknown>, update: KeyUpdate): Promise<void> {
  const proofBytes = keyUpdateProofBytes(h(f['roomId']), num(f['index']), h(f['prevHash']), h(f['subjectSign']), update.sign, update.enc);
  sameHex(proofBytes, v['proofBytes'], 'key update proof bytes');
  for (const suite of SUITES) {
    const next = await suite.signingKeyFromSeed(h(v['newSignSeed']));
    sameHex(next.publicKey, toHex(update.sign), `key update new signing key (${suite.name})`);
    sameHex((await suite.agreementKeyFromSecret(h(v['newEncSecret']))).publicKey, toHex(update.enc), `key update new encryption key (${suite.name})`);
    sameHex(await next.sign(labeled('sigKeyUpdate', proofBytes)), toHex(update.proof), `key update proof (${suite.name})`);
    await verifyEventSignature(suite, decodeMemberEvent(h(v['record'])));
  }
}

function sameHex(actual: Uint8Array, expected: unknown, what: string): void {
  assert.is(toHex(actual), str(expected), what);
}

/** Sealed box per docs/protocol.md §6 under a caller-chosen ephemeral secret (sealTo draws one at random). */
async function sealFixed(suite: Suite, recipientPublic: Uint8Array, ephemeralSecret: Uint8Array, plaintext: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
  return sealWith(await suite.agreementKeyFromSecret(ephemeralSecret), recipientPublic, plaintext, context);
}

const CHECKS: Record<string, (v: Vector) => Promise<void> | void> = {
  labeled(v) {
    const label = str(v['label']) as LabelName;
    assert.is(LABEL[label], str(v['labelString']), 'label string');
    sameHex(labeled(label, h(v['input'])), v['labeled'], `labeled ${label}`);
    sameHex(labeledHash(label, h(v['input'])), v['labeledHash'], `labeledHash ${label}`);
  },

  async fingerprint(v) {
    for (const suite of SUITES) {
      const key = await suite.signingKeyFromSeed(h(v['signSeed']));
      sameHex(key.publicKey, v['signPublicKey'], `${suite.name}: public key from seed`);
    }
    assert.is(fingerprint(h(v['signPublicKey'])), str(v['fingerprint']));
  },

  roomCode(v) {
    assert.is(roomCode(h(v['epochKey']), h(v['rosterHash']), num(v['epoch'])), str(v['roomCode']));
  },

  senderChain(v) {
    const [epochKey, roomId, epoch, sender] = [h(v['epochKey']), h(v['roomId']), num(v['epoch']), h(v['sender'])];
    sameHex(chainStart(epochKey, roomId, epoch, sender), v['chainKey'], 'CK_0');
    const keys = v['messageKeys'] as Record<string, string>;
    const indexes = Object.keys(keys).map(Number);
    assert.equal(indexes, [0, 1, 5]);
    // By hand from CK_0 with the step of §6, and through the chain a client keeps, skipping as a receiver does.
    let chain: SenderChain = { next: 0, key: new Secret(chainStart(epochKey, roomId, epoch, sender)), skipped: new Map() };
    for (const index of indexes) {
      let ck = chainStart(epochKey, roomId, epoch, sender);
      for (let i = 0; i < index; i++) ck = ratchetStep(ck).nextChainKey;
      sameHex(ratchetStep(ck).messageKey, keys[index], `MK_${index} by hand`);
      const taken = takeMessageKey(chain, index);
      sameHex(taken.messageKey, keys[index], `MK_${index} from the chain`);
      chain = taken.chain;
    }
    // The skipped indexes' keys were kept: MK_2..MK_4 open late deliveries, then are gone.
    assert.equal([...chain.skipped.keys()], [2, 3, 4]);
  },

  async inviteKey(v) {
    sameHex(hkdfSha256(h(v['token']), h(v['roomId']), utf8(LABEL.inviteKey), 32), v['seed'], 'invite seed (§6 HKDF line)');
    for (const suite of SUITES) {
      const key = await inviteKeyFromToken(suite, h(v['token']), h(v['roomId']));
      sameHex(key.publicKey, v['invitePublicKey'], `${suite.name}: invite public key`);
    }
  },

  joinKeys(v) {
    // protocol/client/join.ts keeps joinKey private; this is the §6 line it implements.
    sameHex(hkdfSha256(h(v['joiningKey']), h(v['token']), utf8(LABEL.welcomeKey), 32), v['welcomeKey'], 'welcome key');
    sameHex(hkdfSha256(h(v['joiningKey']), h(v['token']), utf8(LABEL.confirmKey), 32), v['confirmKey'], 'confirm key');
  },

  epochKeySealContext(v) {
    sameHex(epochKeyContext(h(v['roomId']), num(v['epoch']), h(v['member'])), v['context'], 'epoch-key seal context');
  },

  async sealedBox(v) {
    for (const suite of SUITES) {
      const recipient = await suite.agreementKeyFromSecret(h(v['recipientSecret']));
      sameHex(recipient.publicKey, v['recipientPublicKey'], `${suite.name}: recipient public key`);
      sameHex(await sealFixed(suite, recipient.publicKey, h(v['ephemeralSecret']), h(v['plaintext']), h(v['context'])), v['box'], `${suite.name}: box`);
      sameHex(await openSealed(recipient, h(v['box']), h(v['context'])), v['plaintext'], `${suite.name}: openSealed`);
    }
  },

  async memberEvent(v) {
    const f = fieldsOf(v);
    const u = f['update'] as Record<string, unknown> | undefined;
    const update = u === undefined ? undefined : { sign: h(u['sign']), enc: h(u['enc']), proof: h(u['proof']) };
    const unsigned = encodeMemberEventUnsigned({
      roomId: h(f['roomId']), index: num(f['index']), prevHash: h(f['prevHash']), kind: f['kind'] as EventKind, time: num(f['time']),
      issuer: h(f['issuer']), subjectSign: h(f['subjectSign']), subjectEnc: h(f['subjectEnc']), role: f['role'] as Role,
      // Protocol 1's settings had no history setting: the default stands in (§8.6).
          ...(f['settings'] === undefined ? {} : { settings: { ...(f['settings'] as { rotateEveryMessages: number; rotateAfterSeconds: number }), history: DEFAULT_HISTORY } }),
      ...(f['invitePublicKey'] === undefined ? {} : { invitePublicKey: h(f['invitePublicKey']) }),
      ...(update === undefined ? {} : { update }),
    });
    for (const suite of SUITES) await checkSigned(suite, v, 'sigMemberEvent', unsigned, `member event ${String(f['kind'])}`);
    if (update !== undefined) await checkKeyUpdate(v, f, update);
    const event = decodeMemberEvent(h(v['record']));
    for (const name of ['roomId', 'prevHash', 'issuer', 'subjectSign', 'subjectEnc', 'invitePublicKey'] as const) {
      if (f[name] !== undefined) sameHex(event[name]!, f[name], `event.${name}`);
    }
    assert.equal([event.index, event.kind, event.time, event.role], [f['index'], f['kind'], f['time'], f['role']]);
    assert.equal(event.settings, f['settings'] === undefined ? undefined : { ...(f['settings'] as object), history: DEFAULT_HISTORY });
    assert.is(event.invitePublicKey === undefined, f['invitePublicKey'] === undefined);
    assert.is(str(v['hashLabel']), 'hashMemberEvent');
    sameHex(eventHash(event), v['hash'], 'event hash');
  },

  async invite(v) {
    const f = fieldsOf(v);
    const unsigned = encodeInviteUnsigned({ roomId: h(f['roomId']), invitePublicKey: h(f['invitePublicKey']), issuer: h(f['issuer']), expiresAt: num(f['expiresAt']) });
    for (const suite of SUITES) await checkSigned(suite, v, 'sigInvite', unsigned, 'invite');
    const invite = decodeInvite(h(v['record']));
    sameHex(invite.roomId, f['roomId'], 'invite.roomId');
    sameHex(invite.invitePublicKey, f['invitePublicKey'], 'invite.invitePublicKey');
    sameHex(invite.issuer, f['issuer'], 'invite.issuer');
    assert.is(invite.expiresAt, f['expiresAt']);
  },

  async rotation(v) {
    const f = fieldsOf(v);
    const entries = (f['entries'] as { member: Hex; sealedKey: Hex }[]).map((e) => ({ member: h(e.member), sealedKey: h(e.sealedKey) }));
    const unsigned = encodeRotationUnsigned({
      roomId: h(f['roomId']), epoch: num(f['epoch']), logLength: num(f['logLength']), rosterHash: h(f['rosterHash']),
      issuer: h(f['issuer']), time: num(f['time']), entries,
    });
    for (const suite of SUITES) await checkSigned(suite, v, 'sigRotation', unsigned, 'rotation');
    const rotation = decodeRotation(h(v['record']));
    sameHex(rotation.roomId, f['roomId'], 'rotation.roomId');
    sameHex(rotation.rosterHash, f['rosterHash'], 'rotation.rosterHash');
    sameHex(rotation.issuer, f['issuer'], 'rotation.issuer');
    assert.equal([rotation.epoch, rotation.logLength, rotation.time], [f['epoch'], f['logLength'], f['time']]);
    assert.equal(rotation.entries.map((e) => [toHex(e.member), toHex(e.sealedKey)]), entries.map((e) => [toHex(e.member), toHex(e.sealedKey)]));
    const secrets = v['memberSecrets'] as { signSeed: Hex; encSecret: Hex }[];
    assert.is(secrets.length, rotation.entries.length);
    for (const suite of SUITES) {
      await verifyRotationSignature(suite, rotation);
      for (const [i, s] of secrets.entries()) {
        const me = { sign: await suite.signingKeyFromSeed(h(s.signSeed)), enc: await suite.agreementKeyFromSecret(h(s.encSecret)) };
        sameHex(me.sign.publicKey, toHex(rotation.entries[i]!.member), `${suite.name}: entry ${i} member`);
        const psk = h((v['psks'] as string[])[i]);
        sameHex(await openRotation(rotation, me, psk), v['epochKey'], `${suite.name}: entry ${i} opens to the epoch key`);
        await expectSottoError(() => openRotation(rotation, me, new Uint8Array(0)), 'OPEN_FAILED');
      }
    }
  },

  async message(v) {
    const f = fieldsOf(v);
    const header = encodeMessageHeader({
      roomId: h(f['roomId']), epoch: num(f['epoch']), sender: h(f['sender']), counter: num(f['counter']), index: num(f['index']), prevHash: h(f['prevHash']),
      seenSeq: num(f['seenSeq']), seenHash: h(f['seenHash']), logLength: num(f['logLength']), logHash: h(f['logHash']), nonce: h(f['nonce']),
    });
    sameHex(header, v['header'], 'message header');
    const key = messageKeyAt(h(v['epochKey']), h(f['roomId']), num(f['epoch']), h(f['sender']), num(f['index']));
    sameHex(key, v['messageKey'], 'message key');
    const content = v['content'] as Content;
    const plaintext = encodeContent(content);
    sameHex(plaintext, v['plaintext'], 'padded content');
    const ciphertext = xchachaSeal(key, h(f['nonce']), plaintext, header);
    sameHex(ciphertext, v['ciphertext'], 'ciphertext');
    sameHex(xchachaOpen(key, h(f['nonce']), ciphertext, header), v['plaintext'], 'ciphertext opens');
    for (const suite of SUITES) await checkSigned(suite, v, 'sigMessage', encodeMessageUnsigned(header, ciphertext), 'message');
    const record = decodeMessage(h(v['record']));
    for (const name of ['roomId', 'sender', 'prevHash', 'seenHash', 'logHash', 'nonce'] as const) sameHex(record[name], f[name], `message.${name}`);
    assert.equal([record.epoch, record.counter, record.index, record.seenSeq, record.logLength], [f['epoch'], f['counter'], f['index'], f['seenSeq'], f['logLength']]);
    sameHex(record.header, v['header'], 'message.header');
    sameHex(record.ciphertext, v['ciphertext'], 'message.ciphertext');
    sameHex(record.signature, v['signature'], 'message.signature');
    for (const suite of SUITES) assert.equal(await openMessage(suite, record, key), content, `${suite.name}: openMessage`);
    assert.is(str(v['hashLabel']), 'hashMessage');
    sameHex(messageHash(record.bytes), v['hash'], 'message hash');
  },

  content(v) {
    const content = v['content'] as Content;
    const encoded = encodeContent(content);
    sameHex(encoded, v['encoded'], `content ${content.type}`);
    assert.is(encoded.length % 256, 0, 'padded to the bucket');
    assert.equal(decodeContent(h(v['encoded'])), content);
  },

  inviteLink(v) {
    const link = { roomId: h(v['roomId']), ownerSign: h(v['ownerSign']), token: h(v['token']) };
    assert.is(encodeInviteLinkPayload(link), str(v['payload']));
    const decoded = decodeInviteLinkPayload(str(v['payload']));
    assert.equal([toHex(decoded.roomId), toHex(decoded.ownerSign), toHex(decoded.token)], [v['roomId'], v['ownerSign'], v['token']]);
  },
};

test('sotto vectors: every vector recomputes from its inputs on both suites, and every record decodes to its fields', async () => {
  assert.ok(FILE.source.length > 0, 'the file says how it was made');
  assert.is(FILE.version, WIRE_VERSION);
  let ran = 0;
  for (const [i, v] of FILE.vectors.entries()) {
    const check = CHECKS[v.type];
    assert.ok(check !== undefined, `vector ${i}: unknown type ${v.type}`);
    try {
      await check!(v);
    } catch (error) {
      if (error instanceof Error) error.message = `vector ${i} (${v.type}): ${error.message}`;
      throw error;
    }
    ran++;
  }
  assert.is(ran, FILE.vectors.length);
});

test('sotto vectors: every vector type is exercised', () => {
  const present = new Set(FILE.vectors.map((v) => v.type));
  assert.equal([...present].sort(), Object.keys(CHECKS).sort());
});

test.run();
