// One valid instance of every record, frame and plaintext the decoders accept, built with the real
// encoders and signatures: the seeds that hostile inputs are cut, mutated and relabeled from.
import { randomBytes } from '../../protocol/crypto/random.js';
import { labeledHash, signRecord } from '../../protocol/crypto/signing.js';
import { decodeTombstone, encodeTombstoneSigned } from '../../protocol/wire/tombstone.js';
import { encodeContent } from '../../protocol/wire/content.js';
import { encodeClientFrame, encodeRelayFrame, type ClientFrame, type RelayFrame } from '../../protocol/wire/frames.js';
import { encodeInviteLinkPayload } from '../../protocol/wire/invite.js';
import { encodeWelcomePayload } from '../../protocol/wire/join.js';
import type { RecordName } from '../../protocol/wire/types.js';
import { identity, RoomModel, signingKey } from '../relay/fixtures.js';

export interface Samples {
  readonly records: Readonly<Record<RecordName, Uint8Array>>;
  readonly clientFrames: readonly ClientFrame[];
  readonly relayFrames: readonly RelayFrame[];
  readonly content: Uint8Array;
  readonly welcomePayload: Uint8Array;
  readonly inviteLink: string;
}

export async function buildSamples(): Promise<Samples> {
  const owner = await identity();
  const joiner = await identity();
  const room = new RoomModel();
  const genesis = await room.genesis(owner);
  room.accept(genesis);
  const inviteKey = await signingKey();
  const invite = await room.invite(owner, inviteKey);
  const request = await room.joinRequest(inviteKey, joiner);
  const welcome = await room.welcome(owner, inviteKey.publicKey, joiner.sign);
  const confirm = await room.confirm(joiner, inviteKey.publicKey);
  const add = await room.event(owner, 'add', joiner, 'member', inviteKey.publicKey);
  const rotation = await room.rotation(owner, 1, [owner.sign]);
  const message = await room.message(owner, 1);
  const checkpoint = await room.checkpoint(owner);
  const roomId = room.roomId;
  const tombstone = decodeTombstone(await signRecord(owner.key, 'sigTombstone', encodeTombstoneSigned({
    roomId, seq: 1, epoch: message.epoch, sender: owner.sign, counter: message.counter, index: message.index, prevHash: message.prevHash,
    hash: labeledHash('hashMessage', message.bytes), time: 1,
  })));
  const clientFrames: ClientFrame[] = [
    { type: 'auth', rid: 1, roomId, role: 'member', publicKey: owner.sign, signature: randomBytes(64) },
    { type: 'createRoom', rid: 2, genesis },
    { type: 'registerInvite', rid: 3, invite },
    { type: 'getInvite', rid: 4, roomId, invitePublicKey: inviteKey.publicKey },
    { type: 'joinRequest', rid: 5, request },
    { type: 'appendEvent', rid: 6, event: add, rotation, welcome },
    { type: 'joinConfirm', rid: 7, confirm },
    { type: 'appendEvent', rid: 8, event: add, rotation, welcome: undefined },
    { type: 'appendEvent', rid: 9, event: add, rotation: undefined, welcome: undefined },
    { type: 'rotate', rid: 10, rotation },
    { type: 'send', rid: 11, message },
    { type: 'sync', rid: 12, roomId, logFrom: 0, epochFrom: 0, seqFrom: 0, limit: 100 },
    { type: 'ping', rid: 13 },
    { type: 'checkpoint', rid: 14, checkpoint },
    { type: 'attachPut', rid: 15, roomId, attachmentId: randomBytes(16), index: 0, last: true, chunk: randomBytes(64) },
    { type: 'attachGet', rid: 16, roomId, attachmentId: randomBytes(16), index: 0 },
    { type: 'linkListen', rid: 17, box: randomBytes(32) },
    { type: 'linkPost', rid: 18, box: randomBytes(32), data: randomBytes(100) },
    { type: 'linkUnlisten', rid: 19, box: randomBytes(32) },
    { type: 'drop', rid: 19, tombstone, attachmentId: randomBytes(16) },
  ];
  const relayFrames: RelayFrame[] = [
    { type: 'ok', rid: 1, value: 7 },
    { type: 'error', rid: 2, code: 102, text: 'TRUNCATED: ü' },
    { type: 'inviteInfo', rid: 3, invite, checkpoint: undefined, events: [genesis, add] },
    { type: 'inviteInfo', rid: 6, invite, checkpoint, events: [add] },
    { type: 'deliver', roomId, seq: 1, message },
    { type: 'event', roomId, event: add },
    { type: 'rotation', roomId, rotation },
    { type: 'joinPending', roomId, request },
    { type: 'welcomeReady', roomId, welcome },
    { type: 'syncDone', rid: 4, roomId, logLength: 2, epoch: 1, lastSeq: 9, more: true },
    { type: 'pong', rid: 5 },
    { type: 'attachChunk', rid: 7, index: 0, last: true, chunk: randomBytes(64) },
    { type: 'linkData', box: randomBytes(32), data: randomBytes(100) },
    { type: 'busStatus', reachable: true },
    { type: 'dropped', roomId, tombstone },
  ];
  return {
    records: {
      memberEvent: genesis.bytes, invite: invite.bytes, joinRequest: request.bytes, welcome: welcome.bytes,
      joinConfirm: confirm.bytes, rotation: rotation.bytes, message: message.bytes, checkpoint: checkpoint.bytes,
    },
    clientFrames,
    relayFrames,
    content: encodeContent({ type: 'text', time: Date.now(), text: 'hello, ünïcode' }),
    welcomePayload: encodeWelcomePayload({ addIndex: 1, addHash: randomBytes(32), epoch: 3, roomName: 'room', names: [{ member: owner.sign, name: 'Ann' }] }),
    inviteLink: `https://chat.example/#/join/${encodeInviteLinkPayload({ roomId, ownerSign: owner.sign, token: randomBytes(32) })}`,
  };
}

export function encodedClientFrames(samples: Samples): Uint8Array[] {
  return samples.clientFrames.map(encodeClientFrame);
}

export function encodedRelayFrames(samples: Samples): Uint8Array[] {
  return samples.relayFrames.map(encodeRelayFrame);
}
