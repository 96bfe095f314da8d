-- File tags, duplicates and library health (issue 16).
-- A tag batch is one push/set/fix run; each file it changed has a tag-block backup (see tags/blocks.py)
-- so `musictool tags undo` can restore the batch byte for byte.

CREATE TABLE tag_batches (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,                  -- push, set, fix
    summary     TEXT,
    job_id      INTEGER,
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'undone')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT
);

CREATE TABLE tag_backups (
    batch_id      INTEGER NOT NULL REFERENCES tag_batches (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    track_id      INTEGER,
    backup_path   TEXT,
    backup_sha256 TEXT,                         -- of the backup file: a damaged backup is refused
    old_sha256    TEXT,                         -- the file before the write (what undo must give back)
    new_sha256    TEXT,                         -- the file after the write (changed since? refused)
    status        TEXT NOT NULL CHECK (status IN ('written', 'failed', 'restored', 'restore_failed')),
    error         TEXT,
    at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (batch_id, path)
) WITHOUT ROWID;

-- the value each field had in both the library and the file after the last push/pull/sync
CREATE TABLE tag_sync_state (
    track_id  INTEGER NOT NULL,
    field     TEXT NOT NULL,
    value     TEXT,                             -- JSON
    synced_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (track_id, field)
) WITHOUT ROWID;

-- what the health pass saw of each track's file (re-read only when size or mtime change)
CREATE TABLE track_files (
    track_id    INTEGER PRIMARY KEY,
    path        TEXT,
    present     INTEGER NOT NULL,               -- 0: missing
    size        INTEGER,
    mtime       REAL,
    readable    INTEGER,                        -- NULL: not read
    error       TEXT,
    artwork_px  INTEGER,                        -- the smaller side of the largest picture; 0: none
    duration    REAL,                           -- seconds, from the file
    checked_at  TEXT NOT NULL
);

CREATE TABLE library_issues (
    track_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT,
    detected_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (track_id, kind)
) WITHOUT ROWID;
CREATE INDEX library_issues_kind ON library_issues (kind, track_id);

-- issues the user marked as accepted (a quick fix): no longer listed or counted
CREATE TABLE library_accepted (
    track_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    accepted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (track_id, kind)
) WITHOUT ROWID;

CREATE TABLE duplicate_groups (
    id        INTEGER PRIMARY KEY,
    track_ids TEXT NOT NULL,                    -- JSON list, keeper first
    keep      INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    method    TEXT NOT NULL,                    -- fingerprint | metadata
    score     REAL,
    found_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
