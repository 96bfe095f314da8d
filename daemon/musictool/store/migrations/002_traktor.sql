-- Traktor: the collection's tracks, playlists, History plays, the sources we read and the write-back queue.
-- Track rows are never deleted (removed_at), and their ids are stable across ingests (upsert on
-- location_key), because other tables (matches, provenance) refer to them.

CREATE TABLE tracks (
    id                  INTEGER PRIMARY KEY,
    location_key        TEXT NOT NULL UNIQUE,   -- VOLUME + DIR + FILE exactly as in the NML (PRIMARYKEY KEY)
    path                TEXT,                   -- absolute file path (style of the platform that wrote it)
    volume              TEXT,
    volume_id           TEXT,
    dir                 TEXT,
    file                TEXT,
    artist              TEXT,
    title               TEXT,
    album               TEXT,
    track_number        INTEGER,
    of_tracks           INTEGER,
    label               TEXT,
    catalog_no          TEXT,
    genre               TEXT,
    comment             TEXT,
    comment2            TEXT,                   -- INFO RATING: free text despite the name
    remixer             TEXT,
    producer            TEXT,
    mix                 TEXT,
    key_lyrics          TEXT,
    bpm                 REAL,
    bpm_quality         REAL,
    key                 TEXT,                   -- musical: "A minor"
    key_open            TEXT,                   -- Open Key: "1m"
    key_camelot         TEXT,                   -- Camelot: "8A"
    key_value           INTEGER,                -- MUSICAL_KEY VALUE 0-23
    key_text            TEXT,                   -- INFO KEY as Traktor displays it
    duration            REAL,                   -- seconds
    bitrate             INTEGER,
    rating              INTEGER,                -- 0-5 stars (INFO RANKING / 51)
    play_count          INTEGER,
    last_played         TEXT,                   -- ISO date
    import_date         TEXT,
    release_date        TEXT,
    filesize_kb         INTEGER,
    flags               INTEGER,
    color               INTEGER,
    cover_art_id        TEXT,
    audio_id            TEXT,
    isrc                TEXT,                   -- not in NML; filled by tag/enrichment readers
    lock                INTEGER,
    lock_modification_time TEXT,
    modified_date       TEXT,
    modified_time       INTEGER,
    author_type         TEXT,
    peak_db             REAL,
    perceived_db        REAL,
    analyzed_db         REAL,
    stems               TEXT,                   -- STEMS JSON of a .stem.mp4, NULL otherwise
    cue_count           INTEGER NOT NULL DEFAULT 0,
    cues_json           TEXT,                   -- [[name, displ_order, type, start_ms, len_ms, repeats, hotcue, color, grid_bpm], ...]
    extra_json          TEXT,                   -- attributes/elements we do not model, verbatim
    search_text         TEXT,                   -- casefolded artist/title/album/label/comment for q=
    content_hash        TEXT,
    first_seen_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    removed_at          TEXT                    -- NULL while the track is in the collection
);
CREATE INDEX tracks_artist ON tracks (artist COLLATE NOCASE);
CREATE INDEX tracks_title ON tracks (title COLLATE NOCASE);
CREATE INDEX tracks_bpm ON tracks (bpm);
CREATE INDEX tracks_genre ON tracks (genre COLLATE NOCASE);
CREATE INDEX tracks_key ON tracks (key_value);
-- what changed since a mark (incremental matching / enrichment read tracks by updated_at)
CREATE INDEX tracks_updated ON tracks (updated_at);
-- narrow and covering for q= and for counting live tracks: scanned instead of the wide rows
CREATE INDEX tracks_search ON tracks (removed_at, search_text);

CREATE TABLE playlists (
    id          INTEGER PRIMARY KEY,
    ident       TEXT NOT NULL UNIQUE,           -- "uuid:<UUID>" or "path:<a/b/c>" (names repeat across folders)
    uuid        TEXT,
    path        TEXT NOT NULL,                  -- folder path below $ROOT joined with "/"
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,                  -- FOLDER, PLAYLIST, SMARTLIST
    list_type   TEXT,                           -- LIST, PROTOCOL
    parent_path TEXT,
    position    INTEGER NOT NULL,               -- pre-order position in Traktor's tree
    query       TEXT,                           -- smart list search expression
    entry_count INTEGER NOT NULL DEFAULT 0,
    items_hash  TEXT,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE playlist_entries (
    playlist_id  INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    key_type     TEXT NOT NULL,                 -- TRACK, SET, STEM
    location_key TEXT NOT NULL,                 -- resolved to tracks.location_key at read time
    PRIMARY KEY (playlist_id, position)
) WITHOUT ROWID;
CREATE INDEX playlist_entries_key ON playlist_entries (location_key);

CREATE TABLE history_sessions (
    id           INTEGER PRIMARY KEY,
    file         TEXT NOT NULL UNIQUE,          -- History/<name>.nml
    saved_at     TEXT,                          -- from the file name (local time)
    first_play   TEXT,
    last_play    TEXT,
    play_count   INTEGER NOT NULL DEFAULT 0,
    size         INTEGER,
    mtime        REAL,
    ingested_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE plays (
    session_id    INTEGER NOT NULL REFERENCES history_sessions (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    location_key  TEXT NOT NULL,
    key_type      TEXT NOT NULL,
    artist        TEXT,
    title         TEXT,
    deck          INTEGER,
    duration      REAL,
    played_public INTEGER,
    started_at    TEXT,                         -- local ISO datetime
    PRIMARY KEY (session_id, position)
) WITHOUT ROWID;
CREATE INDEX plays_key ON plays (location_key);

CREATE TABLE traktor_sources (
    path            TEXT PRIMARY KEY,           -- the collection.nml we read
    version         TEXT,
    program         TEXT,
    entry_count     INTEGER,
    entries_attr    INTEGER,
    playlists_hash  TEXT,
    remix_sets      INTEGER,
    size            INTEGER,
    mtime           REAL,
    last_ingest_at  TEXT,
    last_ingest_ms  REAL,
    last_error      TEXT,
    last_error_at   TEXT
);

CREATE TABLE traktor_writes (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    status      TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'applied', 'failed', 'undone')),
    edits_json  TEXT NOT NULL,
    summary     TEXT,
    waiting_for TEXT,                           -- e.g. "Traktor is running"
    backup_path TEXT,
    error       TEXT,
    applied_at  TEXT
);
CREATE INDEX traktor_writes_status ON traktor_writes (status, id);
