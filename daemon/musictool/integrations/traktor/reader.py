"""Streaming reader for Traktor NML files (collection.nml, History/*.nml, playlist exports).

One pass of lxml.iterparse with a tag filter; each collection ENTRY is turned into a plain `Track` and then
freed (elem.clear() + deleting earlier siblings) so memory stays flat at any collection size. Every entry
carries a content hash of its raw bytes as lxml re-serialises them, so an ingest can skip entries whose hash
it already holds without extracting a single field (`NmlReader(..., known=...)`).

The reader never trusts COLLECTION ENTRIES (hand-trimmed files lie) and accepts files from other writers
(BOM, CRLF, indentation, no declaration, self-closing tags). Anything malformed raises NmlError with the
file, line and column, so the caller can keep its last good state.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from . import keys as keymod
from .paths import DEFAULT_BOOT_VOLUME, PathCodecError, location_key, to_path


class NmlError(Exception):
    """The file is not a readable NML file (empty, truncated, malformed, wrong encoding, not NML)."""

    def __init__(self, path: str | os.PathLike | None, message: str, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = f"{self.path}: " if self.path else ""
        super().__init__(f"{where}{message}")


@dataclass(slots=True)
class Cue:
    name: str | None
    displ_order: int | None
    type: int | None
    start: float | None  # milliseconds
    length: float | None  # milliseconds
    repeats: int | None
    hotcue: int | None  # -1 = not on a pad, 0-7 = pads 1-8
    color: str | None = None
    grid_bpm: float | None = None

    TYPE_NAMES = {0: "cue", 1: "fade_in", 2: "fade_out", 3: "load", 4: "grid", 5: "loop"}


@dataclass(slots=True)
class Track:
    location_key: str
    volume: str | None = None
    volume_id: str | None = None
    dir: str | None = None
    file: str | None = None
    path: str | None = None
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    track_number: int | None = None
    of_tracks: int | None = None
    label: str | None = None
    catalog_no: str | None = None
    genre: str | None = None
    comment: str | None = None
    comment2: str | None = None  # INFO RATING: a free-text field despite its name
    remixer: str | None = None
    producer: str | None = None
    mix: str | None = None
    key_lyrics: str | None = None
    bpm: float | None = None
    bpm_quality: float | None = None
    key: str | None = None  # "A minor"
    key_open: str | None = None  # "1m"
    key_camelot: str | None = None  # "8A"
    key_value: int | None = None  # MUSICAL_KEY VALUE 0-23
    key_text: str | None = None  # INFO KEY as displayed by Traktor
    duration: float | None = None  # seconds
    bitrate: int | None = None
    rating: int | None = None  # 0-5 stars (RANKING / 51)
    play_count: int | None = None
    last_played: str | None = None  # ISO date
    import_date: str | None = None
    release_date: str | None = None
    filesize_kb: int | None = None
    flags: int | None = None
    color: int | None = None
    cover_art_id: str | None = None
    audio_id: str | None = None
    lock: int | None = None
    lock_modification_time: str | None = None
    modified_date: str | None = None
    modified_time: int | None = None
    author_type: str | None = None
    peak_db: float | None = None
    perceived_db: float | None = None
    analyzed_db: float | None = None
    stems: str | None = None  # the STEMS JSON of a .stem.mp4
    cues: list[Cue] = field(default_factory=list)
    extra: dict[str, Any] | None = None  # attributes/elements we do not model, kept verbatim
    content_hash: str = ""


@dataclass(slots=True)
class PlaylistItem:
    key_type: str  # TRACK, SET, STEM
    key: str
    extended: dict[str, str] | None = None  # EXTENDEDDATA of history entries


@dataclass(slots=True)
class PlaylistNode:
    path: tuple[str, ...]  # names from below $ROOT down to this node (unique: duplicates get " [n]")
    name: str
    type: str  # FOLDER, PLAYLIST, SMARTLIST
    position: int  # pre-order index in the tree
    uuid: str | None = None
    list_type: str | None = None  # LIST, PROTOCOL
    query: str | None = None  # smart list SEARCH_EXPRESSION QUERY
    items: list[PlaylistItem] = field(default_factory=list)


@dataclass(slots=True)
class RemixSet:
    key: str
    title: str | None
    artist: str | None


@dataclass(slots=True)
class NmlSummary:
    version: str | None = None
    program: str | None = None
    entries_attr: int | None = None  # COLLECTION ENTRIES as written (often wrong)
    entry_count: int = 0  # the real number of collection entries
    is_history: bool = False
    remix_sets: list[RemixSet] = field(default_factory=list)
    playlists: list[PlaylistNode] = field(default_factory=list)
    playlists_hash: str = ""


def _int(v: str | None) -> int | None:
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        try:
            return int(float(v))
        except ValueError:
            return None


def _float(v: str | None) -> float | None:
    if v is None or v == "":
        return None
    try:
        return float(v)
    except ValueError:
        return None


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


_ENTRY_KNOWN = {
    "MODIFIED_DATE",
    "MODIFIED_TIME",
    "AUDIO_ID",
    "TITLE",
    "ARTIST",
    "LOCK",
    "LOCK_MODIFICATION_TIME",
}
_INFO_KNOWN = {
    "BITRATE", "GENRE", "LABEL", "COMMENT", "RATING", "RANKING", "KEY", "KEY_LYRICS", "PLAYCOUNT", "PLAYTIME",
    "PLAYTIME_FLOAT", "IMPORT_DATE", "LAST_PLAYED", "RELEASE_DATE", "FLAGS", "FILESIZE", "COLOR", "COVERARTID",
    "CATALOG_NO", "PRODUCER", "REMIXER", "MIX",
}  # fmt: skip
_SIMPLE_CHILDREN = {
    "LOCATION": {"DIR", "FILE", "VOLUME", "VOLUMEID"},
    "ALBUM": {"TRACK", "TITLE", "OF_TRACKS"},
    "MODIFICATION_INFO": {"AUTHOR_TYPE"},
    "TEMPO": {"BPM", "BPM_QUALITY"},
    "LOUDNESS": {"PEAK_DB", "PERCEIVED_DB", "ANALYZED_DB"},
    "MUSICAL_KEY": {"VALUE"},
    "STEMS": {"STEMS"},
}


def _xml_of(elem: etree._Element) -> str:
    return etree.tostring(elem, encoding="unicode", with_tail=False)


def entry_hash(elem: etree._Element) -> str:
    """A stable digest of an ENTRY's content: its attributes and all descendants, as lxml serialises them."""
    return hashlib.blake2b(etree.tostring(elem, with_tail=False), digest_size=16).hexdigest()


def entry_location_key(elem: etree._Element) -> str | None:
    loc = elem.find("LOCATION")
    if loc is None:
        return None
    return location_key(loc.get("VOLUME"), loc.get("DIR"), loc.get("FILE"))


def parse_entry(
    elem: etree._Element, *, boot_volume: str | None = DEFAULT_BOOT_VOLUME, content_hash: str | None = None
) -> Track | None:
    """Every field of one collection ENTRY; None for an entry without LOCATION (it cannot be identified)."""
    loc = elem.find("LOCATION")
    if loc is None:
        return None
    a = elem.attrib
    vol, dir_, file_ = loc.get("VOLUME"), loc.get("DIR"), loc.get("FILE")
    t = Track(
        location_key=location_key(vol, dir_, file_),
        volume=vol,
        volume_id=loc.get("VOLUMEID"),
        dir=dir_,
        file=file_,
    )
    try:
        t.path = to_path(vol, dir_, file_, boot_volume=boot_volume)
    except PathCodecError:
        t.path = None
    t.title = a.get("TITLE")
    t.artist = a.get("ARTIST")
    t.audio_id = a.get("AUDIO_ID")
    t.lock = _int(a.get("LOCK"))
    t.lock_modification_time = a.get("LOCK_MODIFICATION_TIME")
    t.modified_date = nml_date(a.get("MODIFIED_DATE"))
    t.modified_time = _int(a.get("MODIFIED_TIME"))
    extra: dict[str, Any] = {}
    unknown = set(a.keys()) - _ENTRY_KNOWN
    if unknown:
        extra["ENTRY"] = {k: a[k] for k in unknown}
    key_text = None
    for ch in elem:
        tag = ch.tag
        if not isinstance(tag, str):
            continue
        g = ch.get
        if tag == "CUE_V2":
            grid = ch.find("GRID")
            t.cues.append(
                Cue(
                    name=g("NAME"),
                    displ_order=_int(g("DISPL_ORDER")),
                    type=_int(g("TYPE")),
                    start=_float(g("START")),
                    length=_float(g("LEN")),
                    repeats=_int(g("REPEATS")),
                    hotcue=_int(g("HOTCUE")),
                    color=g("COLOR"),
                    grid_bpm=_float(grid.get("BPM")) if grid is not None else None,
                )
            )
            continue
        if tag == "INFO":
            t.genre = g("GENRE")
            t.label = g("LABEL")
            t.comment = g("COMMENT")
            t.comment2 = g("RATING")
            ranking = _int(g("RANKING"))
            t.rating = None if ranking is None else max(0, min(5, round(ranking / 51)))
            key_text = g("KEY")
            t.key_lyrics = g("KEY_LYRICS")
            t.play_count = _int(g("PLAYCOUNT"))
            pf = _float(g("PLAYTIME_FLOAT"))
            t.duration = pf if pf is not None else _float(g("PLAYTIME"))
            t.bitrate = _int(g("BITRATE"))
            t.import_date = nml_date(g("IMPORT_DATE"))
            t.last_played = nml_date(g("LAST_PLAYED"))
            t.release_date = nml_date(g("RELEASE_DATE"))
            t.flags = _int(g("FLAGS"))
            t.filesize_kb = _int(g("FILESIZE"))
            t.color = _int(g("COLOR"))
            t.cover_art_id = g("COVERARTID")
            t.catalog_no = g("CATALOG_NO")
            t.producer = g("PRODUCER")
            t.remixer = g("REMIXER")
            t.mix = g("MIX")
            unknown = set(ch.keys()) - _INFO_KNOWN
        elif tag == "ALBUM":
            t.album = g("TITLE")
            t.track_number = _int(g("TRACK"))
            t.of_tracks = _int(g("OF_TRACKS"))
            unknown = set(ch.keys()) - _SIMPLE_CHILDREN[tag]
        elif tag == "TEMPO":
            t.bpm = _float(g("BPM"))
            t.bpm_quality = _float(g("BPM_QUALITY"))
            unknown = set(ch.keys()) - _SIMPLE_CHILDREN[tag]
        elif tag == "LOUDNESS":
            t.peak_db = _float(g("PEAK_DB"))
            t.perceived_db = _float(g("PERCEIVED_DB"))
            t.analyzed_db = _float(g("ANALYZED_DB"))
            unknown = set(ch.keys()) - _SIMPLE_CHILDREN[tag]
        elif tag == "MUSICAL_KEY":
            t.key_value = _int(g("VALUE"))
            unknown = set(ch.keys()) - _SIMPLE_CHILDREN[tag]
        elif tag == "MODIFICATION_INFO":
            t.author_type = g("AUTHOR_TYPE")
            unknown = set(ch.keys()) - _SIMPLE_CHILDREN[tag]
        elif tag == "STEMS":
            t.stems = g("STEMS")
            unknown = set(ch.keys()) - _SIMPLE_CHILDREN[tag]
        elif tag == "LOCATION":
            unknown = set(ch.keys()) - _SIMPLE_CHILDREN[tag]
        else:  # LOOPINFO, CELL, anything newer: keep it verbatim
            extra.setdefault("elements", []).append(_xml_of(ch))
            continue
        if unknown:
            extra[tag] = {k: ch.get(k) for k in unknown}
    t.key_text = key_text
    k = keymod.from_value(t.key_value) if t.key_value is not None else keymod.parse(key_text)
    if k is not None:
        t.key, t.key_open, t.key_camelot = k.musical, k.open_key, k.camelot
        if t.key_value is None:
            t.key_value = k.value
    t.extra = extra or None
    t.content_hash = content_hash if content_hash is not None else entry_hash(elem)
    return t


def _parse_playlists(root: etree._Element) -> tuple[list[PlaylistNode], str]:
    """The PLAYLISTS tree in document order, folders included; plus a hash of the whole section."""
    digest = hashlib.blake2b(etree.tostring(root, with_tail=False), digest_size=16).hexdigest()
    nodes: list[PlaylistNode] = []

    def walk(node: etree._Element, parent: tuple[str, ...]) -> None:
        seen: dict[str, int] = {}
        subnodes = node.find("SUBNODES")
        if subnodes is None:
            return
        for child in subnodes.iterchildren("NODE"):
            name = child.get("NAME") or ""
            n = seen.get(name, 0) + 1
            seen[name] = n
            unique = name if n == 1 else f"{name} [{n}]"
            path = (*parent, unique)
            pn = PlaylistNode(path=path, name=name, type=child.get("TYPE") or "", position=len(nodes))
            nodes.append(pn)
            pl = child.find("PLAYLIST")
            if pl is not None:
                pn.uuid = pl.get("UUID")
                pn.list_type = pl.get("TYPE")
                for e in pl.iterchildren("ENTRY"):
                    pk = e.find("PRIMARYKEY")
                    if pk is None:
                        continue
                    ext = e.find("EXTENDEDDATA")
                    pn.items.append(
                        PlaylistItem(
                            key_type=pk.get("TYPE") or "TRACK",
                            key=pk.get("KEY") or "",
                            extended=dict(ext.attrib) if ext is not None else None,
                        )
                    )
            sl = child.find("SMARTLIST")
            if sl is not None:
                pn.uuid = sl.get("UUID")
                se = sl.find("SEARCH_EXPRESSION")
                pn.query = se.get("QUERY") if se is not None else None
            walk(child, path)

    top = root.find("NODE")
    if top is not None:
        walk(top, ())
    return nodes, digest


Known = dict[str, str]  # location_key -> content_hash


class NmlReader:
    """Iterate the collection entries of an NML file; afterwards `.summary` holds head, sets and playlists.

    known: hashes from the last ingest; an entry whose location_key maps to its current hash is yielded as
    the key string alone (unchanged, nothing extracted), every other one as a full `Track`.
    """

    def __init__(
        self,
        source: str | os.PathLike | IO[bytes],
        *,
        known: Known | None = None,
        boot_volume: str | None = DEFAULT_BOOT_VOLUME,
        on_skip: Callable[[etree._Element], None] | None = None,
    ):
        self.source = source
        self.name = getattr(source, "name", None) if not isinstance(source, str | os.PathLike) else source
        self.known = known
        self.boot_volume = boot_volume
        self.summary = NmlSummary()
        self.skipped_without_location = 0
        self._on_skip = on_skip

    def __iter__(self) -> Iterator[Track | str]:
        src = self.source
        if isinstance(src, str | os.PathLike):
            try:
                if os.path.getsize(src) == 0:
                    raise NmlError(src, "the file is empty")
            except FileNotFoundError as e:
                raise NmlError(src, "the file does not exist") from e
        ctx = etree.iterparse(
            src,
            events=("end",),
            tag=("ENTRY", "SET", "PLAYLISTS", "HEAD", "COLLECTION"),
            resolve_entities=False,
            huge_tree=True,
            no_network=True,
            remove_comments=True,
        )
        s = self.summary
        known = self.known
        boot = self.boot_volume
        root_checked = False
        try:
            for _, elem in ctx:
                if not root_checked:
                    root = elem.getroottree().getroot()
                    if root is None or root.tag != "NML":
                        raise NmlError(
                            self.name,
                            f"not an NML file (root element is {root.tag if root is not None else None!r})",
                        )
                    s.version = root.get("VERSION")
                    root_checked = True
                tag = elem.tag
                if tag == "ENTRY":
                    parent = elem.getparent()
                    if parent is None or parent.tag != "COLLECTION":
                        continue  # playlist entries are read with their PLAYLISTS section
                    s.entry_count += 1
                    if known is not None:
                        loc = elem.find("LOCATION")
                        if loc is not None:
                            lk = location_key(loc.get("VOLUME"), loc.get("DIR"), loc.get("FILE"))
                            h = entry_hash(elem)
                            if known.get(lk) == h:
                                yield lk
                            else:
                                tr = parse_entry(elem, boot_volume=boot, content_hash=h)
                                if tr is not None:
                                    yield tr
                        else:
                            self.skipped_without_location += 1
                    else:
                        tr = parse_entry(elem, boot_volume=boot)
                        if tr is None:
                            self.skipped_without_location += 1
                        else:
                            yield tr
                    elem.clear(keep_tail=True)
                    while elem.getprevious() is not None:
                        del parent[0]
                elif tag == "COLLECTION":
                    s.entries_attr = _int(elem.get("ENTRIES"))
                elif tag == "HEAD":
                    s.program = elem.get("PROGRAM")
                elif tag == "SET":
                    parent = elem.getparent()
                    if parent is not None and parent.tag == "SETS":
                        loc = elem.find("LOCATION")
                        if loc is not None:
                            s.remix_sets.append(
                                RemixSet(
                                    key=location_key(loc.get("VOLUME"), loc.get("DIR"), loc.get("FILE")),
                                    title=elem.get("TITLE"),
                                    artist=elem.get("ARTIST"),
                                )
                            )
                        elem.clear(keep_tail=True)
                elif tag == "PLAYLISTS":
                    s.playlists, s.playlists_hash = _parse_playlists(elem)
                    s.is_history = any(n.list_type == "PROTOCOL" for n in s.playlists)
                    elem.clear(keep_tail=True)
            if not root_checked:
                root = ctx.root
                if root is None or root.tag != "NML":
                    raise NmlError(self.name, "not an NML file (no NML root element)")
                s.version = root.get("VERSION")
        except etree.XMLSyntaxError as e:
            msg = str(e.msg if hasattr(e, "msg") and e.msg else e)
            line = e.position[0] if getattr(e, "position", None) else None
            hint = ""
            low = msg.lower()
            if "not proper utf-8" in low or "encoding" in low or "bytes:" in low:
                hint = " (wrong encoding: Traktor writes UTF-8)"
            elif (
                "premature end" in low
                or "end of data" in low
                or "not closed" in low
                or "extra content" in low
            ):
                hint = " (the file is incomplete or truncated)"
            elif "document is empty" in low or "start tag expected" in low and line in (None, 1):
                hint = " (the file is empty or not XML)"
            raise NmlError(self.name, f"malformed XML at line {line}: {msg}{hint}", line=line) from e
        except OSError as e:
            raise NmlError(self.name, f"cannot read the file: {e}") from e


def read_all(
    source: str | os.PathLike | IO[bytes], *, boot_volume: str | None = DEFAULT_BOOT_VOLUME
) -> tuple[list[Track], NmlSummary]:
    """Read a whole file into memory (tests, small files, history snapshots)."""
    r = NmlReader(source, boot_volume=boot_volume)
    tracks = [t for t in r if isinstance(t, Track)]
    return tracks, r.summary


def cues_json(cues: list[Cue]) -> str | None:
    if not cues:
        return None
    return json.dumps(
        [
            [c.name, c.displ_order, c.type, c.start, c.length, c.repeats, c.hotcue, c.color, c.grid_bpm]
            for c in cues
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def file_is_complete(path: str | Path) -> bool:
    """Cheap pre-check before a parse: the file ends with the NML end tag (Traktor may still be writing it)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64))
            tail = f.read()
    except OSError:
        return False
    return tail.rstrip().endswith(b"</NML>")
