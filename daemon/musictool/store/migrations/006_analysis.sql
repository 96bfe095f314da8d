-- Audio analysis: one row per analysed track (results or the per-file error), and the file's quality.
-- path + file_size + file_mtime + version decide whether a library pass can skip the track.

CREATE TABLE analysis_results (
    track_id            INTEGER PRIMARY KEY,    -- tracks.id (no FK: the Traktor ingest may replace rows)
    path                TEXT NOT NULL,
    file_size           INTEGER,                -- bytes when analysed (NULL: file missing)
    file_mtime          REAL,                   -- st_mtime when analysed
    version             INTEGER NOT NULL,       -- analyser version; a newer one re-analyses
    status              TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error               TEXT,                   -- why the file could not be analysed
    duration            REAL,
    bpm                 REAL,
    bpm_alternatives    TEXT,                   -- JSON list of BPM, most plausible first
    bpm_confidence      REAL,
    key                 TEXT,                   -- "A minor"
    key_open            TEXT,                   -- "1m"
    key_camelot         TEXT,                   -- "8A"
    key_confidence      REAL,
    tuning_cents        REAL,
    energy              INTEGER,                -- 1-10
    loudness_lufs       REAL,                   -- integrated, EBU R128
    peak_db             REAL,
    cpu_seconds         REAL,
    held_fields         TEXT,                   -- JSON list: fields not offered to provenance (user/LOCK)
    analyzed_at         TEXT NOT NULL
);
CREATE INDEX analysis_results_status ON analysis_results (status);

CREATE TABLE file_quality (
    track_id              INTEGER PRIMARY KEY,  -- tracks.id
    path                  TEXT NOT NULL,
    codec                 TEXT,
    bitrate_kbps          INTEGER,
    sample_rate           INTEGER,
    bits_per_sample       INTEGER,
    channels              INTEGER,
    lossless              INTEGER,              -- 0/1, NULL unknown
    cutoff_hz             REAL,                 -- where the spectrum stops; NULL = full band
    transcode_suspected   INTEGER NOT NULL DEFAULT 0,
    estimated_source_kbps INTEGER,
    score                 INTEGER NOT NULL,     -- 0-100
    suggestions           TEXT NOT NULL DEFAULT '[]',  -- JSON list of sentences
    assessed_at           TEXT NOT NULL
);
CREATE INDEX file_quality_score ON file_quality (score);
