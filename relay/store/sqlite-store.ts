// The Store on SQLite (better-sqlite3): WAL, foreign keys, numbered migrations. better-sqlite3 is
// synchronous, so each method runs its whole transaction before returning a settled promise; the
// write transactions are BEGIN IMMEDIATE so a second process waits on busy_timeout rather than
// failing half way.
import Database from 'better-sqlite3';
import { SottoError } from '../../protocol/errors.js';
import { bytesEqual } from '../../protocol/bytes.js';
import { ROLE, type Role } from '../../protocol/wire/membership.js';
import type { SqliteSynchronous } from '../config.js';
import { checkSqliteVersion } from './sqlite-version.js';
import { MIGRATIONS } from './sqlite-schema.js';
import type {
  AppendedMessage, EventAppend, InviteState, JoinStep, LockoutPolicy, MemberRecord, NewInvite, NewJoin, NewMessage, NewRoom,
  NewRotation, PendingJoin, RoomAndMembers, RoomState, Store, StoredMessage,
} from './store.js';

export interface SqliteStoreOptions {
  readonly path: string;
  readonly synchronous: SqliteSynchronous;
  readonly maxHistoryPerRoom: number;
  readonly busyTimeoutMs?: number;
}

/** A late joiner should hear INVITE_EXPIRED, not INVITE_NOT_FOUND, for a while after expiry. */
const EXPIRED_INVITE_GRACE_MS = 24 * 3600 * 1000;

interface RoomRow {
  id: Uint8Array;
  owner: Uint8Array;
  rotate_every_messages: number;
  rotate_after_seconds: number;
  epoch: number;
  log_length: number;
  head_hash: Uint8Array;
  rotation_pending: number;
  last_seq: number;
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

function roleOf(code: number): Role {
  const role = ROLE_BY_CODE.get(code);
  if (role === undefined) throw new SottoError('INTERNAL', 'stored role is unknown');
  return role;
}

function toRoom(row: RoomRow): RoomState {
  return {
    roomId: row.id,
    owner: row.owner,
    settings: { rotateEveryMessages: row.rotate_every_messages, rotateAfterSeconds: row.rotate_after_seconds },
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

const JOIN_COLUMNS = 'j.invite_pub, i.issuer, j.joiner_sign, j.joiner_enc, j.request, j.welcome, j.confirm';

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #maxHistory: number;
  readonly #sql: Statements;

  constructor(options: SqliteStoreOptions) {
    const db = new Database(options.path);
    try {
      checkSqliteVersion(String((db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v));
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous}`);
      db.pragma('foreign_keys = ON');
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#maxHistory = options.maxHistoryPerRoom;
    this.#sql = prepare(db);
  }

  /** Runs `fn` as one IMMEDIATE transaction; a throw rolls everything back. */
  #write<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(this.#db.transaction(fn).immediate());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #read<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(this.#db.transaction(fn).deferred());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #room(roomId: Uint8Array): RoomRow {
    const row = this.#sql.getRoom.get(roomId) as RoomRow | undefined;
    if (row === undefined) throw new SottoError('ROOM_NOT_FOUND');
    return row;
  }

  createRoom(room: NewRoom): Promise<void> {
    return this.#write(() => {
      if (this.#sql.getRoom.get(room.roomId) !== undefined) throw new SottoError('ROOM_EXISTS');
      this.#sql.insertRoom.run(room.roomId, room.now, room.owner, room.settings.rotateEveryMessages, room.settings.rotateAfterSeconds, room.headHash);
      this.#sql.insertEvent.run(room.roomId, 0, room.genesis);
      this.#sql.insertMember.run(room.roomId, room.owner, room.ownerEnc, ROLE.owner, 0, 0);
    });
  }

  getRoom(roomId: Uint8Array): Promise<RoomState | undefined> {
    return this.#read(() => {
      const row = this.#sql.getRoom.get(roomId) as RoomRow | undefined;
      return row === undefined ? undefined : toRoom(row);
    });
  }

  getRoomAndMembers(roomId: Uint8Array): Promise<RoomAndMembers | undefined> {
    return this.#read(() => {
      const row = this.#sql.getRoom.get(roomId) as RoomRow | undefined;
      if (row === undefined) return undefined;
      return { room: toRoom(row), members: (this.#sql.getMembers.all(roomId) as MemberRow[]).map(toMember) };
    });
  }

  getMember(roomId: Uint8Array, sign: Uint8Array): Promise<MemberRecord | undefined> {
    return this.#read(() => {
      const row = this.#sql.getMember.get(roomId, sign) as MemberRow | undefined;
      return row === undefined ? undefined : toMember(row);
    });
  }

  getEvents(roomId: Uint8Array, fromIndex: number): Promise<Uint8Array[]> {
    return this.#read(() => (this.#sql.getEvents.all(roomId, fromIndex) as { bytes: Uint8Array }[]).map((r) => r.bytes));
  }

  appendEvent(append: EventAppend): Promise<void> {
    return this.#write(() => {
      const { roomId, change } = append;
      const room = this.#room(roomId);
      if (room.log_length !== append.expectedLength) throw new SottoError('BAD_CHAIN', 'the log moved');
      this.#sql.insertEvent.run(roomId, room.log_length, append.event);
      this.#sql.setHead.run(room.log_length + 1, append.headHash, roomId);
      switch (change.kind) {
        case 'add':
          if (this.#sql.consumeJoin.run(roomId, change.invitePublicKey, change.sign).changes !== 1) {
            throw new SottoError('JOIN_STATE', 'no confirmed join for this subject and invite');
          }
          this.#sql.insertMember.run(roomId, change.sign, change.enc, ROLE[change.role], room.log_length, room.epoch);
          break;
        case 'remove':
          if (this.#sql.deleteMember.run(roomId, change.sign).changes !== 1) throw new SottoError('NOT_MEMBER', 'event subject');
          break;
        case 'role':
          if (this.#sql.setRole.run(ROLE[change.role], roomId, change.sign).changes !== 1) throw new SottoError('NOT_MEMBER', 'event subject');
          break;
      }
      if (append.rotation !== undefined) this.#insertRotation(roomId, room.epoch, append.rotation);
      if (append.markRotationPending === true) this.#sql.setRotationPending.run(roomId);
    });
  }

  #insertRotation(roomId: Uint8Array, currentEpoch: number, rotation: NewRotation): void {
    if (rotation.epoch !== currentEpoch + 1) throw new SottoError('STALE_EPOCH', `rotation to ${rotation.epoch}, room at ${currentEpoch}`);
    this.#sql.insertRotation.run(roomId, rotation.epoch, rotation.bytes);
    for (const member of rotation.members) this.#sql.insertRotationEntry.run(roomId, member, rotation.epoch);
    this.#sql.setEpoch.run(rotation.epoch, roomId);
  }

  putInvite(invite: NewInvite): Promise<void> {
    return this.#write(() => {
      this.#room(invite.roomId);
      if (this.#sql.getInvite.get(invite.roomId, invite.invitePublicKey) !== undefined) throw new SottoError('INVITE_EXISTS');
      this.#sql.insertInvite.run(invite.roomId, invite.invitePublicKey, invite.issuer, invite.expiresAt, invite.bytes);
    });
  }

  getInvite(roomId: Uint8Array, invitePublicKey: Uint8Array): Promise<InviteState | undefined> {
    return this.#read(() => {
      const row = this.#sql.getInvite.get(roomId, invitePublicKey) as InviteRow | undefined;
      if (row === undefined) return undefined;
      return { bytes: row.bytes, issuer: row.issuer, expiresAt: row.expires_at, claimedBy: row.claimed_by ?? undefined, lockedUntil: row.locked_until };
    });
  }

  recordInviteFailure(roomId: Uint8Array, invitePublicKey: Uint8Array, policy: LockoutPolicy): Promise<void> {
    return this.#write(() => {
      this.#sql.recordFailure.run({ max: policy.maxFailures, until: policy.now + policy.lockoutMs, room: roomId, invite: invitePublicKey });
    });
  }

  claimInvite(join: NewJoin): Promise<void> {
    return this.#write(() => {
      const invite = this.#sql.getInvite.get(join.roomId, join.invitePublicKey) as InviteRow | undefined;
      if (invite === undefined) throw new SottoError('INVITE_NOT_FOUND');
      if (invite.claimed_by !== null) throw new SottoError('INVITE_USED');
      if (this.#sql.getJoinByJoiner.get(join.roomId, join.joinerSign) !== undefined) {
        throw new SottoError('JOIN_STATE', 'this joiner key already has a pending join');
      }
      this.#sql.claimInvite.run(join.joinerSign, join.roomId, join.invitePublicKey);
      this.#sql.insertJoin.run(join.roomId, join.invitePublicKey, join.joinerSign, join.joinerEnc, join.request, join.now);
    });
  }

  putJoinStep(roomId: Uint8Array, invitePublicKey: Uint8Array, joinerSign: Uint8Array, step: JoinStep, bytes: Uint8Array): Promise<void> {
    return this.#write(() => {
      const row = this.#sql.getJoinByInvite.get(roomId, invitePublicKey) as JoinRow | undefined;
      if (row === undefined || !bytesEqual(row.joiner_sign, joinerSign)) throw new SottoError('JOIN_NOT_FOUND');
      const existing = step === 'welcome' ? row.welcome : row.confirm;
      if (existing !== null) {
        if (bytesEqual(existing, bytes)) return;
        throw new SottoError('JOIN_STATE', `a different ${step} is already stored`);
      }
      if (step === 'welcome') this.#sql.setWelcome.run(bytes, roomId, invitePublicKey);
      else if (row.welcome === null) throw new SottoError('JOIN_STATE', 'no welcome yet');
      else this.#sql.setConfirm.run(bytes, roomId, invitePublicKey);
    });
  }

  getJoin(roomId: Uint8Array, joinerSign: Uint8Array): Promise<PendingJoin | undefined> {
    return this.#read(() => {
      const row = this.#sql.getJoinByJoiner.get(roomId, joinerSign) as JoinRow | undefined;
      return row === undefined ? undefined : toJoin(row);
    });
  }

  pendingJoinsForIssuer(roomId: Uint8Array, issuer: Uint8Array): Promise<PendingJoin[]> {
    return this.#read(() => (this.#sql.getJoinsByIssuer.all(roomId, issuer) as JoinRow[]).map(toJoin));
  }

  addRotation(roomId: Uint8Array, expectedLength: number, rotation: NewRotation): Promise<void> {
    return this.#write(() => {
      const room = this.#room(roomId);
      if (room.log_length !== expectedLength) throw new SottoError('BAD_ROTATION', 'the membership log moved');
      this.#insertRotation(roomId, room.epoch, rotation);
    });
  }

  getRotations(roomId: Uint8Array, fromEpoch: number, member: Uint8Array): Promise<Uint8Array[]> {
    return this.#read(() => (this.#sql.getRotations.all(roomId, member, fromEpoch) as { bytes: Uint8Array }[]).map((r) => r.bytes));
  }

  appendMessage(m: NewMessage): Promise<AppendedMessage> {
    return this.#write(() => {
      const room = this.#room(m.roomId);
      const stored = this.#sql.findMessage.get(m.roomId, m.sender, m.counter) as { seq: number; bytes: Uint8Array } | undefined;
      if (stored !== undefined) {
        if (!bytesEqual(stored.bytes, m.bytes)) throw new SottoError('COUNTER_USED', `counter ${m.counter}`);
        return { seq: stored.seq, duplicate: true };
      }
      if (m.epoch !== room.epoch) throw new SottoError('STALE_EPOCH', `message for epoch ${m.epoch}, room at ${room.epoch}`);
      if (room.rotation_pending !== 0) throw new SottoError('STALE_EPOCH', 'a rotation is pending');
      const seq = room.last_seq + 1;
      this.#sql.insertMessage.run(m.roomId, seq, m.epoch, m.sender, m.counter, m.bytes, m.now);
      this.#sql.setLastSeq.run(seq, m.roomId);
      if (seq > this.#maxHistory) this.#sql.pruneMessages.run(m.roomId, seq - this.#maxHistory);
      return { seq, duplicate: false };
    });
  }

  getMessages(roomId: Uint8Array, afterSeq: number, minEpoch: number, limit: number): Promise<StoredMessage[]> {
    return this.#read(() => this.#sql.getMessages.all(roomId, afterSeq, minEpoch, limit) as StoredMessage[]);
  }

  prune(now: number): Promise<void> {
    return this.#write(() => {
      this.#sql.pruneInvites.run(now - EXPIRED_INVITE_GRACE_MS);
    });
  }

  countRooms(): Promise<number> {
    return this.#read(() => (this.#sql.countRooms.get() as { n: number }).n);
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this relay understands (${MIGRATIONS.length})`);
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare('DELETE FROM schema_version').run();
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(version);
    }).immediate();
  }
}

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    getRoom: db.prepare('SELECT * FROM rooms WHERE id = ?'),
    insertRoom: db.prepare(
      `INSERT INTO rooms (id, created_at, owner, rotate_every_messages, rotate_after_seconds, epoch, log_length, head_hash, rotation_pending, last_seq)
       VALUES (?, ?, ?, ?, ?, 0, 1, ?, 0, 0)`,
    ),
    setHead: db.prepare('UPDATE rooms SET log_length = ?, head_hash = ? WHERE id = ?'),
    setEpoch: db.prepare('UPDATE rooms SET epoch = ?, rotation_pending = 0 WHERE id = ?'),
    setRotationPending: db.prepare('UPDATE rooms SET rotation_pending = 1 WHERE id = ?'),
    setLastSeq: db.prepare('UPDATE rooms SET last_seq = ? WHERE id = ?'),
    countRooms: db.prepare('SELECT count(*) AS n FROM rooms'),
    insertEvent: db.prepare('INSERT INTO events (room_id, idx, bytes) VALUES (?, ?, ?)'),
    getEvents: db.prepare('SELECT bytes FROM events WHERE room_id = ? AND idx >= ? ORDER BY idx'),
    insertMember: db.prepare('INSERT INTO members (room_id, sign_pub, enc_pub, role, added_at, join_epoch) VALUES (?, ?, ?, ?, ?, ?)'),
    getMembers: db.prepare('SELECT sign_pub, enc_pub, role, added_at, join_epoch FROM members WHERE room_id = ? ORDER BY added_at'),
    getMember: db.prepare('SELECT sign_pub, enc_pub, role, added_at, join_epoch FROM members WHERE room_id = ? AND sign_pub = ?'),
    deleteMember: db.prepare('DELETE FROM members WHERE room_id = ? AND sign_pub = ?'),
    setRole: db.prepare('UPDATE members SET role = ? WHERE room_id = ? AND sign_pub = ?'),
    insertInvite: db.prepare('INSERT INTO invites (room_id, invite_pub, issuer, expires_at, bytes) VALUES (?, ?, ?, ?, ?)'),
    getInvite: db.prepare('SELECT bytes, issuer, expires_at, claimed_by, locked_until FROM invites WHERE room_id = ? AND invite_pub = ?'),
    // Reaching the limit locks the invite and restarts the count, so each lockout takes a full set of failures.
    recordFailure: db.prepare(
      `UPDATE invites SET
         failures = CASE WHEN failures + 1 >= :max THEN 0 ELSE failures + 1 END,
         locked_until = CASE WHEN failures + 1 >= :max THEN :until ELSE locked_until END
       WHERE room_id = :room AND invite_pub = :invite`,
    ),
    claimInvite: db.prepare('UPDATE invites SET claimed_by = ? WHERE room_id = ? AND invite_pub = ? AND claimed_by IS NULL'),
    pruneInvites: db.prepare('DELETE FROM invites WHERE expires_at < ?'),
    insertJoin: db.prepare(
      'INSERT INTO joins (room_id, invite_pub, joiner_sign, joiner_enc, request, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    getJoinByInvite: db.prepare(
      `SELECT ${JOIN_COLUMNS} FROM joins j JOIN invites i ON i.room_id = j.room_id AND i.invite_pub = j.invite_pub
       WHERE j.room_id = ? AND j.invite_pub = ?`,
    ),
    getJoinByJoiner: db.prepare(
      `SELECT ${JOIN_COLUMNS} FROM joins j JOIN invites i ON i.room_id = j.room_id AND i.invite_pub = j.invite_pub
       WHERE j.room_id = ? AND j.joiner_sign = ?`,
    ),
    getJoinsByIssuer: db.prepare(
      `SELECT ${JOIN_COLUMNS} FROM joins j JOIN invites i ON i.room_id = j.room_id AND i.invite_pub = j.invite_pub
       WHERE j.room_id = ? AND i.issuer = ? ORDER BY j.created_at`,
    ),
    setWelcome: db.prepare('UPDATE joins SET welcome = ? WHERE room_id = ? AND invite_pub = ?'),
    setConfirm: db.prepare('UPDATE joins SET confirm = ? WHERE room_id = ? AND invite_pub = ?'),
    consumeJoin: db.prepare('DELETE FROM joins WHERE room_id = ? AND invite_pub = ? AND joiner_sign = ? AND confirm IS NOT NULL'),
    insertRotation: db.prepare('INSERT INTO rotations (room_id, epoch, bytes) VALUES (?, ?, ?)'),
    insertRotationEntry: db.prepare('INSERT INTO rotation_entries (room_id, member, epoch) VALUES (?, ?, ?)'),
    getRotations: db.prepare(
      `SELECT r.bytes FROM rotation_entries e JOIN rotations r ON r.room_id = e.room_id AND r.epoch = e.epoch
       WHERE e.room_id = ? AND e.member = ? AND e.epoch >= ? ORDER BY e.epoch`,
    ),
    insertMessage: db.prepare(
      'INSERT INTO messages (room_id, seq, epoch, sender, counter, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    findMessage: db.prepare('SELECT seq, bytes FROM messages WHERE room_id = ? AND sender = ? AND counter = ?'),
    getMessages: db.prepare(
      'SELECT seq, bytes FROM messages WHERE room_id = ? AND seq > ? AND epoch >= ? ORDER BY seq LIMIT ?',
    ),
    pruneMessages: db.prepare('DELETE FROM messages WHERE room_id = ? AND seq <= ?'),
  };
}
