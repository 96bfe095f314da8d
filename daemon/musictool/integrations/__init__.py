"""Integrations with outside systems: traktor, discogs, musicbrainz, acoustid, stores."""
