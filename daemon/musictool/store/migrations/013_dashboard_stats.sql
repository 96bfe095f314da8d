-- The dashboard's charts (store/stats.py) aggregate every live track and every owned record. Scanning the wide
-- rows (cues, raw Discogs bodies) cost 1.4-2.4 s cold at 100k tracks / 10k releases; these narrow covering
-- indexes make each chart one scan of a small index (tens of ms).
CREATE INDEX IF NOT EXISTS tracks_stats ON tracks (removed_at, import_date, bpm, key_camelot);
CREATE INDEX IF NOT EXISTS releases_genres ON releases (id, genres_json, styles_json);
