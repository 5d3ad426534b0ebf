// The relay's schema, described once for SQLite and PostgreSQL (schema-sql.ts writes each one's
// SQL). Entry i takes a database from version i to i + 1, and a shipped entry never changes. Tables
// hold opaque signed records, public keys and numbers only.
//
// Before this description the two databases had their own lists: SQLite's three entries are these
// three; PostgreSQL's first entry already held the age indexes and its second the checkpoints. Every
// entry is written with IF NOT EXISTS, so a PostgreSQL database at its old version 1 or 2 runs the
// entries after that number here and finds what they create already there.

/** bytes: keys, hashes, records. int: counts, times, seqs. small: a role or a flag. */
export type ColumnType = 'bytes' | 'int' | 'small';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** Columns are NOT NULL unless they say otherwise. */
  readonly nullable?: boolean;
  readonly default?: number;
  /** `table (column)` this column refers to. */
  readonly references?: string;
}

export interface ForeignKey {
  readonly columns: readonly string[];
  /** `table (columns…)`. */
  readonly references: string;
  readonly onDeleteCascade?: boolean;
}

export interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  readonly foreignKeys?: readonly ForeignKey[];
  /** SQLite: a table looked up only by its primary key is stored in it (WITHOUT ROWID). */
  readonly withoutRowid?: boolean;
}

export interface Index {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
}

/** A column added to a table that exists already. */
export interface AddedColumn {
  readonly table: string;
  readonly column: Column;
}

export interface Migration {
  /** Why the entry exists, for whoever reads the schema. */
  readonly why: string;
  readonly tables?: readonly Table[];
  readonly indexes?: readonly Index[];
  /** Each with a default, so the rows already there get one. */
  readonly columns?: readonly AddedColumn[];
  /** Run last, written in SQL both databases speak: fills what the new columns must say of old rows. */
  readonly statements?: readonly string[];
}

const bytes = (name: string, more: Partial<Column> = {}): Column => ({ name, type: 'bytes', ...more });
const int = (name: string, more: Partial<Column> = {}): Column => ({ name, type: 'int', ...more });
const small = (name: string): Column => ({ name, type: 'small' });
const ROOM = { references: 'rooms (id)' };

export const MIGRATIONS: readonly Migration[] = [
  {
    why: 'rooms, their logs, members, invites, joins, rotations and messages',
    tables: [
      {
        name: 'rooms',
        columns: [
          bytes('id'), int('created_at'), bytes('owner'), int('rotate_every_messages'), int('rotate_after_seconds'), int('epoch'),
          int('log_length'), bytes('head_hash'), small('rotation_pending'), int('last_seq'),
        ],
        primaryKey: ['id'],
      },
      { name: 'events', columns: [bytes('room_id', ROOM), int('idx'), bytes('bytes')], primaryKey: ['room_id', 'idx'] },
      {
        name: 'members',
        columns: [bytes('room_id', ROOM), bytes('sign_pub'), bytes('enc_pub'), small('role'), int('added_at'), int('join_epoch')],
        primaryKey: ['room_id', 'sign_pub'],
        withoutRowid: true,
      },
      {
        name: 'invites',
        columns: [
          bytes('room_id', ROOM), bytes('invite_pub'), bytes('issuer'), int('expires_at'), bytes('bytes'), bytes('claimed_by', { nullable: true }),
          int('failures', { default: 0 }), int('locked_until', { default: 0 }),
        ],
        primaryKey: ['room_id', 'invite_pub'],
      },
      {
        name: 'joins',
        columns: [
          bytes('room_id'), bytes('invite_pub'), bytes('joiner_sign'), bytes('joiner_enc'), bytes('request'),
          bytes('welcome', { nullable: true }), bytes('confirm', { nullable: true }), int('created_at'),
        ],
        primaryKey: ['room_id', 'invite_pub'],
        unique: [['room_id', 'joiner_sign']],
        foreignKeys: [{ columns: ['room_id', 'invite_pub'], references: 'invites (room_id, invite_pub)', onDeleteCascade: true }],
      },
      { name: 'rotations', columns: [bytes('room_id', ROOM), int('epoch'), bytes('bytes')], primaryKey: ['room_id', 'epoch'] },
      {
        // Which members each rotation seals a key to, so a sync fetches only the rotations a member can open.
        name: 'rotation_entries',
        columns: [bytes('room_id'), bytes('member'), int('epoch')],
        primaryKey: ['room_id', 'member', 'epoch'],
        foreignKeys: [{ columns: ['room_id', 'epoch'], references: 'rotations (room_id, epoch)' }],
        withoutRowid: true,
      },
      {
        name: 'messages',
        columns: [bytes('room_id', ROOM), int('seq'), int('epoch'), bytes('sender'), int('counter'), bytes('bytes'), int('created_at')],
        primaryKey: ['room_id', 'seq'],
        unique: [['room_id', 'sender', 'counter']],
      },
    ],
    indexes: [
      { name: 'invites_by_issuer', table: 'invites', columns: ['room_id', 'issuer'] },
      { name: 'invites_by_expiry', table: 'invites', columns: ['expires_at'] },
    ],
  },
  {
    why: 'the sweeper deletes by age; without these it would scan every message and join on each pass',
    indexes: [
      { name: 'messages_by_age', table: 'messages', columns: ['created_at'] },
      { name: 'joins_by_age', table: 'joins', columns: ['created_at'] },
    ],
  },
  {
    why: "each room's latest owner-signed checkpoint (docs/protocol.md §8.4), what a joiner starts from",
    tables: [{ name: 'checkpoints', columns: [bytes('room_id', ROOM), int('log_length'), bytes('bytes')], primaryKey: ['room_id'] }],
  },
  {
    why: "the room's history setting for new members (docs/protocol.md §8.6): checkpoints state it (V-48)",
    columns: [
      { table: 'rooms', column: { name: 'history_mode', type: 'small', default: 0 } },
      { table: 'rooms', column: { name: 'history_count', type: 'int', default: 0 } },
    ],
  },
  {
    why: 'encrypted attachment chunks (docs/protocol.md §9.2): opaque ciphertext, its uploader and start time for retention (V-171)',
    tables: [{
      name: 'attachment_chunks',
      columns: [
        bytes('room_id', ROOM), bytes('attachment_id'), int('idx'), bytes('uploader'), small('last'), int('size'), int('created_at'), bytes('bytes'),
      ],
      primaryKey: ['room_id', 'attachment_id', 'idx'],
    }],
    indexes: [{ name: 'attachment_chunks_by_age', table: 'attachment_chunks', columns: ['created_at'] }],
  },
  {
    why: 'the bytes of the messages each room holds, kept as they come and go, for --max-room-bytes (ROOM_FULL)',
    columns: [{ table: 'rooms', column: { name: 'message_bytes', type: 'int', default: 0 } }],
    statements: ['UPDATE rooms SET message_bytes = (SELECT COALESCE(SUM(length(bytes)), 0) FROM messages WHERE messages.room_id = rooms.id);'],
  },
  {
    why: "a deleted message's row holds its author's tombstone instead of its ciphertext (docs/protocol.md §9.1.1): sync serves it as such",
    columns: [{ table: 'messages', column: { name: 'dropped', type: 'small', default: 0 } }],
  },
];

/** The version a database is at once every entry has run. */
export const SCHEMA_VERSION = MIGRATIONS.length;
