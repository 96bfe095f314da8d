-- Discogs: the user's collection (one row per owned copy), release details with tracklists, the
-- wantlist, marketplace prices with history, and what the new-release watcher has already seen.
-- Columns listed in docs/ARCHITECTURE.md ("Tables other parts read") are a contract: keep them.

CREATE TABLE releases (
    id                 INTEGER PRIMARY KEY,            -- the Discogs release id
    title              TEXT    NOT NULL DEFAULT '',
    artists            TEXT    NOT NULL DEFAULT '',    -- display string, "A & B"
    artists_json       TEXT    NOT NULL DEFAULT '[]',  -- [{id, name, anv, join}]
    year               INTEGER,
    labels_json        TEXT    NOT NULL DEFAULT '[]',  -- [{id, name, catno}]
    formats_json       TEXT    NOT NULL DEFAULT '[]',
    genres_json        TEXT    NOT NULL DEFAULT '[]',
    styles_json        TEXT    NOT NULL DEFAULT '[]',
    thumb              TEXT,
    master_id          INTEGER,
    country            TEXT,
    details_fetched_at TEXT,                           -- NULL until the tracklist is known
    details_error      TEXT,                           -- e.g. "404 Release not found." (not retried before the TTL)
    data_json          TEXT,                           -- the raw /releases/{id} body
    updated_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX releases_details ON releases (details_fetched_at);
-- narrow copy of the searchable columns: a search scans this, not the wide rows (data_json)
CREATE INDEX releases_search ON releases (title, artists, labels_json);

CREATE TABLE release_tracks (
    release_id        INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    position          TEXT    NOT NULL,  -- "A1"; headings without a position get "#<idx>"
    idx               INTEGER NOT NULL,  -- order on the release
    title             TEXT    NOT NULL DEFAULT '',
    artists           TEXT,              -- per-track artist display string, or NULL
    artists_json      TEXT,
    extraartists_json TEXT,
    duration          TEXT,              -- "6:12" as Discogs writes it ('' when unknown)
    duration_seconds  REAL,
    type              TEXT    NOT NULL DEFAULT 'track' CHECK (type IN ('track', 'heading', 'index')),
    PRIMARY KEY (release_id, position)
);

CREATE TABLE collection_folders (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    count      INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE collection_items (
    instance_id   INTEGER PRIMARY KEY,   -- one owned copy
    release_id    INTEGER NOT NULL REFERENCES releases (id),
    folder_id     INTEGER NOT NULL DEFAULT 1,
    rating        INTEGER NOT NULL DEFAULT 0,
    date_added    TEXT,                  -- as Discogs sends it (with its UTC offset)
    added_utc     TEXT,                  -- the same instant in UTC, for ordering
    notes_json    TEXT,
    removed_at    TEXT,                  -- NULL while the copy is in the collection
    first_seen_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    seen_run      INTEGER                -- the full sync that last saw it (removal detection)
);
CREATE INDEX collection_items_release ON collection_items (release_id);
CREATE INDEX collection_items_live ON collection_items (removed_at, added_utc);

CREATE TABLE wants (
    release_id   INTEGER PRIMARY KEY REFERENCES releases (id),
    rating       INTEGER NOT NULL DEFAULT 0,
    notes        TEXT,
    added_at     TEXT,                   -- when we first saw it (the API gives no date for wants)
    removed_at   TEXT,
    target_price REAL,                   -- notify when the lowest price falls below this
    seen_run     INTEGER,
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE prices (
    release_id        INTEGER PRIMARY KEY,
    lowest_price      REAL,              -- NULL when nothing is for sale
    currency          TEXT,
    num_for_sale      INTEGER,
    blocked_from_sale INTEGER NOT NULL DEFAULT 0,
    suggestions_json  TEXT,              -- {"Mint (M)": {"currency", "value"}, ...}; {} when none
    fetched_at        TEXT    NOT NULL,
    reference_price   REAL               -- highest lowest-price since the last drop notice
);

CREATE TABLE price_history (
    id           INTEGER PRIMARY KEY,
    release_id   INTEGER NOT NULL,
    fetched_at   TEXT    NOT NULL,
    lowest_price REAL,
    currency     TEXT,
    num_for_sale INTEGER
);
CREATE INDEX price_history_release ON price_history (release_id, id);

CREATE TABLE discogs_watch_entities (
    entity_type     TEXT    NOT NULL CHECK (entity_type IN ('artist', 'label')),
    entity_id       INTEGER NOT NULL,
    name            TEXT,
    first_polled_at TEXT,
    last_polled_at  TEXT,
    PRIMARY KEY (entity_type, entity_id)
);

CREATE TABLE discogs_watch_seen (
    entity_type   TEXT    NOT NULL,
    entity_id     INTEGER NOT NULL,
    item_key      TEXT    NOT NULL,      -- "release:123" or "master:45"
    title         TEXT,
    year          INTEGER,
    first_seen_at TEXT    NOT NULL,
    announced     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entity_type, entity_id, item_key)
);
