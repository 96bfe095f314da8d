"""The tag fields MusicTool manages in files and the key notations it can write (shared by config and tags/)."""

TAG_FIELDS = (
    "title",
    "artist",
    "album",
    "albumartist",
    "genre",
    "comment",
    "label",
    "catalog_no",
    "bpm",
    "key",
    "rating",
    "year",
    "isrc",
    "mb_recording_id",
    "mb_release_id",
    "mb_release_group_id",
    "mb_artist_id",
)
KEY_NOTATIONS = ("musical", "open_key", "camelot")
