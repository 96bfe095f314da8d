-- Indexes for the API's reads at library scale (bench/api_latency.py --scale: 100k tracks, 10k releases).
-- GET /tracks?sort=<column> walks the column's index and stops after one page; without one every request
-- sorted the whole library (~300 ms at 100k tracks). Ties are broken by id, the index's implicit last column.
CREATE INDEX IF NOT EXISTS tracks_album ON tracks (album COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS tracks_label ON tracks (label COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS tracks_rating ON tracks (rating);
CREATE INDEX IF NOT EXISTS tracks_play_count ON tracks (play_count);
CREATE INDEX IF NOT EXISTS tracks_last_played ON tracks (last_played);
CREATE INDEX IF NOT EXISTS tracks_import_date ON tracks (import_date);
CREATE INDEX IF NOT EXISTS tracks_release_date ON tracks (release_date);
CREATE INDEX IF NOT EXISTS tracks_duration ON tracks (duration);
-- GET /tracks?key=..&bpm_min=..&bpm_max=..: one range of this index instead of every track in the key
CREATE INDEX IF NOT EXISTS tracks_key_bpm ON tracks (key_value, bpm);
