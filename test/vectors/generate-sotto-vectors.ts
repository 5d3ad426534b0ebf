// Writes test/vectors/sotto-v2.json: Sotto's known-answer vectors for protocol 2, from the fixed
// inputs of sotto-v1.json (patterned bytes, no randomness) recomputed with this code on the noble
// suite. Run once when the protocol version changes, never to make a failing vector pass:
//   npm run build && node dist/test/vectors/generate-sotto-vectors.js
// Inputs protocol 1 did not have are fixed patterns too: each message's log head is the add event
// before it, its chain index is its counter − 1, and a rotation's entries are sealed under a fixed
// ephemeral secret (the code draws one at random; docs/protocol.md §6 allows any). One vector has no
// protocol 1 input at all: the added member's key update (§8.5), extending the log after the add,
// with new keys from fixed seeds.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex, utf8 } from '../../protocol/bytes.js';
import { xchachaSeal } from '../../protocol/crypto/aead.js';
import { hkdfSha256 } from '../../protocol/crypto/hash.js';
import { nobleSuite } from '../../protocol/crypto/noble-suite.js';
import { sealWith } from '../../protocol/crypto/sealed-box.js';
import { labeled, labeledHash, signRecord } from '../../protocol/crypto/signing.js';
import { fingerprint, roomCode } from '../../protocol/client/fingerprint.js';
import { inviteKeyFromToken } from '../../protocol/client/invite.js';
import { messageHash } from '../../protocol/client/message-crypto.js';
import { chainStart } from '../../protocol/client/sender-ratchet.js';
import { messageKeyAt } from '../helpers/keystore-reader.js';
import { epochKeyContext } from '../../protocol/client/rotation.js';
import { eventHash } from '../../protocol/membership/roster.js';
import { LABEL, type LabelName } from '../../protocol/labels.js';
import { encodeContent, type Content } from '../../protocol/wire/content.js';
import { encodeInviteLinkPayload, encodeInviteUnsigned } from '../../protocol/wire/invite.js';
import { decodeMemberEvent, DEFAULT_HISTORY, encodeMemberEventUnsigned, keyUpdateProofBytes, type EventKind, type Role } from '../../protocol/wire/membership.js';
import { encodeMessageHeader, encodeMessageUnsigned } from '../../protocol/wire/message.js';
import { encodeRotationUnsigned } from '../../protocol/wire/rotation.js';
import { WIRE_VERSION } from '../../protocol/wire/types.js';
import { REPO_ROOT } from '../helpers/paths.js';

type Json = Record<string, unknown>;
const DIR = join(REPO_ROOT, 'test', 'vectors');
const ROTATION_EPHEMERAL = 'f0'.repeat(32);
/** Sender chain indexes whose message keys are given: the first two, and one reached by skipping. */
const CHAIN_INDEXES = [0, 1, 5] as const;
/** The key update's inputs: the added member's seed (its messages' signer in sotto-v1.json) and the new keys' seeds. */
const UPDATE = {
  signSeed: '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  newSignSeed: '404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f',
  newEncSecret: '606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f',
  time: 1700000120000,
} as const;
const h = (v: unknown): Uint8Array => fromHex(v as string);
const n = (v: unknown): number => v as number;

async function signed(seed: unknown, label: LabelName, unsigned: Uint8Array): Promise<{ record: string; signature: string; bytes: Uint8Array }> {
  const record = await signRecord(await nobleSuite.signingKeyFromSeed(h(seed)), label, unsigned);
  return { record: toHex(record), signature: toHex(record.subarray(unsigned.length)), bytes: record };
}

/** The member `add` admitted replaces its keys at log position `index` (§8.5). */
async function keyUpdateVector(add: Json, prevHash: Uint8Array, index: number): Promise<Json> {
  const a = add['fields'] as Json;
  const next = await nobleSuite.signingKeyFromSeed(h(UPDATE.newSignSeed));
  const nextEnc = (await nobleSuite.agreementKeyFromSecret(h(UPDATE.newEncSecret))).publicKey;
  const proofBytes = keyUpdateProofBytes(h(a['roomId']), index, prevHash, h(a['subjectSign']), next.publicKey, nextEnc);
  const proof = await next.sign(labeled('sigKeyUpdate', proofBytes));
  const fields = {
    roomId: a['roomId'], index, prevHash: toHex(prevHash), kind: 'update', time: UPDATE.time, issuer: a['subjectSign'], subjectSign: a['subjectSign'],
    subjectEnc: a['subjectEnc'], role: a['role'], update: { sign: toHex(next.publicKey), enc: toHex(nextEnc), proof: toHex(proof) },
  };
  const s = await signed(UPDATE.signSeed, 'sigMemberEvent', encodeMemberEventUnsigned({
    roomId: h(a['roomId']), index, prevHash, kind: 'update', time: UPDATE.time, issuer: h(a['subjectSign']), subjectSign: h(a['subjectSign']),
    subjectEnc: h(a['subjectEnc']), role: a['role'] as Role, update: { sign: next.publicKey, enc: nextEnc, proof },
  }));
  return {
    type: 'memberEvent', name: 'key update (§8.5)', signSeed: UPDATE.signSeed, newSignSeed: UPDATE.newSignSeed, newEncSecret: UPDATE.newEncSecret,
    proofLabel: 'sigKeyUpdate', proofBytes: toHex(proofBytes), hashLabel: 'hashMemberEvent',
    fields, record: s.record, signature: s.signature, hash: toHex(eventHash(decodeMemberEvent(s.bytes))),
  };
}

async function main(): Promise<void> {
  const v1 = JSON.parse(readFileSync(join(DIR, 'sotto-v1.json'), 'utf8')) as { vectors: Json[] };
  // Events chain, and rotations and messages name the log head, so hashes flow from one vector to the next.
  let head: Uint8Array = new Uint8Array(32);
  let logLength = 0;
  const out: Json[] = [];
  for (const v of v1.vectors) {
    const f = { ...(v['fields'] as Json | undefined) };
    switch (v['type']) {
      case 'labeled': {
        const label = v['label'] as LabelName;
        out.push({ ...v, labelString: LABEL[label], labeled: toHex(labeled(label, h(v['input']))), labeledHash: toHex(labeledHash(label, h(v['input']))) });
        break;
      }
      case 'fingerprint': {
        const key = await nobleSuite.signingKeyFromSeed(h(v['signSeed']));
        out.push({ ...v, signPublicKey: toHex(key.publicKey), fingerprint: fingerprint(key.publicKey) });
        break;
      }
      case 'roomCode':
        out.push({ ...v, roomCode: roomCode(h(v['epochKey']), h(v['rosterHash']), n(v['epoch'])) });
        break;
      case 'messageKey': {
        // Protocol 1's one key per (epoch, sender) became a chain (§6): CK_0 and the keys of a few indexes.
        const { messageKey: _protocol1, ...inputs } = v;
        const [epochKey, roomId, epoch, sender] = [h(v['epochKey']), h(v['roomId']), n(v['epoch']), h(v['sender'])];
        out.push({
          ...inputs, type: 'senderChain', chainKey: toHex(chainStart(epochKey, roomId, epoch, sender)),
          messageKeys: Object.fromEntries(CHAIN_INDEXES.map((i) => [i, toHex(messageKeyAt(epochKey, roomId, epoch, sender, i))])),
        });
        break;
      }
      case 'inviteKey': {
        const key = await inviteKeyFromToken(nobleSuite, h(v['token']), h(v['roomId']));
        out.push({ ...v, seed: toHex(hkdfSha256(h(v['token']), h(v['roomId']), utf8(LABEL.inviteKey), 32)), invitePublicKey: toHex(key.publicKey) });
        break;
      }
      case 'joinKeys':
        out.push({
          ...v,
          welcomeKey: toHex(hkdfSha256(h(v['joiningKey']), h(v['token']), utf8(LABEL.welcomeKey), 32)),
          confirmKey: toHex(hkdfSha256(h(v['joiningKey']), h(v['token']), utf8(LABEL.confirmKey), 32)),
        });
        break;
      case 'epochKeySealContext':
        out.push({ ...v, context: toHex(epochKeyContext(h(v['roomId']), n(v['epoch']), h(v['member']))) });
        break;
      case 'sealedBox': {
        const recipient = await nobleSuite.agreementKeyFromSecret(h(v['recipientSecret']));
        const ephemeral = await nobleSuite.agreementKeyFromSecret(h(v['ephemeralSecret']));
        out.push({ ...v, recipientPublicKey: toHex(recipient.publicKey), box: toHex(await sealWith(ephemeral, recipient.publicKey, h(v['plaintext']), h(v['context']))) });
        break;
      }
      case 'memberEvent': {
        f['prevHash'] = toHex(head);
        const s = await signed(v['signSeed'], 'sigMemberEvent', encodeMemberEventUnsigned({
          roomId: h(f['roomId']), index: n(f['index']), prevHash: head, kind: f['kind'] as EventKind, time: n(f['time']),
          issuer: h(f['issuer']), subjectSign: h(f['subjectSign']), subjectEnc: h(f['subjectEnc']), role: f['role'] as Role,
          // Protocol 1's settings had no history setting: the default stands in (§8.6).
          ...(f['settings'] === undefined ? {} : { settings: { ...(f['settings'] as { rotateEveryMessages: number; rotateAfterSeconds: number }), history: DEFAULT_HISTORY } }),
          ...(f['invitePublicKey'] === undefined ? {} : { invitePublicKey: h(f['invitePublicKey']) }),
        }));
        head = eventHash(decodeMemberEvent(s.bytes));
        logLength = n(f['index']) + 1;
        out.push({ ...v, fields: f, record: s.record, signature: s.signature, hash: toHex(head) });
        break;
      }
      case 'invite': {
        const s = await signed(v['signSeed'], 'sigInvite', encodeInviteUnsigned({
          roomId: h(f['roomId']), invitePublicKey: h(f['invitePublicKey']), issuer: h(f['issuer']), expiresAt: n(f['expiresAt']),
        }));
        out.push({ ...v, record: s.record, signature: s.signature });
        break;
      }
      case 'rotation': {
        const ephemeral = await nobleSuite.agreementKeyFromSecret(h(ROTATION_EPHEMERAL));
        const members = v['memberSecrets'] as { signSeed: string; encSecret: string }[];
        const entries = [];
        // Each entry's psk (the previous epoch's init secret or a join secret, §6) as a fixed pattern per member.
        const psks = members.map((_, i) => toHex(new Uint8Array(32).fill(0xc0 + i)));
        for (const [i, m] of members.entries()) {
          const sign = (await nobleSuite.signingKeyFromSeed(h(m.signSeed))).publicKey;
          const enc = (await nobleSuite.agreementKeyFromSecret(h(m.encSecret))).publicKey;
          const context = epochKeyContext(h(f['roomId']), n(f['epoch']), sign);
          entries.push({ member: sign, sealedKey: await sealWith(ephemeral, enc, h(v['epochKey']), context, h(psks[i])) });
        }
        Object.assign(f, { logLength, rosterHash: toHex(head), entries: entries.map((e) => ({ member: toHex(e.member), sealedKey: toHex(e.sealedKey) })) });
        const s = await signed(v['signSeed'], 'sigRotation', encodeRotationUnsigned({
          roomId: h(f['roomId']), epoch: n(f['epoch']), logLength, rosterHash: head, issuer: h(f['issuer']), time: n(f['time']), entries,
        }));
        out.push({ ...v, ephemeralSecret: ROTATION_EPHEMERAL, psks, fields: f, record: s.record, signature: s.signature });
        break;
      }
      case 'message': {
        Object.assign(f, { logLength, logHash: toHex(head) });
        f['index'] = n(f['counter']) - 1;
        const header = encodeMessageHeader({
          roomId: h(f['roomId']), epoch: n(f['epoch']), sender: h(f['sender']), counter: n(f['counter']), index: n(f['index']), prevHash: h(f['prevHash']),
          seenSeq: n(f['seenSeq']), seenHash: h(f['seenHash']), logLength, logHash: head, nonce: h(f['nonce']),
        });
        const key = messageKeyAt(h(v['epochKey']), h(f['roomId']), n(f['epoch']), h(f['sender']), n(f['index']));
        const plaintext = encodeContent(v['content'] as Content);
        const ciphertext = xchachaSeal(key, h(f['nonce']), plaintext, header);
        const s = await signed(v['signSeed'], 'sigMessage', encodeMessageUnsigned(header, ciphertext));
        out.push({
          ...v, fields: f, messageKey: toHex(key), header: toHex(header), plaintext: toHex(plaintext), ciphertext: toHex(ciphertext),
          record: s.record, signature: s.signature, hash: toHex(messageHash(s.bytes)),
        });
        break;
      }
      case 'content':
        out.push({ ...v, encoded: toHex(encodeContent(v['content'] as Content)) });
        break;
      case 'inviteLink':
        out.push({ ...v, payload: encodeInviteLinkPayload({ roomId: h(v['roomId']), ownerSign: h(v['ownerSign']), token: h(v['token']) }) });
        break;
      default:
        throw new Error(`no generator for vector type ${String(v['type'])}`);
    }
  }
  out.push(await keyUpdateVector(out.filter((v) => v['type'] === 'memberEvent').at(-1)!, head, logLength));
  const file = {
    source: `Sotto protocol ${WIRE_VERSION} known-answer vectors, made by test/vectors/generate-sotto-vectors.ts from the fixed inputs of sotto-v1.json `
      + '(patterned bytes, no randomness) with the project\'s code on the noble suite. Ed25519 is deterministic; nonces and sealed-box ephemeral '
      + 'secrets are fixed inputs (a rotation\'s in ephemeralSecret); each message names the log head of the events before it. Hex is lowercase; '
      + 'u64 times are ms. test/protocol/sotto-vectors.test.ts recomputes every vector on both suites.',
    version: WIRE_VERSION,
    vectors: out,
  };
  writeFileSync(join(DIR, `sotto-v${WIRE_VERSION}.json`), `${JSON.stringify(file, null, 1)}\n`);
  process.stdout.write(`wrote ${out.length} vectors to sotto-v${WIRE_VERSION}.json\n`);
}

await main();
