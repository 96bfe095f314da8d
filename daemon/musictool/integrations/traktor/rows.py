"""One table of fields (FIELDS) defines a `tracks` row; build_row turns an ENTRY's parser events into it.

FIELDS says, for every column, which element and attribute of an ENTRY holds it and how Traktor's text
becomes the value. The column order, the attributes the readers know (anything else is kept in extra_json)
and the Track objects of reader.py all come from it. The two row builders, build_row here (from parser events)
and template.build_row (from Traktor's own layout, the ingest's hot path), are written out by hand for speed
and are checked against FIELDS column by column on every real fixture (tests/unit/traktor/test_traktor_fields.py,
against a plain lxml reading of the same entries).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import keys as keymod
from .paths import DEFAULT_BOOT_VOLUME, PathCodecError, to_path


@dataclass(frozen=True, slots=True)
class Field:
    """One column of `tracks`. element/attr: where an ENTRY holds it ("ENTRY" for the entry's own attributes);
    None for a column computed from the attributes in `reads`. kind: the value's type and how the text
    becomes it: text (as written), int, real, date ("2024/3/1" -> "2024-03-01"), stars (RANKING 0-255 as
    0-5), json. Numbers go to SQLite as Traktor's text; the column's type affinity stores them as numbers."""

    column: str
    element: str | None
    attr: str | None
    kind: str
    reads: tuple[tuple[str, str], ...] = ()


def _f(column: str, element: str, attr: str, kind: str = "text") -> Field:
    return Field(column, element, attr, kind)


_LOCATION = (("LOCATION", "VOLUME"), ("LOCATION", "DIR"), ("LOCATION", "FILE"))
_KEY = (("MUSICAL_KEY", "VALUE"), ("INFO", "KEY"))
CUE_FIELDS = ("NAME", "DISPL_ORDER", "TYPE", "START", "LEN", "REPEATS", "HOTCUE", "COLOR")  # + GRID BPM
SEARCH_COLUMNS = ("artist", "title", "album", "label", "comment", "remixer")  # search_text, in this order

FIELDS: tuple[Field, ...] = (
    Field("location_key", None, None, "text", _LOCATION),  # VOLUME + DIR + FILE as written
    Field("path", None, None, "text", _LOCATION),  # the file's absolute path (paths.to_path)
    _f("volume", "LOCATION", "VOLUME"),
    _f("volume_id", "LOCATION", "VOLUMEID"),
    _f("dir", "LOCATION", "DIR"),
    _f("file", "LOCATION", "FILE"),
    _f("artist", "ENTRY", "ARTIST"),
    _f("title", "ENTRY", "TITLE"),
    _f("album", "ALBUM", "TITLE"),
    _f("track_number", "ALBUM", "TRACK", "int"),
    _f("of_tracks", "ALBUM", "OF_TRACKS", "int"),
    _f("label", "INFO", "LABEL"),
    _f("catalog_no", "INFO", "CATALOG_NO"),
    _f("genre", "INFO", "GENRE"),
    _f("comment", "INFO", "COMMENT"),
    _f("comment2", "INFO", "RATING"),  # a free-text field despite its name
    _f("remixer", "INFO", "REMIXER"),
    _f("producer", "INFO", "PRODUCER"),
    _f("mix", "INFO", "MIX"),
    _f("key_lyrics", "INFO", "KEY_LYRICS"),
    _f("bpm", "TEMPO", "BPM", "real"),
    _f("bpm_quality", "TEMPO", "BPM_QUALITY", "real"),
    Field("key", None, None, "text", _KEY),  # "A minor": from MUSICAL_KEY VALUE, else INFO KEY's text
    Field("key_open", None, None, "text", _KEY),  # "1m"
    Field("key_camelot", None, None, "text", _KEY),  # "8A"
    Field("key_value", None, None, "int", _KEY),  # 0-23: MUSICAL_KEY VALUE, else parsed from INFO KEY
    _f("key_text", "INFO", "KEY"),
    Field("duration", None, None, "real", (("INFO", "PLAYTIME_FLOAT"), ("INFO", "PLAYTIME"))),  # the first set
    _f("bitrate", "INFO", "BITRATE", "int"),
    _f("rating", "INFO", "RANKING", "stars"),
    _f("play_count", "INFO", "PLAYCOUNT", "int"),
    _f("last_played", "INFO", "LAST_PLAYED", "date"),
    _f("import_date", "INFO", "IMPORT_DATE", "date"),
    _f("release_date", "INFO", "RELEASE_DATE", "date"),
    _f("filesize_kb", "INFO", "FILESIZE", "int"),
    _f("flags", "INFO", "FLAGS", "int"),
    _f("color", "INFO", "COLOR", "int"),
    _f("cover_art_id", "INFO", "COVERARTID"),
    _f("audio_id", "ENTRY", "AUDIO_ID"),
    _f("lock", "ENTRY", "LOCK", "int"),
    _f("lock_modification_time", "ENTRY", "LOCK_MODIFICATION_TIME"),
    _f("modified_date", "ENTRY", "MODIFIED_DATE", "date"),
    _f("modified_time", "ENTRY", "MODIFIED_TIME", "int"),
    _f("author_type", "MODIFICATION_INFO", "AUTHOR_TYPE"),
    _f("peak_db", "LOUDNESS", "PEAK_DB", "real"),
    _f("perceived_db", "LOUDNESS", "PERCEIVED_DB", "real"),
    _f("analyzed_db", "LOUDNESS", "ANALYZED_DB", "real"),
    _f("stems", "STEMS", "STEMS"),
    Field("cue_count", None, None, "int", (("CUE_V2", "NAME"),)),  # CUE_V2 children of the entry
    # [[NAME, DISPL_ORDER, TYPE, START, LEN, REPEATS, HOTCUE, COLOR, GRID BPM], ...] as Traktor's texts
    Field("cues_json", None, None, "json", (*(("CUE_V2", a) for a in CUE_FIELDS), ("GRID", "BPM"))),
    # every attribute and element not read by another field: {"ENTRY": {..}, "INFO": {..}, "CUE_V2": [{..}],
    # "elements": [{"tag", "attrs"}]}, so that nothing in the file is lost
    Field("extra_json", None, None, "json"),
    Field("search_text", None, None, "text"),  # SEARCH_COLUMNS' values joined by spaces, casefolded
    Field("content_hash", None, None, "text"),  # of the entry as read, to skip it when it has not changed
)
TRACK_COLUMNS = tuple(f.column for f in FIELDS)
COL = {c: i for i, c in enumerate(TRACK_COLUMNS)}


def _known(element: str) -> frozenset[str]:
    """The attributes of `element` that some field reads; the others go to extra_json."""
    return frozenset(
        {f.attr for f in FIELDS if f.element == element and f.attr}
        | {a for f in FIELDS for e, a in f.reads if e == element}
    )


ENTRY_KNOWN = _known("ENTRY")
INFO_KNOWN = _known("INFO")
CUE_KNOWN = _known("CUE_V2")
SIMPLE_KNOWN = {  # the other children of ENTRY read into columns (at most one of each)
    e: _known(e) for e in ("LOCATION", "ALBUM", "MODIFICATION_INFO", "TEMPO", "LOUDNESS", "MUSICAL_KEY", "STEMS")
}


def search_text(
    artist: str | None, title: str | None, album: str | None, label: str | None, comment: str | None,
    remixer: str | None,
) -> str:  # fmt: skip
    """What GET /tracks?q= searches (SEARCH_COLUMNS): the texts joined, casefolded, in the tags' own form."""
    return " ".join([x for x in (artist, title, album, label, comment, remixer) if x]).casefold()


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
        to_json_spaced(extra) if extra else None, search_text(artist, title, album_title, label, comment, remixer),
        content_hash,
    )  # fmt: skip
