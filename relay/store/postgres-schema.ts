// The PostgreSQL schema as numbered migrations: entry i takes a database from version i to i + 1,
// and a shipped entry never changes. The tables, columns and indexes are those of sqlite-schema.ts
// (sql-store.ts runs the same statements on both), with PostgreSQL's types: BYTEA for keys and
// records, BIGINT for numbers. A change to one schema needs the same change here.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE rooms (
    id BYTEA PRIMARY KEY,
    created_at BIGINT NOT NULL,
    owner BYTEA NOT NULL,
    rotate_every_messages BIGINT NOT NULL,
    rotate_after_seconds BIGINT NOT NULL,
    epoch BIGINT NOT NULL,
    log_length BIGINT NOT NULL,
    head_hash BYTEA NOT NULL,
    rotation_pending SMALLINT NOT NULL,
    last_seq BIGINT NOT NULL
  );

  CREATE TABLE events (
    room_id BYTEA NOT NULL REFERENCES rooms (id),
    idx BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (room_id, idx)
  );

  CREATE TABLE members (
    room_id BYTEA NOT NULL REFERENCES rooms (id),
    sign_pub BYTEA NOT NULL,
    enc_pub BYTEA NOT NULL,
    role SMALLINT NOT NULL,
    added_at BIGINT NOT NULL,
    join_epoch BIGINT NOT NULL,
    PRIMARY KEY (room_id, sign_pub)
  );

  CREATE TABLE invites (
    room_id BYTEA NOT NULL REFERENCES rooms (id),
    invite_pub BYTEA NOT NULL,
    issuer BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    claimed_by BYTEA,
    failures BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, invite_pub)
  );
  CREATE INDEX invites_by_issuer ON invites (room_id, issuer);
  CREATE INDEX invites_by_expiry ON invites (expires_at);

  CREATE TABLE joins (
    room_id BYTEA NOT NULL,
    invite_pub BYTEA NOT NULL,
    joiner_sign BYTEA NOT NULL,
    joiner_enc BYTEA NOT NULL,
    request BYTEA NOT NULL,
    welcome BYTEA,
    confirm BYTEA,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, invite_pub),
    UNIQUE (room_id, joiner_sign),
    FOREIGN KEY (room_id, invite_pub) REFERENCES invites (room_id, invite_pub) ON DELETE CASCADE
  );
  CREATE INDEX joins_by_age ON joins (created_at);

  CREATE TABLE rotations (
    room_id BYTEA NOT NULL REFERENCES rooms (id),
    epoch BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (room_id, epoch)
  );

  -- Which members each rotation seals a key to, so a sync fetches only the rotations a member can open.
  CREATE TABLE rotation_entries (
    room_id BYTEA NOT NULL,
    member BYTEA NOT NULL,
    epoch BIGINT NOT NULL,
    PRIMARY KEY (room_id, member, epoch),
    FOREIGN KEY (room_id, epoch) REFERENCES rotations (room_id, epoch)
  );

  CREATE TABLE messages (
    room_id BYTEA NOT NULL REFERENCES rooms (id),
    seq BIGINT NOT NULL,
    epoch BIGINT NOT NULL,
    sender BYTEA NOT NULL,
    counter BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, seq),
    UNIQUE (room_id, sender, counter)
  );
  CREATE INDEX messages_by_age ON messages (created_at);
  `,
  `
  CREATE TABLE checkpoints (
    room_id BYTEA PRIMARY KEY REFERENCES rooms (id),
    log_length BIGINT NOT NULL,
    bytes BYTEA NOT NULL
  );
  `,
  `
  ALTER TABLE rooms ADD COLUMN history_mode BIGINT NOT NULL DEFAULT 0;
  ALTER TABLE rooms ADD COLUMN history_count BIGINT NOT NULL DEFAULT 0;
  `,
];
