// A delete's drop (docs/protocol.md §9.1.1, V-153): the stored message at a seq replaced by its
// author's tombstone, inside SqlStore's write transaction. The tombstone must describe that record
// exactly — its sender (the bound key that asks), epoch, counter, chain index, previous hash and
// hash — so the relay keeps the author's signed word for what it drops, and no one drops another's
// message. The chunks of the attachment the author names go too, if that key uploaded them.
import { bytesEqual } from '../../protocol/bytes.js';
import { labeledHash } from '../../protocol/crypto/signing.js';
import { SottoError } from '../../protocol/errors.js';
import { decodeMessage } from '../../protocol/wire/message.js';
import { decodeTombstone, type Tombstone } from '../../protocol/wire/tombstone.js';
import type { SqlTransaction } from './sql-database.js';
import type { MessageDrop } from './store.js';

const SQL = {
  messageAt: 'SELECT bytes, dropped FROM messages WHERE room_id = $1 AND seq = $2',
  drop: 'UPDATE messages SET bytes = $1, dropped = 1 WHERE room_id = $2 AND seq = $3',
  // The room's byte count (--max-room-bytes) follows what it holds: a tombstone for a ciphertext.
  recount: 'UPDATE rooms SET message_bytes = message_bytes - $1 WHERE id = $2',
  dropChunks: 'DELETE FROM attachment_chunks WHERE room_id = $1 AND attachment_id = $2 AND uploader = $3',
} as const;

/** Whether `t` says exactly what the stored record `bytes` is. */
function describes(t: Tombstone, bytes: Uint8Array): boolean {
  const m = decodeMessage(bytes);
  return bytesEqual(m.roomId, t.roomId) && bytesEqual(m.sender, t.sender) && m.epoch === t.epoch && m.counter === t.counter
    && m.index === t.index && bytesEqual(m.prevHash, t.prevHash) && bytesEqual(labeledHash('hashMessage', bytes), t.hash);
}

/** Run inside a write transaction that holds the room's row. */
export async function dropMessageIn(tx: SqlTransaction, drop: MessageDrop): Promise<void> {
  const t = decodeTombstone(drop.tombstone);
  if (!bytesEqual(t.roomId, drop.roomId) || !bytesEqual(t.sender, drop.sender)) throw new SottoError('DROP_MISMATCH', 'the tombstone names another room or sender');
  const [row] = await tx.rows<{ bytes: Uint8Array; dropped: number }>(SQL.messageAt, [drop.roomId, t.seq]);
  if (row === undefined) throw new SottoError('MESSAGE_NOT_FOUND', `seq ${t.seq}`);
  // A resend of the drop (its answer lost) is answered again.
  if (row.dropped !== 0) {
    if (bytesEqual(row.bytes, drop.tombstone)) return;
    throw new SottoError('DROP_MISMATCH', `seq ${t.seq} already holds another tombstone`);
  }
  if (!describes(t, row.bytes)) throw new SottoError('DROP_MISMATCH', `the tombstone does not describe the message at seq ${t.seq}`);
  await tx.run(SQL.drop, [drop.tombstone, drop.roomId, t.seq]);
  await tx.run(SQL.recount, [row.bytes.length - drop.tombstone.length, drop.roomId]);
  if (drop.attachmentId !== undefined) await tx.run(SQL.dropChunks, [drop.roomId, drop.attachmentId, drop.sender]);
}
