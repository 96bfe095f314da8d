"""An ENTRY's parser events straight to a `tracks` row tuple: the ingest's hot path.

The same fields as reader.build_track + ingest.track_row, without the intermediate Track and Cue objects
(tests check that both paths give identical rows for every fixture). At 100,000 entries this halves the
Python time per entry, which is most of what an ingest costs beyond lxml's own parse.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from . import keys as keymod
from .paths import DEFAULT_BOOT_VOLUME, PathCodecError, to_path

TRACK_COLUMNS = (
    "location_key", "path", "volume", "volume_id", "dir", "file", "artist", "title", "album", "track_number",
    "of_tracks", "label", "catalog_no", "genre", "comment", "comment2", "remixer", "producer", "mix",
    "key_lyrics", "bpm", "bpm_quality", "key", "key_open", "key_camelot", "key_value", "key_text", "duration",
    "bitrate", "rating", "play_count", "last_played", "import_date", "release_date", "filesize_kb", "flags",
    "color", "cover_art_id", "audio_id", "lock", "lock_modification_time", "modified_date", "modified_time",
    "author_type", "peak_db", "perceived_db", "analyzed_db", "stems", "cue_count", "cues_json", "extra_json",
    "search_text", "content_hash",
)  # fmt: skip
COL = {c: i for i, c in enumerate(TRACK_COLUMNS)}

ENTRY_KNOWN = frozenset(
    {"MODIFIED_DATE", "MODIFIED_TIME", "AUDIO_ID", "TITLE", "ARTIST", "LOCK", "LOCK_MODIFICATION_TIME"}
)
INFO_KNOWN = frozenset({
    "BITRATE", "GENRE", "LABEL", "COMMENT", "RATING", "RANKING", "KEY", "KEY_LYRICS", "PLAYCOUNT", "PLAYTIME",
    "PLAYTIME_FLOAT", "IMPORT_DATE", "LAST_PLAYED", "RELEASE_DATE", "FLAGS", "FILESIZE", "COLOR", "COVERARTID",
    "CATALOG_NO", "PRODUCER", "REMIXER", "MIX",
})  # fmt: skip
CUE_KNOWN = frozenset({"NAME", "DISPL_ORDER", "TYPE", "START", "LEN", "REPEATS", "HOTCUE", "COLOR"})
SIMPLE_KNOWN = {
    "LOCATION": frozenset({"DIR", "FILE", "VOLUME", "VOLUMEID"}),
    "ALBUM": frozenset({"TRACK", "TITLE", "OF_TRACKS"}),
    "MODIFICATION_INFO": frozenset({"AUTHOR_TYPE"}),
    "TEMPO": frozenset({"BPM", "BPM_QUALITY"}),
    "LOUDNESS": frozenset({"PEAK_DB", "PERCEIVED_DB", "ANALYZED_DB"}),
    "MUSICAL_KEY": frozenset({"VALUE"}),
    "STEMS": frozenset({"STEMS"}),
}
_EMPTY: dict[str, str] = {}


def to_int(v: str | None) -> int | None:
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        try:
            return int(float(v))
        except ValueError:
            return None


def to_float(v: str | None) -> float | None:
    if v is None or v == "":
        return None
    try:
        return float(v)
    except ValueError:
        return None


# The helpers below run for every entry of a collection whose values repeat (dates, folders, keys, ratings):
# lru_cache answers a repeat in C, without running the function at all.


@lru_cache(maxsize=100_000)
def nml_date(v: str | None) -> str | None:
    """Traktor "yyyy/M/d" -> ISO "yyyy-mm-dd" (None for missing or unreadable dates)."""
    if not v:
        return None
    parts = v.split("/")
    if len(parts) != 3:
        return None
    try:
        y, m, d = (int(p) for p in parts)
    except ValueError:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


@lru_cache(maxsize=200_000)
def _folder(vol: str | None, dir_: str | None, boot: str | None) -> str | None:
    """to_path's folder part (a collection has far fewer folders than files); None if it cannot be decoded."""
    try:
        full = to_path(vol, dir_, "x", boot_volume=boot)
    except PathCodecError:
        return None
    return full[:-1] if full else None


def path_of(vol: str | None, dir_: str | None, file_: str | None, boot: str | None) -> str | None:
    """to_path, with the folder part cached."""
    if not file_:
        return None
    prefix = _folder(vol, dir_, boot)
    return None if prefix is None else prefix + file_


# Built once: json.dumps with arguments builds a new encoder per call, which costs more than the encoding.
to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # cues_json
to_json_spaced = json.JSONEncoder(ensure_ascii=False).encode  # extra_json, as json.dumps(ensure_ascii=False)


def cues_json(cues: list[list[Any]]) -> str | None:
    return to_json(cues) if cues else None


@lru_cache(maxsize=10_000)
def key_columns(value: str | None, text: str | None) -> tuple[Any, ...]:
    """(musical, open_key, camelot, key_value) from MUSICAL_KEY VALUE, else from INFO KEY's text."""
    v = to_int(value)
    k = keymod.from_value(v) if v is not None else keymod.parse(text)
    if k is None:
        return (None, None, None, v)
    return (k.musical, k.open_key, k.camelot, k.value if v is None else v)


@lru_cache(maxsize=1000)
def rating_of(ranking: str | None) -> int | None:
    """INFO RANKING (0-255) as 0-5 stars."""
    if not ranking:
        return None
    r = to_int(ranking)
    return None if r is None else max(0, min(5, round(r / 51)))


CUE_FIELDS = ("NAME", "DISPL_ORDER", "TYPE", "START", "LEN", "REPEATS", "HOTCUE", "COLOR")


def build_row(
    seq: list[Any], content_hash: str, boot: str | None = DEFAULT_BOOT_VOLUME
) -> tuple[Any, ...] | None:
    """The `tracks` row (TRACK_COLUMNS order) of one entry's events [ENTRY attrs, depth, tag, attrs, ...].

    Numeric attributes are passed on as Traktor's text: the INTEGER/REAL columns' type affinity makes SQLite
    store them as numbers (in C, far cheaper than int()/float() per attribute here). Cues are kept as their
    attribute texts in cues_json, so the float text Traktor wrote is preserved exactly.
    """
    loc = info = album = tempo = loud = mk = mod = stems = None
    cues: list[list[Any]] = []
    extra: dict[str, Any] = {}
    a = seq[0]
    if not a.keys() <= ENTRY_KNOWN:
        extra["ENTRY"] = {k: v for k, v in a.items() if k not in ENTRY_KNOWN}
    last = None
    n = len(seq)
    i = 1
    while i < n:
        depth, tag, g = seq[i], seq[i + 1], seq[i + 2]
        i += 3
        if depth != 1:
            if tag == "GRID" and depth == 2 and last == "CUE_V2":
                cues[-1].append(g.get("BPM"))
            else:
                extra.setdefault("elements", []).append({"tag": tag, "attrs": g})
            continue
        last = tag
        if tag == "CUE_V2":
            cues.append(list(map(g.get, CUE_FIELDS)))
            if not g.keys() <= CUE_KNOWN:
                extra.setdefault("CUE_V2", []).append({k: v for k, v in g.items() if k not in CUE_KNOWN})
            continue
        if tag == "INFO":
            info = g
            known = INFO_KNOWN
        elif tag in SIMPLE_KNOWN:
            if tag == "LOCATION":
                if loc is None:
                    loc = g
            elif tag == "ALBUM":
                album = g
            elif tag == "TEMPO":
                tempo = g
            elif tag == "LOUDNESS":
                loud = g
            elif tag == "MUSICAL_KEY":
                mk = g
            elif tag == "MODIFICATION_INFO":
                mod = g
            else:
                stems = g
            known = SIMPLE_KNOWN[tag]
        else:  # LOOPINFO, CELL, anything newer: keep it verbatim
            extra.setdefault("elements", []).append({"tag": tag, "attrs": g})
            continue
        if not g.keys() <= known:
            extra[tag] = {k: v for k, v in g.items() if k not in known}
    if loc is None:
        return None
    info = info or _EMPTY
    album = album or _EMPTY
    tempo = tempo or _EMPTY
    loud = loud or _EMPTY
    vol, dir_, file_ = loc.get("VOLUME"), loc.get("DIR"), loc.get("FILE")
    artist, title = a.get("ARTIST"), a.get("TITLE")
    album_title, label, comment, remixer = (
        album.get("TITLE"),
        info.get("LABEL"),
        info.get("COMMENT"),
        info.get("REMIXER"),
    )
    key_text = info.get("KEY")
    musical, open_key, camelot, key_value = key_columns(mk.get("VALUE") if mk is not None else None, key_text)
    g = info.get
    for cue in cues:
        if len(cue) == 8:
            cue.append(None)
    return (
        f"{vol or ''}{dir_ or ''}{file_ or ''}", path_of(vol, dir_, file_, boot), vol, loc.get("VOLUMEID"), dir_,
        file_, artist, title, album_title, (album.get("TRACK") or None), (album.get("OF_TRACKS") or None), label,
        g("CATALOG_NO"), g("GENRE"), comment, g("RATING"), remixer, g("PRODUCER"), g("MIX"), g("KEY_LYRICS"),
        (tempo.get("BPM") or None), (tempo.get("BPM_QUALITY") or None), musical, open_key, camelot, key_value,
        key_text, (g("PLAYTIME_FLOAT") or None) or (g("PLAYTIME") or None), (g("BITRATE") or None),
        rating_of(g("RANKING")), (g("PLAYCOUNT") or None),
        nml_date(g("LAST_PLAYED")), nml_date(g("IMPORT_DATE")), nml_date(g("RELEASE_DATE")), (g("FILESIZE") or None),
        (g("FLAGS") or None), (g("COLOR") or None), g("COVERARTID"), a.get("AUDIO_ID"), (a.get("LOCK") or None),
        a.get("LOCK_MODIFICATION_TIME"), nml_date(a.get("MODIFIED_DATE")), (a.get("MODIFIED_TIME") or None),
        mod.get("AUTHOR_TYPE") if mod is not None else None, (loud.get("PEAK_DB") or None),
        (loud.get("PERCEIVED_DB") or None), (loud.get("ANALYZED_DB") or None),
        stems.get("STEMS") if stems is not None else None, len(cues), cues_json(cues),
        to_json_spaced(extra) if extra else None,
        " ".join(x for x in (artist, title, album_title, label, comment, remixer) if x).casefold(), content_hash,
    )  # fmt: skip
