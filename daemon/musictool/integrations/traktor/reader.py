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
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any

from lxml import etree

from .paths import DEFAULT_BOOT_VOLUME, location_key
from .rows import COL, FIELDS, build_row
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


def _track_columns() -> list[tuple[int, str, Any]]:
    """(row index, Track attribute, conversion) for every column a Track carries, from rows.FIELDS."""
    attrs = {f.name for f in fields(Track)}
    to = {"int": _int, "real": _float}
    return [(i, f.column, to.get(f.kind)) for i, f in enumerate(FIELDS) if f.column in attrs]


_TRACK_COLUMNS = _track_columns()
_CUES, _EXTRA = COL["cues_json"], COL["extra_json"]


def track_from_row(row: tuple[Any, ...]) -> Track:
    """The Track of a `tracks` row (rows.build_row): the same values, typed as FIELDS says, cues as Cue objects."""
    t = Track(row[0])
    for i, name, conv in _TRACK_COLUMNS:
        v = row[i]
        setattr(t, name, v if conv is None or v is None else conv(v))
    if row[_CUES]:
        t.cues = [
            Cue(n, _int(d), _int(ty), _float(st), _float(ln), _int(rep), _int(hot), color, _float(grid))
            for n, d, ty, st, ln, rep, hot, color, grid in json.loads(row[_CUES])
        ]
    if row[_EXTRA]:
        t.extra = json.loads(row[_EXTRA])
    return t


def build_track(
    seq: list[Any], content_hash: str, boot_volume: str | None = DEFAULT_BOOT_VOLUME
) -> Track | None:
    """A Track from an entry's event list [ENTRY attrs, depth, tag, attrs, ...]: its row (rows.build_row, the
    one definition of the fields), typed. None when there is no LOCATION."""
    row = build_row(seq, content_hash, boot_volume)
    return None if row is None else track_from_row(row)


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
