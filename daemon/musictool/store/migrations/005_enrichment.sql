-- Enrichment and provenance: every metadata value with where it came from, the disagreements between
-- sources, and what MusicBrainz / AcoustID told us about each track.
--
-- No foreign keys to tracks(id) on purpose: the Traktor ingest may rewrite track rows (INSERT OR REPLACE),
-- and a cascade would silently drop values a user set by hand. Tracks are never deleted (removed_at).

CREATE TABLE metadata_values (
    track_id    INTEGER NOT NULL,
    field       TEXT    NOT NULL,
    value       TEXT    NOT NULL,               -- JSON
    source      TEXT    NOT NULL
                CHECK (source IN ('user', 'nml', 'tag', 'analysis', 'musicbrainz', 'acoustid', 'discogs')),
    confidence  REAL    NOT NULL DEFAULT 1.0 CHECK (confidence >= 0 AND confidence <= 1),
    recorded_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (track_id, field, source)
) WITHOUT ROWID;
CREATE INDEX metadata_values_source ON metadata_values (source, track_id);

-- (track, field) pairs whose sources disagree; kept up to date on every write, so listing is one query
CREATE TABLE metadata_conflicts (
    track_id    INTEGER NOT NULL,
    field       TEXT    NOT NULL,
    sources     TEXT    NOT NULL,               -- JSON list of the sources holding a value
    detected_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (track_id, field)
) WITHOUT ROWID;
CREATE INDEX metadata_conflicts_field ON metadata_conflicts (field, track_id);
CREATE INDEX metadata_conflicts_at ON metadata_conflicts (detected_at DESC);

-- the outcome of identifying one track
CREATE TABLE track_enrichment (
    track_id             INTEGER PRIMARY KEY,
    status               TEXT NOT NULL CHECK (status IN ('matched', 'no_match', 'error')),
    method               TEXT,                  -- isrc | acoustid | search | recording
    recording_mbid       TEXT,
    score                REAL,
    acoustid_id          TEXT,
    acoustid_score       REAL,
    fingerprint          TEXT,
    fingerprint_duration REAL,
    fingerprinted_at     TEXT,
    error                TEXT,
    enriched_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX track_enrichment_recording ON track_enrichment (recording_mbid);
CREATE INDEX track_enrichment_status ON track_enrichment (status);

-- MusicBrainz cache: a recording or release is asked for once, however many tracks share it
CREATE TABLE mb_recordings (
    mbid       TEXT PRIMARY KEY,
    title      TEXT,
    artist     TEXT,                            -- the artist credit as displayed
    artist_ids TEXT NOT NULL DEFAULT '[]',      -- JSON list of artist MBIDs
    length_ms  INTEGER,
    isrcs      TEXT NOT NULL DEFAULT '[]',
    tags       TEXT NOT NULL DEFAULT '[]',      -- JSON list of {name, count}
    releases   TEXT NOT NULL DEFAULT '[]',      -- JSON list of {id, title, date, country, status}
    fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE mb_releases (
    mbid                TEXT PRIMARY KEY,
    title               TEXT,
    date                TEXT,
    country             TEXT,
    status              TEXT,
    release_group_id    TEXT,
    release_group_title TEXT,
    release_group_type  TEXT,
    first_release_date  TEXT,
    fetched_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
