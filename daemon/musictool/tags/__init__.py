"""File tags: mutagen read/write per format, tag-block backups and undo, NML <-> tag push, pull and sync."""
