// The relay's schemas as commit 0959acf shipped them, two lists kept in step by hand: what deployed
// databases hold. The tests migrate databases made by these with schema.ts and compare them with fresh ones.

export const SQLITE_0959ACF: readonly string[] = [
  `
  CREATE TABLE rooms (
    id BLOB PRIMARY KEY,
    created_at INTEGER NOT NULL,
    owner BLOB NOT NULL,
    rotate_every_messages INTEGER NOT NULL,
    rotate_after_seconds INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    log_length INTEGER NOT NULL,
    head_hash BLOB NOT NULL,
    rotation_pending INTEGER NOT NULL,
    last_seq INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE events (
    room_id BLOB NOT NULL REFERENCES rooms (id),
    idx INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (room_id, idx)
  ) STRICT;

  CREATE TABLE members (
    room_id BLOB NOT NULL REFERENCES rooms (id),
    sign_pub BLOB NOT NULL,
    enc_pub BLOB NOT NULL,
    role INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    join_epoch INTEGER NOT NULL,
    PRIMARY KEY (room_id, sign_pub)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE invites (
    room_id BLOB NOT NULL REFERENCES rooms (id),
    invite_pub BLOB NOT NULL,
    issuer BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    claimed_by BLOB,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, invite_pub)
  ) STRICT;
  CREATE INDEX invites_by_issuer ON invites (room_id, issuer);
  CREATE INDEX invites_by_expiry ON invites (expires_at);

  CREATE TABLE joins (
    room_id BLOB NOT NULL,
    invite_pub BLOB NOT NULL,
    joiner_sign BLOB NOT NULL,
    joiner_enc BLOB NOT NULL,
    request BLOB NOT NULL,
    welcome BLOB,
    confirm BLOB,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, invite_pub),
    UNIQUE (room_id, joiner_sign),
    FOREIGN KEY (room_id, invite_pub) REFERENCES invites (room_id, invite_pub) ON DELETE CASCADE
  ) STRICT;

  CREATE TABLE rotations (
    room_id BLOB NOT NULL REFERENCES rooms (id),
    epoch INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (room_id, epoch)
  ) STRICT;

  -- Which members each rotation seals a key to, so a sync fetches only the rotations a member can open.
  CREATE TABLE rotation_entries (
    room_id BLOB NOT NULL,
    member BLOB NOT NULL,
    epoch INTEGER NOT NULL,
    PRIMARY KEY (room_id, member, epoch),
    FOREIGN KEY (room_id, epoch) REFERENCES rotations (room_id, epoch)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE messages (
    room_id BLOB NOT NULL REFERENCES rooms (id),
    seq INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    sender BLOB NOT NULL,
    counter INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq),
    UNIQUE (room_id, sender, counter)
  ) STRICT;
  `,
  // The sweeper deletes by age; without these it would scan every message and join on each pass.
  `
  CREATE INDEX messages_by_age ON messages (created_at);
  CREATE INDEX joins_by_age ON joins (created_at);
  `,
  // Each room's latest owner-signed checkpoint (docs/protocol.md §8.4), what a joiner starts from.
  `
  CREATE TABLE checkpoints (
    room_id BLOB PRIMARY KEY REFERENCES rooms (id),
    log_length INTEGER NOT NULL,
    bytes BLOB NOT NULL
  ) STRICT;
  `,
];

export const POSTGRES_0959ACF: readonly string[] = [
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
];
