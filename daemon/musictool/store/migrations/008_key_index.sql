-- Sorting by key now orders by (key_value, bpm), which tracks_key_bpm serves; the key-only index was a prefix of
-- it, one more index to build on a first ingest and to keep up on every write.
DROP INDEX IF EXISTS tracks_key;
