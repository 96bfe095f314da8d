"""Fake Discogs API v2 for tests and the README demo (test equipment; product code never imports it)."""
