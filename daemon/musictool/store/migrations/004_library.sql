-- Library: the derived match of every vinyl track (Discogs release_tracks of owned records) to a Traktor
-- track, the user's decisions about matches and gaps, and the local wishlist.
-- matches is derived data (recomputed incrementally); match_decisions, gap_ignores and wishlist are the
-- user's and are never touched by a recompute.

CREATE TABLE matches (
    release_id           INTEGER NOT NULL,
    position             TEXT    NOT NULL,
    track_id             INTEGER,                 -- NULL when no file reaches the suggestion threshold
    confidence           REAL    NOT NULL DEFAULT 0,
    status               TEXT    NOT NULL
                         CHECK (status IN ('matched', 'confirmed', 'suggested', 'none')),
    reasons_json         TEXT    NOT NULL DEFAULT '[]',
    priority             REAL    NOT NULL DEFAULT 0,   -- gap priority 0-100 (0 for matched tracks)
    priority_reasons_json TEXT   NOT NULL DEFAULT '[]',
    artist               TEXT    NOT NULL DEFAULT '',  -- the vinyl track's credit, for filters without joins
    label                TEXT    NOT NULL DEFAULT '',  -- the release's first label
    ignored              INTEGER NOT NULL DEFAULT 0,   -- mirrors gap_ignores, so gap pages need no joins
    computed_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (release_id, position)
) WITHOUT ROWID;
CREATE INDEX matches_track ON matches (track_id);
CREATE INDEX matches_status ON matches (status, ignored, release_id);
-- a gap page is the first rows of this index
CREATE INDEX matches_gaps ON matches (priority DESC, release_id, position)
    WHERE status IN ('none', 'suggested') AND ignored = 0;
-- completion per release / artist / label: GROUP BY walks these instead of sorting every track
CREATE INDEX matches_release_rate ON matches (release_id, ignored, status);
CREATE INDEX matches_artist_rate ON matches (artist, ignored, status);
CREATE INDEX matches_label_rate ON matches (label, ignored, status);

-- confirm / reject: a rejected (track, file) pair is never proposed again; a confirmed one always wins
CREATE TABLE match_decisions (
    release_id INTEGER NOT NULL,
    position   TEXT    NOT NULL,
    track_id   INTEGER NOT NULL,
    decision   TEXT    NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    decided_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (release_id, position, track_id)
) WITHOUT ROWID;
-- at most one confirmed file per vinyl track
CREATE UNIQUE INDEX match_decisions_confirmed ON match_decisions (release_id, position)
    WHERE decision = 'confirmed';

-- "no digital copy wanted": the track leaves the gaps and the completion figures
CREATE TABLE gap_ignores (
    release_id INTEGER NOT NULL,
    position   TEXT    NOT NULL,
    reason     TEXT,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (release_id, position)
) WITHOUT ROWID;

CREATE TABLE wishlist (
    id           INTEGER PRIMARY KEY,
    release_id   INTEGER,                     -- a Discogs release track, or NULL for a free item
    position     TEXT,
    artist       TEXT,
    title        TEXT,
    priority     REAL    NOT NULL DEFAULT 50 CHECK (priority >= 0 AND priority <= 100),
    target_price REAL    CHECK (target_price IS NULL OR target_price >= 0),
    currency     TEXT,
    notes        TEXT,
    status       TEXT    NOT NULL DEFAULT 'wanted'
                 CHECK (status IN ('wanted', 'ordered', 'bought', 'ignored')),
    source       TEXT    NOT NULL DEFAULT 'api',
    url          TEXT,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX wishlist_track ON wishlist (release_id, position)
    WHERE release_id IS NOT NULL AND position IS NOT NULL;
CREATE INDEX wishlist_status ON wishlist (status, priority DESC);
