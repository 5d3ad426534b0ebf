// The Store's rules and statements, once, for every SQL database (sqlite-store.ts, postgres-store.ts).
// Every method is one transaction. A write transaction that depends on what it read first locks the
// room row, so each room's writes take turns even across relay processes: seqs stay gapless, the
// compare-and-sets on log length and epoch hold, and of two claims of one invite exactly one wins.
import { isSottoError, SottoError } from '../../protocol/errors.js';
import { bytesEqual } from '../../protocol/bytes.js';
import { HISTORY_MODE, ROLE, type HistoryMode, type HistorySetting, type Role } from '../../protocol/wire/membership.js';
import type { SqlDatabase, SqlTransaction } from './sql-database.js';
import { dropMessageIn } from './message-drop.js';
import type {
  AppendedMessage, AppendOutcome, EventAppend, InviteState, LockoutPolicy, MemberRecord, MessageDrop, NewInvite, NewJoin, NewMessage, NewRoom,
  NewChunk, NewRotation, PendingJoin, PruneCounts, PruneCutoffs, RoomAndMembers, RoomState, Store, StoredCheckpoint, StoredChunk, StoredMessage,
} from './store.js';

interface RoomRow {
  id: Uint8Array;
  owner: Uint8Array;
  rotate_every_messages: number;
  rotate_after_seconds: number;
  history_mode: number;
  history_count: number;
  epoch: number;
  log_length: number;
  head_hash: Uint8Array;
  rotation_pending: number;
  last_seq: number;
  message_bytes: number;
}

interface MemberRow {
  sign_pub: Uint8Array;
  enc_pub: Uint8Array;
  role: number;
  added_at: number;
  join_epoch: number;
}

interface InviteRow {
  bytes: Uint8Array;
  issuer: Uint8Array;
  expires_at: number;
  claimed_by: Uint8Array | null;
  locked_until: number;
}

interface JoinRow {
  invite_pub: Uint8Array;
  issuer: Uint8Array;
  joiner_sign: Uint8Array;
  joiner_enc: Uint8Array;
  request: Uint8Array;
  welcome: Uint8Array | null;
  confirm: Uint8Array | null;
}

const ROLE_BY_CODE = new Map<number, Role>((Object.keys(ROLE) as Role[]).map((role) => [ROLE[role], role]));
const HISTORY_MODE_BY_CODE = new Map<number, HistoryMode>((Object.keys(HISTORY_MODE) as HistoryMode[]).map((mode) => [HISTORY_MODE[mode], mode]));

function roleOf(code: number): Role {
  const role = ROLE_BY_CODE.get(code);
  if (role === undefined) throw new SottoError('INTERNAL', 'stored role is unknown');
  return role;
}

function historyOf(row: RoomRow): HistorySetting {
  const mode = HISTORY_MODE_BY_CODE.get(row.history_mode);
  if (mode === undefined) throw new SottoError('INTERNAL', 'stored history mode is unknown');
  return { mode, count: row.history_count };
}

function toRoom(row: RoomRow): RoomState {
  return {
    roomId: row.id,
    owner: row.owner,
    settings: { rotateEveryMessages: row.rotate_every_messages, rotateAfterSeconds: row.rotate_after_seconds, history: historyOf(row) },
    epoch: row.epoch,
    logLength: row.log_length,
    headHash: row.head_hash,
    rotationPending: row.rotation_pending !== 0,
    lastSeq: row.last_seq,
  };
}

function toMember(row: MemberRow): MemberRecord {
  return { sign: row.sign_pub, enc: row.enc_pub, role: roleOf(row.role), addedAt: row.added_at, joinEpoch: row.join_epoch };
}

function toJoin(row: JoinRow): PendingJoin {
  return {
    invitePublicKey: row.invite_pub,
    issuer: row.issuer,
    joinerSign: row.joiner_sign,
    joinerEnc: row.joiner_enc,
    request: row.request,
    welcome: row.welcome ?? undefined,
    confirm: row.confirm ?? undefined,
  };
}

const ROOM_COLUMNS = 'id, owner, rotate_every_messages, rotate_after_seconds, history_mode, history_count, epoch, log_length, head_hash, rotation_pending, last_seq, message_bytes';
const MEMBER_COLUMNS = 'sign_pub, enc_pub, role, added_at, join_epoch';
const JOINS_WITH_ISSUER = `SELECT j.invite_pub, i.issuer, j.joiner_sign, j.joiner_enc, j.request, j.welcome, j.confirm
  FROM joins j JOIN invites i ON i.room_id = j.room_id AND i.invite_pub = j.invite_pub`;

const SQL = {
  getRoom: `SELECT ${ROOM_COLUMNS} FROM rooms WHERE id = $1`,
  insertRoom: `INSERT INTO rooms (id, created_at, owner, rotate_every_messages, rotate_after_seconds, history_mode, history_count, epoch, log_length, head_hash, rotation_pending, last_seq)
    VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 1, $8, 0, 0) ON CONFLICT DO NOTHING`,
  setHistory: 'UPDATE rooms SET history_mode = $1, history_count = $2 WHERE id = $3',
  setHead: 'UPDATE rooms SET log_length = $1, head_hash = $2 WHERE id = $3',
  setEpoch: 'UPDATE rooms SET epoch = $1, rotation_pending = 0 WHERE id = $2',
  setRotationPending: 'UPDATE rooms SET rotation_pending = 1 WHERE id = $1',
  setLastSeq: 'UPDATE rooms SET last_seq = $1, message_bytes = message_bytes + $2 WHERE id = $3',
  countRooms: 'SELECT count(*) AS n FROM rooms',
  countMembers: 'SELECT count(*) AS n FROM members',
  insertEvent: 'INSERT INTO events (room_id, idx, bytes) VALUES ($1, $2, $3)',
  getEvents: 'SELECT bytes FROM events WHERE room_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3',
  // The latest wins: an older or equal checkpoint never replaces a newer one.
  putCheckpoint: `INSERT INTO checkpoints (room_id, log_length, bytes) VALUES ($1, $2, $3)
    ON CONFLICT (room_id) DO UPDATE SET log_length = excluded.log_length, bytes = excluded.bytes WHERE checkpoints.log_length < excluded.log_length`,
  getCheckpoint: 'SELECT log_length, bytes FROM checkpoints WHERE room_id = $1',
  insertMember: 'INSERT INTO members (room_id, sign_pub, enc_pub, role, added_at, join_epoch) VALUES ($1, $2, $3, $4, $5, $6)',
  getMembers: `SELECT ${MEMBER_COLUMNS} FROM members WHERE room_id = $1 ORDER BY added_at`,
  getMember: `SELECT ${MEMBER_COLUMNS} FROM members WHERE room_id = $1 AND sign_pub = $2`,
  deleteMember: 'DELETE FROM members WHERE room_id = $1 AND sign_pub = $2',
  setRole: 'UPDATE members SET role = $1 WHERE room_id = $2 AND sign_pub = $3',
  rekeyMember: 'UPDATE members SET sign_pub = $1, enc_pub = $2 WHERE room_id = $3 AND sign_pub = $4',
  insertInvite: 'INSERT INTO invites (room_id, invite_pub, issuer, expires_at, bytes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
  getInvite: 'SELECT bytes, issuer, expires_at, claimed_by, locked_until FROM invites WHERE room_id = $1 AND invite_pub = $2',
  // One statement, so concurrent failures each count. Reaching the limit locks the invite and
  // restarts the count, so each lockout takes a full set of failures.
  recordFailure: `UPDATE invites SET
      failures = CASE WHEN failures + 1 >= $1 THEN 0 ELSE failures + 1 END,
      locked_until = CASE WHEN failures + 1 >= $1 THEN $2 ELSE locked_until END
    WHERE room_id = $3 AND invite_pub = $4`,
  claimInvite: 'UPDATE invites SET claimed_by = $1 WHERE room_id = $2 AND invite_pub = $3 AND claimed_by IS NULL',
  pruneInvites: 'DELETE FROM invites WHERE expires_at < $1',
  pruneJoins: 'DELETE FROM joins WHERE created_at < $1',
  countJoins: 'SELECT count(*) AS n FROM joins',
  insertJoin: 'INSERT INTO joins (room_id, invite_pub, joiner_sign, joiner_enc, request, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
  getJoinByInvite: `${JOINS_WITH_ISSUER} WHERE j.room_id = $1 AND j.invite_pub = $2`,
  getJoinByJoiner: `${JOINS_WITH_ISSUER} WHERE j.room_id = $1 AND j.joiner_sign = $2`,
  getJoinsByIssuer: `${JOINS_WITH_ISSUER} WHERE j.room_id = $1 AND i.issuer = $2 ORDER BY j.created_at`,
  setConfirm: 'UPDATE joins SET confirm = $1 WHERE room_id = $2 AND invite_pub = $3',
  // The add and its welcome commit together; a join is added once.
  addJoin: 'UPDATE joins SET welcome = $1 WHERE room_id = $2 AND invite_pub = $3 AND joiner_sign = $4 AND welcome IS NULL',
  insertRotation: 'INSERT INTO rotations (room_id, epoch, bytes) VALUES ($1, $2, $3)',
  insertRotationEntry: 'INSERT INTO rotation_entries (room_id, member, epoch) VALUES ($1, $2, $3)',
  getRotations: `SELECT r.bytes FROM rotation_entries e JOIN rotations r ON r.room_id = e.room_id AND r.epoch = e.epoch
    WHERE e.room_id = $1 AND e.member = $2 AND e.epoch >= $3 ORDER BY e.epoch`,
  // The UNIQUE (room_id, sender, counter) constraint is the duplicate check: a resend inserts nothing.
  insertMessage: `INSERT INTO messages (room_id, seq, epoch, sender, counter, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (room_id, sender, counter) DO NOTHING`,
  findMessage: 'SELECT seq, bytes FROM messages WHERE room_id = $1 AND sender = $2 AND counter = $3',
  getMessages: 'SELECT seq, bytes, dropped FROM messages WHERE room_id = $1 AND seq > $2 AND epoch >= $3 ORDER BY seq LIMIT $4',
  // Each prune first takes what it deletes off the rooms' byte counts (--max-room-bytes).
  unCountMessages: `UPDATE rooms SET message_bytes = message_bytes -
    (SELECT COALESCE(SUM(length(bytes)), 0) FROM messages WHERE room_id = $1 AND seq <= $2) WHERE id = $1`,
  pruneMessages: 'DELETE FROM messages WHERE room_id = $1 AND seq <= $2',
  unCountOldMessages: `UPDATE rooms SET message_bytes = message_bytes -
    (SELECT COALESCE(SUM(length(bytes)), 0) FROM messages WHERE messages.room_id = rooms.id AND created_at < $1)
    WHERE id IN (SELECT room_id FROM messages WHERE created_at < $1)`,
  pruneOldMessages: 'DELETE FROM messages WHERE created_at < $1',
  attachmentSummary: `SELECT count(*) AS n, coalesce(sum(size), 0) AS size, coalesce(max(last), 0) AS closed, min(created_at) AS started
    FROM attachment_chunks WHERE room_id = $1 AND attachment_id = $2`,
  getChunk: 'SELECT bytes, last, uploader FROM attachment_chunks WHERE room_id = $1 AND attachment_id = $2 AND idx = $3',
  insertChunk: `INSERT INTO attachment_chunks (room_id, attachment_id, idx, uploader, last, size, created_at, bytes)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  roomAttachmentBytes: 'SELECT coalesce(sum(size), 0) AS n FROM attachment_chunks WHERE room_id = $1',
  // Every chunk carries its attachment's start time, so each row can be judged alone (V-171).
  pruneChunks: `DELETE FROM attachment_chunks WHERE created_at < $1
    OR (created_at < $2 AND NOT EXISTS (SELECT 1 FROM attachment_chunks c
      WHERE c.room_id = attachment_chunks.room_id AND c.attachment_id = attachment_chunks.attachment_id AND c.last = 1))
    OR created_at + $3 < (SELECT m.created_at FROM messages m WHERE m.room_id = attachment_chunks.room_id ORDER BY m.seq LIMIT 1)`,
} as const;

interface AttachmentSummary {
  n: number;
  size: number;
  closed: number;
  started: number | null;
}

async function one<T>(tx: SqlTransaction, sql: string, params: Parameters<SqlTransaction['rows']>[1]): Promise<T | undefined> {
  return (await tx.rows<T>(sql, params))[0];
}

async function count(tx: SqlTransaction, sql: string): Promise<number> {
  return (await one<{ n: number }>(tx, sql, []))?.n ?? 0;
}

export class SqlStore implements Store {
  readonly #db: SqlDatabase;
  readonly #maxHistory: number;
  readonly #maxRoomBytes: number;
  readonly #lockRoom: string;

  constructor(db: SqlDatabase, maxHistoryPerRoom: number, maxRoomBytes = Number.MAX_SAFE_INTEGER) {
    this.#db = db;
    this.#maxHistory = maxHistoryPerRoom;
    this.#maxRoomBytes = maxRoomBytes;
    this.#lockRoom = SQL.getRoom + db.lockRow;
  }

  #write<T>(fn: (tx: SqlTransaction) => Promise<T>, onCommitted?: (value: T) => void): Promise<T> {
    return this.#db.transaction('write', fn, onCommitted);
  }

  #read<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.#db.transaction('read', fn);
  }

  /** The room row, held until the transaction ends. */
  async #lock(tx: SqlTransaction, roomId: Uint8Array): Promise<RoomRow> {
    const row = await one<RoomRow>(tx, this.#lockRoom, [roomId]);
    if (row === undefined) throw new SottoError('ROOM_NOT_FOUND');
    return row;
  }

  createRoom(room: NewRoom): Promise<void> {
    return this.#write(async (tx) => {
      const { roomId } = room;
      const { settings } = room;
      const inserted = await tx.run(SQL.insertRoom, [
        roomId, room.now, room.owner, settings.rotateEveryMessages, settings.rotateAfterSeconds, HISTORY_MODE[settings.history.mode], settings.history.count, room.headHash,
      ]);
      if (inserted === 0) throw new SottoError('ROOM_EXISTS');
      await tx.run(SQL.insertEvent, [roomId, 0, room.genesis]);
      await tx.run(SQL.insertMember, [roomId, room.owner, room.ownerEnc, ROLE.owner, 0, 0]);
    });
  }

  getRoom(roomId: Uint8Array): Promise<RoomState | undefined> {
    return this.#read(async (tx) => {
      const row = await one<RoomRow>(tx, SQL.getRoom, [roomId]);
      return row === undefined ? undefined : toRoom(row);
    });
  }

  getRoomAndMembers(roomId: Uint8Array): Promise<RoomAndMembers | undefined> {
    return this.#read(async (tx) => {
      const row = await one<RoomRow>(tx, SQL.getRoom, [roomId]);
      if (row === undefined) return undefined;
      return { room: toRoom(row), members: (await tx.rows<MemberRow>(SQL.getMembers, [roomId])).map(toMember) };
    });
  }

  getMember(roomId: Uint8Array, sign: Uint8Array): Promise<MemberRecord | undefined> {
    return this.#read(async (tx) => {
      const row = await one<MemberRow>(tx, SQL.getMember, [roomId, sign]);
      return row === undefined ? undefined : toMember(row);
    });
  }

  getEvents(roomId: Uint8Array, fromIndex: number, limit: number): Promise<Uint8Array[]> {
    return this.#read(async (tx) => (await tx.rows<{ bytes: Uint8Array }>(SQL.getEvents, [roomId, fromIndex, limit])).map((r) => r.bytes));
  }

  putCheckpoint(roomId: Uint8Array, checkpoint: StoredCheckpoint): Promise<void> {
    return this.#write(async (tx) => {
      const room = await this.#lock(tx, roomId);
      if (room.log_length !== checkpoint.logLength) throw new SottoError('BAD_CHAIN', 'the log moved');
      await tx.run(SQL.putCheckpoint, [roomId, checkpoint.logLength, checkpoint.bytes]);
    });
  }

  getCheckpoint(roomId: Uint8Array): Promise<StoredCheckpoint | undefined> {
    return this.#read(async (tx) => {
      const row = await one<{ log_length: number; bytes: Uint8Array }>(tx, SQL.getCheckpoint, [roomId]);
      return row === undefined ? undefined : { logLength: row.log_length, bytes: row.bytes };
    });
  }

  appendEvent(append: EventAppend): Promise<void> {
    return this.#write(async (tx) => {
      const { roomId, change } = append;
      const room = await this.#lock(tx, roomId);
      if (room.log_length !== append.expectedLength) throw new SottoError('BAD_CHAIN', 'the log moved');
      await tx.run(SQL.insertEvent, [roomId, room.log_length, append.event]);
      await tx.run(SQL.setHead, [room.log_length + 1, append.headHash, roomId]);
      switch (change.kind) {
        case 'add':
          if ((await tx.run(SQL.addJoin, [change.welcome, roomId, change.invitePublicKey, change.sign])) !== 1) {
            throw new SottoError('JOIN_STATE', 'no pending join for this subject and invite');
          }
          // The member's history starts with the epoch its add starts: nothing sealed before it.
          await tx.run(SQL.insertMember, [roomId, change.sign, change.enc, ROLE[change.role], room.log_length, append.rotation?.epoch ?? room.epoch]);
          break;
        case 'remove':
          for (const sign of change.signs) if ((await tx.run(SQL.deleteMember, [roomId, sign])) !== 1) throw new SottoError('NOT_MEMBER', 'event subject');
          break;
        case 'role':
          for (const sign of change.signs) if ((await tx.run(SQL.setRole, [ROLE[change.role], roomId, sign])) !== 1) throw new SottoError('NOT_MEMBER', 'event subject');
          break;
        case 'device':
          await tx.run(SQL.insertMember, [roomId, change.sign, change.enc, ROLE[change.role], change.addedAt, append.rotation?.epoch ?? room.epoch]);
          break;
        case 'history':
          await tx.run(SQL.setHistory, [HISTORY_MODE[change.history.mode], change.history.count, roomId]);
          break;
        case 'update':
          if ((await tx.run(SQL.rekeyMember, [change.newSign, change.newEnc, roomId, change.sign])) !== 1) throw new SottoError('NOT_MEMBER', 'event subject');
          break;
      }
      if (append.rotation !== undefined) await this.#insertRotation(tx, roomId, room.epoch, append.rotation);
      if (append.markRotationPending === true) await tx.run(SQL.setRotationPending, [roomId]);
    });
  }

  async #insertRotation(tx: SqlTransaction, roomId: Uint8Array, currentEpoch: number, rotation: NewRotation): Promise<void> {
    if (rotation.epoch !== currentEpoch + 1) throw new SottoError('STALE_EPOCH', `rotation to ${rotation.epoch}, room at ${currentEpoch}`);
    await tx.run(SQL.insertRotation, [roomId, rotation.epoch, rotation.bytes]);
    for (const member of rotation.members) await tx.run(SQL.insertRotationEntry, [roomId, member, rotation.epoch]);
    await tx.run(SQL.setEpoch, [rotation.epoch, roomId]);
  }

  putInvite(invite: NewInvite): Promise<void> {
    return this.#write(async (tx) => {
      await this.#lock(tx, invite.roomId);
      const inserted = await tx.run(SQL.insertInvite, [invite.roomId, invite.invitePublicKey, invite.issuer, invite.expiresAt, invite.bytes]);
      if (inserted === 0) throw new SottoError('INVITE_EXISTS');
    });
  }

  getInvite(roomId: Uint8Array, invitePublicKey: Uint8Array): Promise<InviteState | undefined> {
    return this.#read(async (tx) => {
      const row = await one<InviteRow>(tx, SQL.getInvite, [roomId, invitePublicKey]);
      if (row === undefined) return undefined;
      return { bytes: row.bytes, issuer: row.issuer, expiresAt: row.expires_at, claimedBy: row.claimed_by ?? undefined, lockedUntil: row.locked_until };
    });
  }

  recordInviteFailure(roomId: Uint8Array, invitePublicKey: Uint8Array, policy: LockoutPolicy): Promise<void> {
    return this.#write(async (tx) => {
      await tx.run(SQL.recordFailure, [policy.maxFailures, policy.now + policy.lockoutMs, roomId, invitePublicKey]);
    });
  }

  claimInvite(join: NewJoin): Promise<void> {
    return this.#write(async (tx) => {
      // The room lock also keeps two claims by one joiner key (of different invites) from both passing.
      await this.#lock(tx, join.roomId);
      const invite = await one<InviteRow>(tx, SQL.getInvite, [join.roomId, join.invitePublicKey]);
      if (invite === undefined) throw new SottoError('INVITE_NOT_FOUND');
      if (invite.claimed_by !== null) throw new SottoError('INVITE_USED');
      if ((await one<JoinRow>(tx, SQL.getJoinByJoiner, [join.roomId, join.joinerSign])) !== undefined) {
        throw new SottoError('JOIN_STATE', 'this joiner key already has a pending join');
      }
      if ((await tx.run(SQL.claimInvite, [join.joinerSign, join.roomId, join.invitePublicKey])) !== 1) throw new SottoError('INVITE_USED');
      await tx.run(SQL.insertJoin, [join.roomId, join.invitePublicKey, join.joinerSign, join.joinerEnc, join.request, join.now]);
    });
  }

  confirmJoin(roomId: Uint8Array, invitePublicKey: Uint8Array, joinerSign: Uint8Array, confirm: Uint8Array): Promise<void> {
    return this.#write(async (tx) => {
      await this.#lock(tx, roomId);
      const row = await one<JoinRow>(tx, SQL.getJoinByInvite, [roomId, invitePublicKey]);
      if (row === undefined || !bytesEqual(row.joiner_sign, joinerSign)) throw new SottoError('JOIN_NOT_FOUND');
      if (row.welcome === null) throw new SottoError('JOIN_STATE', 'the joiner is not added yet');
      if (row.confirm !== null) {
        // A retried confirmation (its ack lost) is harmless; a different one is not the joiner's.
        if (bytesEqual(row.confirm, confirm)) return;
        throw new SottoError('JOIN_STATE', 'a different confirmation is already stored');
      }
      await tx.run(SQL.setConfirm, [confirm, roomId, invitePublicKey]);
    });
  }

  getJoin(roomId: Uint8Array, joinerSign: Uint8Array): Promise<PendingJoin | undefined> {
    return this.#read(async (tx) => {
      const row = await one<JoinRow>(tx, SQL.getJoinByJoiner, [roomId, joinerSign]);
      return row === undefined ? undefined : toJoin(row);
    });
  }

  pendingJoinsForIssuer(roomId: Uint8Array, issuer: Uint8Array): Promise<PendingJoin[]> {
    return this.#read(async (tx) => (await tx.rows<JoinRow>(SQL.getJoinsByIssuer, [roomId, issuer])).map(toJoin));
  }

  addRotation(roomId: Uint8Array, expectedLength: number, rotation: NewRotation): Promise<void> {
    return this.#write(async (tx) => {
      const room = await this.#lock(tx, roomId);
      if (room.log_length !== expectedLength) throw new SottoError('BAD_ROTATION', 'the membership log moved');
      await this.#insertRotation(tx, roomId, room.epoch, rotation);
    });
  }

  getRotations(roomId: Uint8Array, fromEpoch: number, member: Uint8Array): Promise<Uint8Array[]> {
    return this.#read(async (tx) => (await tx.rows<{ bytes: Uint8Array }>(SQL.getRotations, [roomId, member, fromEpoch])).map((r) => r.bytes));
  }

  appendMessages(messages: readonly NewMessage[], onStored?: (outcomes: AppendOutcome[]) => void): Promise<AppendOutcome[]> {
    return this.#write(async (tx) => {
      const outcomes: AppendOutcome[] = [];
      for (const m of messages) {
        // A refusal is thrown before anything is written, so the others go on without a savepoint.
        try {
          outcomes.push({ ok: true, ...(await this.#append(tx, m)) });
        } catch (error) {
          if (!isSottoError(error)) throw error;
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    }, onStored);
  }

  async #append(tx: SqlTransaction, m: NewMessage): Promise<AppendedMessage> {
    const room = await this.#lock(tx, m.roomId);
    const restoredEpoch = m.oldestEpoch !== undefined && m.oldestEpoch <= m.epoch && m.epoch < room.epoch;
    if ((m.epoch !== room.epoch && !restoredEpoch) || room.rotation_pending !== 0) {
      // A resend is still answered with its seq after the epoch moved on.
      const stored = await this.#stored(tx, m);
      if (stored !== undefined) return stored;
      throw new SottoError('STALE_EPOCH', m.epoch !== room.epoch ? `message for epoch ${m.epoch}, room at ${room.epoch}` : 'a rotation is pending');
    }
    if (room.message_bytes + m.bytes.length > this.#maxRoomBytes) {
      // A resend of what is stored still gets its seq in a full room.
      const stored = await this.#stored(tx, m);
      if (stored !== undefined) return stored;
      throw new SottoError('ROOM_FULL', `the relay keeps at most ${this.#maxRoomBytes} bytes of messages per room`);
    }
    const seq = room.last_seq + 1;
    if ((await tx.run(SQL.insertMessage, [m.roomId, seq, m.epoch, m.sender, m.counter, m.bytes, m.now])) === 0) {
      const stored = await this.#stored(tx, m);
      if (stored === undefined) throw new SottoError('INTERNAL', 'message insert refused with no message stored under its counter');
      return stored;
    }
    await tx.run(SQL.setLastSeq, [seq, m.bytes.length, m.roomId]);
    if (seq > this.#maxHistory) {
      await tx.run(SQL.unCountMessages, [m.roomId, seq - this.#maxHistory]);
      await tx.run(SQL.pruneMessages, [m.roomId, seq - this.#maxHistory]);
    }
    return { seq, duplicate: false };
  }

  /** What is stored under `m`'s counter: `m` itself (a resend), nothing, or another message (COUNTER_USED). */
  async #stored(tx: SqlTransaction, m: NewMessage): Promise<AppendedMessage | undefined> {
    const stored = await one<Omit<StoredMessage, 'dropped'>>(tx, SQL.findMessage, [m.roomId, m.sender, m.counter]);
    if (stored === undefined) return undefined;
    if (!bytesEqual(stored.bytes, m.bytes)) throw new SottoError('COUNTER_USED', `counter ${m.counter}`);
    return { seq: stored.seq, duplicate: true };
  }

  dropMessage(drop: MessageDrop): Promise<void> {
    return this.#write(async (tx) => {
      await this.#lock(tx, drop.roomId);
      await dropMessageIn(tx, drop);
    });
  }

  async getMessages(roomId: Uint8Array, afterSeq: number, minEpoch: number, limit: number): Promise<StoredMessage[]> {
    const rows = await this.#read((tx) => tx.rows<{ seq: number; bytes: Uint8Array; dropped: number }>(SQL.getMessages, [roomId, afterSeq, minEpoch, limit]));
    return rows.map((row) => ({ seq: row.seq, bytes: row.bytes, dropped: row.dropped !== 0 }));
  }

  prune(cutoffs: PruneCutoffs): Promise<PruneCounts> {
    return this.#write(async (tx) => {
      // Joins also go with their invites (ON DELETE CASCADE), which no statement's count includes.
      const joinsBefore = await count(tx, SQL.countJoins);
      const invites = await tx.run(SQL.pruneInvites, [cutoffs.invitesExpiredBefore]);
      await tx.run(SQL.pruneJoins, [cutoffs.joinsCreatedBefore]);
      const joins = joinsBefore - (await count(tx, SQL.countJoins));
      let messages = 0;
      if (cutoffs.messagesCreatedBefore !== undefined) {
        await tx.run(SQL.unCountOldMessages, [cutoffs.messagesCreatedBefore]);
        messages = await tx.run(SQL.pruneOldMessages, [cutoffs.messagesCreatedBefore]);
      }
      const window = cutoffs.attachmentUploadMs;
      const chunks = await tx.run(SQL.pruneChunks, [
        cutoffs.messagesCreatedBefore === undefined ? 0 : cutoffs.messagesCreatedBefore - window, cutoffs.now - window, window,
      ]);
      return { invites, joins, messages, chunks };
    });
  }

  putAttachmentChunk(chunk: NewChunk): Promise<number> {
    return this.#write(async (tx) => {
      // The room row's lock makes one room's uploads take turns: the size checks below hold.
      await this.#lock(tx, chunk.roomId);
      const summary = await one<AttachmentSummary>(tx, SQL.attachmentSummary, [chunk.roomId, chunk.attachmentId]);
      const stored = Number(summary?.n ?? 0);
      const size = Number(summary?.size ?? 0);
      if (chunk.index < stored) {
        const kept = await one<{ bytes: Uint8Array; last: number; uploader: Uint8Array }>(tx, SQL.getChunk, [chunk.roomId, chunk.attachmentId, chunk.index]);
        const same = kept !== undefined && bytesEqual(kept.uploader, chunk.uploader) && (kept.last !== 0) === chunk.last && bytesEqual(kept.bytes, chunk.bytes);
        if (!same) throw new SottoError('ATTACHMENT_STATE', `chunk ${chunk.index} is already stored`);
        return size;
      }
      if (Number(summary?.closed ?? 0) !== 0) throw new SottoError('ATTACHMENT_STATE', 'the attachment is complete');
      if (chunk.index > stored) throw new SottoError('ATTACHMENT_STATE', `expected chunk ${stored}, got ${chunk.index}`);
      if (stored > 0) {
        const first = await one<{ uploader: Uint8Array }>(tx, SQL.getChunk, [chunk.roomId, chunk.attachmentId, 0]);
        if (first === undefined || !bytesEqual(first.uploader, chunk.uploader)) throw new SottoError('ATTACHMENT_STATE', 'another member started this attachment');
      }
      if (size + chunk.bytes.length > chunk.maxAttachmentBytes) throw new SottoError('ATTACHMENT_TOO_LARGE', `more than ${chunk.maxAttachmentBytes} bytes`);
      if ((await this.#attachmentBytes(tx, chunk.roomId)) + chunk.bytes.length > chunk.maxRoomBytes) {
        throw new SottoError('ATTACHMENT_TOO_LARGE', 'the room’s attachment space is full');
      }
      const started = summary?.started === null || summary?.started === undefined ? chunk.now : Number(summary.started);
      await tx.run(SQL.insertChunk, [
        chunk.roomId, chunk.attachmentId, chunk.index, chunk.uploader, chunk.last ? 1 : 0, chunk.bytes.length, started, chunk.bytes,
      ]);
      return size + chunk.bytes.length;
    });
  }

  getAttachmentChunk(roomId: Uint8Array, attachmentId: Uint8Array, index: number): Promise<StoredChunk> {
    return this.#read(async (tx) => {
      const summary = await one<AttachmentSummary>(tx, SQL.attachmentSummary, [roomId, attachmentId]);
      if (Number(summary?.closed ?? 0) === 0) throw new SottoError('ATTACHMENT_NOT_FOUND');
      const kept = await one<{ bytes: Uint8Array; last: number }>(tx, SQL.getChunk, [roomId, attachmentId, index]);
      if (kept === undefined) throw new SottoError('ATTACHMENT_NOT_FOUND', `no chunk ${index}`);
      return { bytes: kept.bytes, last: kept.last !== 0 };
    });
  }

  attachmentBytes(roomId: Uint8Array): Promise<number> {
    return this.#read((tx) => this.#attachmentBytes(tx, roomId));
  }

  /** The one count of a room's attachment bytes: the size check and any room quota read it here. */
  async #attachmentBytes(tx: SqlTransaction, roomId: Uint8Array): Promise<number> {
    return Number((await one<{ n: number }>(tx, SQL.roomAttachmentBytes, [roomId]))?.n ?? 0);
  }

  countRooms(): Promise<number> {
    return this.#read((tx) => count(tx, SQL.countRooms));
  }

  countMembers(): Promise<number> {
    return this.#read((tx) => count(tx, SQL.countMembers));
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
