"""Streaming reader for Traktor NML files (collection.nml, History/*.nml, playlist exports).

lxml parses the file in 1 MiB chunks with a parser *target*: no element tree is ever built, the parser hands
each start tag's attributes to us as a dict, and every collection ENTRY becomes a plain `Track` as soon as its
end tag is seen. Memory stays flat at any collection size and the per-entry cost is a few dict lookups.
Every entry carries a content hash of its attribute dicts in document order (marshal format 2, which has no
back-references, + blake2b: the same bytes in every process for a given Python version), so an ingest can skip
entries whose hash it already holds without building a Track (`NmlReader(..., known=...)`).

The reader never trusts COLLECTION ENTRIES (hand-trimmed files lie) and accepts files from other writers
(BOM, CRLF, indentation, no declaration, self-closing tags). Anything malformed raises NmlError with the
file and line, so the caller can keep its last good state.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from . import keys as keymod
from .paths import DEFAULT_BOOT_VOLUME, PathCodecError, location_key, to_path
from .rows import CUE_KNOWN as _CUE_KNOWN
from .rows import ENTRY_KNOWN as _ENTRY_KNOWN
from .rows import INFO_KNOWN as _INFO_KNOWN
from .rows import SIMPLE_KNOWN as _SIMPLE_CHILDREN
from .rows import build_row, nml_date
from .rows import to_float as _float
from .rows import to_int as _int

_b2b = hashlib.blake2b


class NmlError(Exception):
    """The file is not a readable NML file (empty, truncated, malformed, wrong encoding, not NML)."""

    def __init__(self, path: str | os.PathLike | None, message: str, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.message = message
        self.line = line
        where = f"{self.path}: " if self.path else ""
        super().__init__(f"{where}{message}")

    def __reduce__(self) -> tuple[Any, ...]:  # survives the trip back from a worker process
        return (NmlError, (self.path, self.message, self.line))


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


def _extra_elements(extra: dict[str, Any], tag: str, attrib: dict[str, str]) -> None:
    extra.setdefault("elements", []).append({"tag": tag, "attrs": attrib})


def build_track(
    seq: list[Any], content_hash: str, boot_volume: str | None = DEFAULT_BOOT_VOLUME
) -> Track | None:
    """A Track from an entry's event list [ENTRY attrs, depth, tag, attrs, depth, tag, attrs, ...].

    depth 1 = child of ENTRY, 2 = grandchild (GRID of a CUE_V2, ...). None when there is no LOCATION.
    """
    a: dict[str, str] = seq[0]
    loc = None
    n = len(seq)
    i = 1
    while i < n:
        if seq[i + 1] == "LOCATION" and seq[i] == 1:
            loc = seq[i + 2]
            break
        i += 3
    if loc is None:
        return None
    vol, dir_, file_ = loc.get("VOLUME"), loc.get("DIR"), loc.get("FILE")
    t = Track(f"{vol or ''}{dir_ or ''}{file_ or ''}", vol, loc.get("VOLUMEID"), dir_, file_)
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
    if not a.keys() <= _ENTRY_KNOWN:
        extra["ENTRY"] = {k: v for k, v in a.items() if k not in _ENTRY_KNOWN}
    key_text = None
    cues = t.cues
    last = None  # the last child of ENTRY seen
    i = 1
    while i < n:
        depth, tag, g = seq[i], seq[i + 1], seq[i + 2]
        i += 3
        if depth != 1:
            if tag == "GRID" and last == "CUE_V2" and depth == 2:
                cues[-1].grid_bpm = _float(g.get("BPM"))
            else:
                _extra_elements(extra, tag, g)
            continue
        last = tag
        if tag == "CUE_V2":
            cues.append(
                Cue(
                    g.get("NAME"),
                    _int(g.get("DISPL_ORDER")),
                    _int(g.get("TYPE")),
                    _float(g.get("START")),
                    _float(g.get("LEN")),
                    _int(g.get("REPEATS")),
                    _int(g.get("HOTCUE")),
                    g.get("COLOR"),
                )
            )
            if not g.keys() <= _CUE_KNOWN:
                extra.setdefault("CUE_V2", []).append({k: v for k, v in g.items() if k not in _CUE_KNOWN})
            continue
        if tag == "INFO":
            t.genre = g.get("GENRE")
            t.label = g.get("LABEL")
            t.comment = g.get("COMMENT")
            t.comment2 = g.get("RATING")
            ranking = _int(g.get("RANKING"))
            t.rating = None if ranking is None else max(0, min(5, round(ranking / 51)))
            key_text = g.get("KEY")
            t.key_lyrics = g.get("KEY_LYRICS")
            t.play_count = _int(g.get("PLAYCOUNT"))
            pf = _float(g.get("PLAYTIME_FLOAT"))
            t.duration = pf if pf is not None else _float(g.get("PLAYTIME"))
            t.bitrate = _int(g.get("BITRATE"))
            t.import_date = nml_date(g.get("IMPORT_DATE"))
            t.last_played = nml_date(g.get("LAST_PLAYED"))
            t.release_date = nml_date(g.get("RELEASE_DATE"))
            t.flags = _int(g.get("FLAGS"))
            t.filesize_kb = _int(g.get("FILESIZE"))
            t.color = _int(g.get("COLOR"))
            t.cover_art_id = g.get("COVERARTID")
            t.catalog_no = g.get("CATALOG_NO")
            t.producer = g.get("PRODUCER")
            t.remixer = g.get("REMIXER")
            t.mix = g.get("MIX")
            known = _INFO_KNOWN
        elif tag == "ALBUM":
            t.album = g.get("TITLE")
            t.track_number = _int(g.get("TRACK"))
            t.of_tracks = _int(g.get("OF_TRACKS"))
            known = _SIMPLE_CHILDREN[tag]
        elif tag == "TEMPO":
            t.bpm = _float(g.get("BPM"))
            t.bpm_quality = _float(g.get("BPM_QUALITY"))
            known = _SIMPLE_CHILDREN[tag]
        elif tag == "LOUDNESS":
            t.peak_db = _float(g.get("PEAK_DB"))
            t.perceived_db = _float(g.get("PERCEIVED_DB"))
            t.analyzed_db = _float(g.get("ANALYZED_DB"))
            known = _SIMPLE_CHILDREN[tag]
        elif tag == "MUSICAL_KEY":
            t.key_value = _int(g.get("VALUE"))
            known = _SIMPLE_CHILDREN[tag]
        elif tag == "MODIFICATION_INFO":
            t.author_type = g.get("AUTHOR_TYPE")
            known = _SIMPLE_CHILDREN[tag]
        elif tag == "STEMS":
            t.stems = g.get("STEMS")
            known = _SIMPLE_CHILDREN[tag]
        elif tag == "LOCATION":
            known = _SIMPLE_CHILDREN[tag]
        else:  # LOOPINFO, CELL, anything newer: keep it verbatim
            _extra_elements(extra, tag, g)
            continue
        if not g.keys() <= known:
            extra[tag] = {k: v for k, v in g.items() if k not in known}
    t.key_text = key_text
    k = keymod.from_value(t.key_value) if t.key_value is not None else keymod.parse(key_text)
    if k is not None:
        t.key, t.key_open, t.key_camelot = k.musical, k.open_key, k.camelot
        if t.key_value is None:
            t.key_value = k.value
    t.extra = extra or None
    t.content_hash = content_hash
    return t


def _digest(seq: list[Any]) -> str:
    # marshal version 2: no back-references, whose use depends on refcounts and would make the bytes (and
    # so the hash) differ between processes for the same content
    return _b2b(marshal.dumps(seq, 2), digest_size=16).hexdigest()


Known = dict[str, str]  # location_key -> content_hash


class _Target:
    """lxml parser target: collects finished collection entries into `out`; fills the summary as it goes.

    It has no data() or comment() method on purpose: lxml then skips the text between elements (one
    callback per line break otherwise).
    """

    def __init__(self, reader: NmlReader):
        self.r = reader
        self.s = reader.summary
        self.stack: list[str] = []
        self.entry: list[Any] | None = None  # event list of the collection ENTRY being read
        self.entry_depth = 0
        self.out: list[Track | str] = []
        self.known = reader.known
        self.boot = reader.boot_volume
        # playlists
        self.pl_hash: Any = None
        self.nodes: list[tuple[PlaylistNode | None, dict[str, int]]] = []
        self.cur_node: PlaylistNode | None = None
        self.set_attrs: dict[str, str] | None = None

    def start(self, tag: str, attrib: dict[str, str], nsmap: Any = None) -> None:
        if not attrib:
            attrib = {}  # lxml passes an immutable mapping (not marshal-able) for "no attributes"
        stack = self.stack
        depth = len(stack)
        if self.entry is not None:
            e = self.entry
            e.append(depth - self.entry_depth)
            e.append(tag)
            e.append(attrib)
            stack.append(tag)
            return
        parent = stack[-1] if stack else None
        stack.append(tag)
        if tag == "ENTRY" and parent == "COLLECTION":
            self.entry = [attrib]
            self.entry_depth = depth
            return
        if self.pl_hash is not None:
            self.pl_hash.update(marshal.dumps((depth, tag, attrib), 2))
            self._playlist_start(tag, attrib, parent)
            return
        if depth == 0:
            if tag != "NML":
                raise NmlError(self.r.name, f"not an NML file (root element is <{tag}>)")
            self.s.version = attrib.get("VERSION")
        elif tag == "HEAD" and depth == 1:
            self.s.program = attrib.get("PROGRAM")
        elif tag == "COLLECTION" and depth == 1:
            self.s.entries_attr = _int(attrib.get("ENTRIES"))
        elif tag == "PLAYLISTS" and depth == 1:
            self.pl_hash = _b2b(digest_size=16)
            self.nodes = [(None, {})]
        elif tag == "SET" and parent == "SETS":
            self.set_attrs = attrib
        elif tag == "LOCATION" and parent == "SET" and self.set_attrs is not None:
            self.s.remix_sets.append(
                RemixSet(
                    key=location_key(attrib.get("VOLUME"), attrib.get("DIR"), attrib.get("FILE")),
                    title=self.set_attrs.get("TITLE"),
                    artist=self.set_attrs.get("ARTIST"),
                )
            )
            self.set_attrs = None

    def _playlist_start(self, tag: str, attrib: dict[str, str], parent: str | None) -> None:
        if tag == "NODE":
            owner, seen = self.nodes[-1]
            if owner is None and len(self.nodes) == 1 and not seen and attrib.get("NAME") == "$ROOT":
                self.nodes.append((None, {}))  # $ROOT itself: its children are the top level
                self.cur_node = None
                return
            name = attrib.get("NAME") or ""
            k = seen.get(name, 0) + 1
            seen[name] = k
            base = owner.path if owner is not None else ()
            node = PlaylistNode(
                path=(*base, name if k == 1 else f"{name} [{k}]"),
                name=name,
                type=attrib.get("TYPE") or "",
                position=len(self.s.playlists),
            )
            self.s.playlists.append(node)
            self.nodes.append((node, {}))
            self.cur_node = node
        elif tag == "PLAYLIST" and self.cur_node is not None:
            self.cur_node.uuid = attrib.get("UUID")
            self.cur_node.list_type = attrib.get("TYPE")
            if self.cur_node.list_type == "PROTOCOL":
                self.s.is_history = True
        elif tag == "PRIMARYKEY" and self.cur_node is not None:
            self.cur_node.items.append(PlaylistItem(attrib.get("TYPE") or "TRACK", attrib.get("KEY") or ""))
        elif tag == "EXTENDEDDATA" and self.cur_node is not None and self.cur_node.items:
            self.cur_node.items[-1].extended = dict(attrib)
        elif tag == "SMARTLIST" and self.cur_node is not None:
            self.cur_node.uuid = attrib.get("UUID")
        elif tag == "SEARCH_EXPRESSION" and self.cur_node is not None:
            self.cur_node.query = attrib.get("QUERY")

    def end(self, tag: str) -> None:
        self.stack.pop()
        if self.entry is not None:
            if len(self.stack) == self.entry_depth:
                self._finish_entry(self.entry)
                self.entry = None
            return
        if self.pl_hash is not None:
            if tag == "NODE":
                self.nodes.pop()
                self.cur_node = self.nodes[-1][0] if self.nodes else None
            elif tag == "PLAYLISTS" and len(self.stack) == 1:
                self.s.playlists_hash = self.pl_hash.hexdigest()
                self.pl_hash = None

    def _finish_entry(self, seq: list[Any]) -> None:
        self.s.entry_count += 1
        h = _digest(seq)
        known = self.known
        if known is not None:
            lk = None
            for i in range(1, len(seq), 3):
                if seq[i + 1] == "LOCATION" and seq[i] == 1:
                    g = seq[i + 2]
                    lk = f"{g.get('VOLUME') or ''}{g.get('DIR') or ''}{g.get('FILE') or ''}"
                    break
            if lk is not None and known.get(lk) == h:
                self.out.append(lk)
                return
        t = build_row(seq, h, self.boot) if self.r.rows else build_track(seq, h, self.boot)
        if t is None:
            self.r.skipped_without_location += 1
        else:
            self.out.append(t)

    def close(self) -> None:
        return None


def encoding_hint(msg: str) -> str:
    """What to add to an XML parser's message when bytes were not UTF-8 (Traktor writes nothing else)."""
    low = msg.lower()
    if "not proper utf-8" in low or "encoding" in low or "bytes:" in low or "invalid char" in low:
        return " (wrong encoding or binary data: Traktor writes UTF-8)"
    return ""


class NmlReader:
    """Iterate the collection entries of an NML file; afterwards `.summary` holds head, sets and playlists.

    known: hashes from the last ingest; an entry whose location_key maps to its current hash is yielded as
    the key string alone (unchanged, nothing extracted), every other one as a full `Track` (or, with
    rows=True, as a `tracks` row tuple in rows.TRACK_COLUMNS order: the ingest's fast path).
    """

    CHUNK = 1 << 20

    def __init__(
        self,
        source: str | os.PathLike | IO[bytes],
        *,
        known: Known | None = None,
        boot_volume: str | None = DEFAULT_BOOT_VOLUME,
        rows: bool = False,
    ):
        self.source = source
        self.name = str(source) if isinstance(source, str | os.PathLike) else getattr(source, "name", None)
        self.known = known
        self.boot_volume = boot_volume
        self.rows = rows
        self.summary = NmlSummary()
        self.skipped_without_location = 0
        self.canonical = 0  # entries read by the template (template.py) instead of the XML parser
        self.bytes_read = 0
        self._closing = False

    def _error(self, e: etree.XMLSyntaxError) -> NmlError:
        msg = str(getattr(e, "msg", None) or e)
        line = e.position[0] if getattr(e, "position", None) else getattr(e, "lineno", None)
        return NmlError(self.name, f"malformed XML at line {line}: {msg}{self._hint(msg)}", line=line)

    def _hint(self, msg: str) -> str:
        low = msg.lower()
        if hint := encoding_hint(msg):
            return hint
        if self.bytes_read == 0 or "document is empty" in low:
            return " (the file is empty or not XML)"
        if self._closing:
            return " (the file ends too early: it is incomplete or truncated)"
        if any(x in low for x in ("premature end", "end of data", "not closed", "unclosed", "no element found", "eof")):
            return " (the file is incomplete or truncated)"
        return ""

    def __iter__(self) -> Iterator[Track | str]:
        src = self.source
        own = isinstance(src, str | os.PathLike)
        if self.rows and own:
            from .fastscan import NotSplittable, eligible, iter_fast

            bounds = eligible(src)
            if bounds is not None:
                try:
                    yield from iter_fast(self, bounds)  # type: ignore[misc]
                except NotSplittable as e:  # eligible() ruled out every valid reason: the file is malformed
                    raise NmlError(self.name, str(e)) from e
                return
        try:
            f = open(src, "rb") if own else src  # noqa: SIM115
        except FileNotFoundError as e:
            raise NmlError(self.name, "the file does not exist") from e
        except OSError as e:
            raise NmlError(self.name, f"cannot read the file: {e}") from e
        target = _Target(self)
        parser = etree.XMLParser(
            # "internal": &amp; etc. decoded, external entities never loaded; huge_tree off keeps libxml2's
            # limits against entity amplification (they cap single values, not the file size)
            target=target,
            resolve_entities="internal",
            no_network=True,
            remove_comments=True,
        )
        try:
            while True:
                chunk = f.read(self.CHUNK)
                if not chunk:
                    break
                self.bytes_read += len(chunk)
                parser.feed(chunk)
                if target.out:
                    out, target.out = target.out, []
                    yield from out
            if self.bytes_read == 0:
                raise NmlError(self.name, "the file is empty")
            self._closing = True
            parser.close()
            if target.out:
                out, target.out = target.out, []
                yield from out
            if target.stack:
                raise NmlError(self.name, f"the file is truncated: <{target.stack[-1]}> is never closed")
        except etree.XMLSyntaxError as e:
            raise self._error(e) from e
        except OSError as e:
            raise NmlError(self.name, f"cannot read the file: {e}") from e
        finally:
            if own:
                f.close()


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
