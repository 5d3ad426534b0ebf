// A room message: canonical header (the AEAD's associated data), ciphertext, sender's signature.
// The header commits to the sender's view of the room: its own previous message, the latest room
// message it saw, and the head of the membership log it held.
import { Reader, Writer } from './codec.js';
import { LIMIT, RECORD, SIZE } from './types.js';
import { readHeader, writeHeader } from './header.js';

export interface MessageHeaderFields {
  readonly roomId: Uint8Array;
  readonly epoch: number;
  readonly sender: Uint8Array;
  /** Per-sender counter across the room's life, starting at 1. */
  readonly counter: number;
  /** Position in the sender's key chain of this epoch, from 0 (sender-ratchet.ts). */
  readonly index: number;
  /** Hash of the sender's previous message; all zero for counter 1. */
  readonly prevHash: Uint8Array;
  /** Relay sequence number of the latest room message the sender had seen (0: none). */
  readonly seenSeq: number;
  /** Hash of that message; all zero when seenSeq is 0. */
  readonly seenHash: Uint8Array;
  /** Membership log length the sender held when it sealed this (transcript consistency). */
  readonly logLength: number;
  /** Hash of the sender's log head at that length (the event hash of entry logLength − 1). */
  readonly logHash: Uint8Array;
  readonly nonce: Uint8Array;
}

export interface MessageRecord extends MessageHeaderFields {
  readonly bytes: Uint8Array;
  /** The exact header bytes: associated data for the AEAD. */
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** Header plus ciphertext: what the signature covers. */
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

export function encodeMessageHeader(f: MessageHeaderFields): Uint8Array {
  const w = new Writer(200);
  writeHeader(w, RECORD.message);
  w.fixed(f.roomId, SIZE.roomId).u32(f.epoch).fixed(f.sender, SIZE.publicKey).u32(f.counter).u32(f.index);
  w.fixed(f.prevHash, SIZE.hash).u64(f.seenSeq).fixed(f.seenHash, SIZE.hash);
  w.u32(f.logLength).fixed(f.logHash, SIZE.hash).fixed(f.nonce, SIZE.nonce);
  return w.finish();
}

/** header || u32 length || ciphertext — the signed part of a message record. */
export function encodeMessageUnsigned(header: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return new Writer(header.length + 4 + ciphertext.length).raw(header).var32(ciphertext).finish();
}

export function decodeMessage(bytes: Uint8Array): MessageRecord {
  const r = new Reader(bytes);
  readHeader(r, RECORD.message, 'message');
  const roomId = r.fixed(SIZE.roomId, 'roomId');
  const epoch = r.u32('epoch');
  const sender = r.fixed(SIZE.publicKey, 'sender');
  const counter = r.u32('counter');
  const index = r.u32('index');
  const prevHash = r.fixed(SIZE.hash, 'prevHash');
  const seenSeq = r.u64('seenSeq');
  const seenHash = r.fixed(SIZE.hash, 'seenHash');
  const logLength = r.u32('logLength');
  const logHash = r.fixed(SIZE.hash, 'logHash');
  const nonce = r.fixed(SIZE.nonce, 'nonce');
  const header = r.span(0);
  const ciphertext = r.var32(LIMIT.messageCiphertext, 'ciphertext');
  const signed = r.span(0);
  const signature = r.fixed(SIZE.signature, 'signature');
  r.end('message');
  return { bytes, header, ciphertext, signed, signature, roomId, epoch, sender, counter, index, prevHash, seenSeq, seenHash, logLength, logHash, nonce };
}
