"""Safe write-back to collection.nml: change only the named fields of named entries, keep every other byte.

`apply_edits(data, edits)` is pure: it splices new attribute values / elements into the original bytes
(see nmledit.py) and returns the new bytes, which are checked to be well-formed before anything is written.
`commit(path, edits, backups)` does the file work: re-read, edit, temp file + fsync, timestamped backup
(rotated), os.replace, directory fsync; a file that changed under us is re-read and re-edited.
`undo(path, backups)` restores the newest backup (and backs up what it replaces, so undo is undoable too).
Callers must not write while Traktor runs (it overwrites the collection when it quits): see running.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from . import keys as keymod
from .fastscan import not_utf8
from .nmledit import Attr, Node, ScanError, attrs, escape, first_start_tag, scan, start_tag_at, unescape
from .paths import location_key

CHILD_ORDER = [
    "LOCATION",
    "ALBUM",
    "MODIFICATION_INFO",
    "INFO",
    "TEMPO",
    "LOUDNESS",
    "MUSICAL_KEY",
    "LOOPINFO",
    "CUE_V2",
    "STEMS",
]
ATTR_ORDER = {
    "ENTRY": ["MODIFIED_DATE", "MODIFIED_TIME", "LOCK", "AUDIO_ID", "LOCK_MODIFICATION_TIME", "TITLE", "ARTIST"],
    "ALBUM": ["OF_TRACKS", "TRACK", "TITLE"],
    "INFO": [
        "BITRATE", "GENRE", "LABEL", "COMMENT", "COVERARTID", "KEY_LYRICS", "RATING", "REMIXER", "PRODUCER", "MIX",
        "CATALOG_NO", "KEY", "PLAYCOUNT", "PLAYTIME", "PLAYTIME_FLOAT", "RANKING", "IMPORT_DATE", "LAST_PLAYED",
        "RELEASE_DATE", "FLAGS", "FILESIZE", "COLOR",
    ],
    "TEMPO": ["BPM_TRANSIENTCOHERENCE", "BPM", "BPM_QUALITY"],
    "MUSICAL_KEY": ["VALUE"],
    "PLAYLIST": ["ENTRIES", "TYPE", "UUID"],
}  # fmt: skip
CUE_ATTRS = ["NAME", "DISPL_ORDER", "TYPE", "START", "LEN", "REPEATS", "HOTCUE", "COLOR"]

# field name -> (element, attribute) for plain text fields
TEXT_FIELDS = {
    "title": ("ENTRY", "TITLE"),
    "artist": ("ENTRY", "ARTIST"),
    "album": ("ALBUM", "TITLE"),
    "genre": ("INFO", "GENRE"),
    "label": ("INFO", "LABEL"),
    "comment": ("INFO", "COMMENT"),
    "comment2": ("INFO", "RATING"),
    "remixer": ("INFO", "REMIXER"),
    "producer": ("INFO", "PRODUCER"),
    "mix": ("INFO", "MIX"),
    "catalog_no": ("INFO", "CATALOG_NO"),
    "key_lyrics": ("INFO", "KEY_LYRICS"),
}
EDITABLE_FIELDS = frozenset({*TEXT_FIELDS, "bpm", "key", "rating", "cues", "play_count", "location"})
LOCATION_PARTS = ("volume", "dir", "file")


class EditError(ValueError):
    """An edit that cannot be applied (unknown entry or playlist, bad value, file not editable)."""


# -- values: checked when an edit is submitted (a 400 then, not a failure once Traktor has quit) -------------
MAX_TEXT = 4096
# what XML 1.0 cannot hold (tabs and line breaks it can: they are written as character references)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CUE_KEYS = ("name", "displ_order", "type", "start", "length", "repeats", "hotcue", "color", "grid_bpm")


def _text(name: str, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise EditError(f"{name} must be text or null, not {v!r:.40}")
    bad = _NOT_XML.search(v)
    if bad:
        raise EditError(f"{name} holds a character a collection cannot store (U+{ord(bad.group()):04X})")
    if len(v) > MAX_TEXT:
        raise EditError(f"{name} is longer than {MAX_TEXT} characters")
    return v


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}|[0-9]{1,3}")  # Traktor 4 writes "#RRGGBB"; a number is a palette index


def _number(name: str, v: Any, lo: float, hi: float, *, whole: bool = False) -> float:
    """A finite number in [lo, hi] (plain decimal text is accepted: it comes from forms and the CLI)."""
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        raise EditError(f"{name} must be a number, not {v!r:.40}")
    if isinstance(v, str) and not _DECIMAL.fullmatch(v.strip()):
        raise EditError(f"{name} must be a number, not {v!r:.40}")
    try:
        x = float(v)
    except (ValueError, OverflowError):
        raise EditError(f"{name} must be a number, not {v!r:.40}") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise EditError(f"{name} {v!r:.40} is out of range ({lo:g} to {hi:g})")
    if whole and x != int(x):
        raise EditError(f"{name} must be a whole number, not {v!r:.40}")
    return x


def _cue(c: Any) -> dict[str, Any]:
    if not isinstance(c, dict):
        raise EditError(f"a cue must be an object with {', '.join(CUE_KEYS)}, not {c!r:.40}")
    c = dict(c)
    if "len" in c and "length" not in c:
        c["length"] = c.pop("len")
    unknown = set(c) - set(CUE_KEYS)
    if unknown:
        raise EditError(f"unknown cue fields: {', '.join(sorted(unknown))} (known: {', '.join(CUE_KEYS)})")

    def get(k: str, default: Any) -> Any:
        return default if c.get(k) is None else c[k]

    kind = int(_number("cue type", get("type", 0), 0, 5, whole=True))
    grid = c.get("grid_bpm")
    return {
        "name": (_text("cue name", c["name"]) or "") if "name" in c else "n.n.",  # GET shows NAME="" as null
        "displ_order": int(_number("cue displ_order", get("displ_order", 0), -1e6, 1e6, whole=True)),
        "type": kind,
        "start": _number("cue start", get("start", 0.0), -1e9, 1e10),
        "length": _number("cue length", get("length", 0.0), 0, 1e10),
        "repeats": int(_number("cue repeats", get("repeats", -1), -1, 1e6, whole=True)),
        "hotcue": int(_number("cue hotcue", get("hotcue", -1), -1, 7, whole=True)),
        "color": _color(c.get("color")),
        "grid_bpm": None if grid is None else _number("cue grid_bpm", grid, 1e-3, 999.999),
    }


def _color(v: Any) -> str | None:
    """A cue colour as Traktor 4 writes it ("#RRGGBB"); null or "" for none."""
    if v is None or v == "":
        return None
    if not isinstance(v, str) or not _COLOR.fullmatch(v):
        raise EditError(f'cue color must look like "#FF8800", not {v!r:.40}')
    return v


def check_fields(fields: Any) -> dict[str, Any]:
    """The fields of a track edit with every value checked and in its plain form; EditError names the bad one."""
    if not isinstance(fields, dict) or not fields:
        raise EditError(f"fields must be a non-empty object of {', '.join(sorted(EDITABLE_FIELDS))}")
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise EditError(f"fields cannot be edited: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            out[name] = _text(name, value)
        elif name == "bpm":
            bpm = _number("bpm", value, 0, 999)
            if bpm <= 0:
                raise EditError("bpm must be above 0")
            out[name] = bpm
        elif name == "rating":
            out[name] = int(_number("rating", value, 0, 5, whole=True))
        elif name == "play_count":
            out[name] = int(_number("play_count", value, 0, 10_000_000, whole=True))
        elif name == "location":  # a relocated file: {"volume", "dir" ("/:a/:b/:"), "file"}
            if not isinstance(value, dict) or set(value) != set(LOCATION_PARTS):
                raise EditError('location must be {"volume": ..., "dir": "/:a/:b/:", "file": ...}')
            loc = {k: _text(f"location {k}", value[k]) for k in LOCATION_PARTS}
            if not loc["file"] or not (loc["dir"] or "").startswith("/:"):
                raise EditError("location needs a file name and a Traktor DIR such as /:Music/:")
            out[name] = loc
        elif name == "key":
            if isinstance(value, int) and not isinstance(value, bool):
                k = keymod.from_value(value)
            else:
                k = keymod.parse(value) if isinstance(value, str) else None
            if k is None:
                raise EditError(f"unknown key {value!r:.40} (e.g. Am, A minor, 8A, 1m, or 0-23)")
            out[name] = k.value
        else:  # cues: the entry's whole cue list, in order (null or [] removes them all)
            if value is not None and not isinstance(value, list):
                raise EditError("cues must be a list of cue objects")
            out[name] = [_cue(c) for c in value or []]
    return out


@dataclass(slots=True)
class TrackEdit:
    """Set fields of one collection entry. A value of None removes a text field.

    The fields are checked when the edit is made (EditError), so a bad value is refused when it is submitted,
    not once Traktor has quit; afterwards they hold their plain forms (see check_fields)."""

    location_key: str
    fields: dict[str, Any]

    def __post_init__(self) -> None:
        self.fields = check_fields(self.fields)


@dataclass(slots=True)
class RemoveEntry:
    """Take a track out of the collection; the file itself is not touched. In playlists, replace_with (a
    duplicate's keeper) takes its place, or it is removed from them."""

    location_key: str
    replace_with: str | None = None


@dataclass(slots=True)
class PlaylistEdit:
    """Add/remove tracks (by location key) to/from a playlist named by UUID or "/"-joined folder path."""

    playlist: str
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)


Edit = TrackEdit | PlaylistEdit | RemoveEntry


def edit_from_dict(d: dict[str, Any]) -> Edit:
    """Decode an edit as stored in the pending queue / sent over the API."""
    if "remove_entry" in d:
        keeper = d.get("replace_with")
        return RemoveEntry(
            location_key=str(d["remove_entry"]), replace_with=None if keeper is None else str(keeper)
        )
    if "playlist" in d:
        return PlaylistEdit(
            playlist=str(d["playlist"]), add=list(d.get("add") or []), remove=list(d.get("remove") or [])
        )
    return TrackEdit(location_key=str(d["location_key"]), fields=d.get("fields"))


def edit_to_dict(e: Edit) -> dict[str, Any]:
    if isinstance(e, PlaylistEdit):
        return {"playlist": e.playlist, "add": e.add, "remove": e.remove}
    if isinstance(e, RemoveEntry):
        return {"remove_entry": e.location_key, "replace_with": e.replace_with}
    return {"location_key": e.location_key, "fields": e.fields}


def format_float(v: float, version: int) -> str:
    """Traktor writes 6 decimals from NML VERSION 19 on; before, a plain decimal with as many digits as the value
    needs ("130", "37223.741496598639"): the shortest text that reads back as the same number, never an exponent."""
    if version >= 19:
        return f"{v:.6f}"
    text = repr(float(v))
    if "e" in text or "E" in text:
        text = f"{v:.17f}".rstrip("0")
    return text[:-2] if text.endswith(".0") else text.rstrip(".")


@dataclass(slots=True)
class _Splice:
    start: int
    end: int
    data: bytes
    seq: int


class Document:
    """The original bytes plus their tag spans; collects splices and renders the edited bytes."""

    def __init__(self, data: bytes):
        self.data = data
        why = not_utf8(data[:512])
        if why:
            raise EditError(f"MusicTool edits only UTF-8 collections, as Traktor writes them, and {why}")
        root = first_start_tag(data)
        if root is None:
            raise EditError("the collection cannot be edited safely: no root element")
        if root.tag != "NML":
            raise EditError(f"not an NML file (root element <{root.tag}>)")
        self.root_tag = root
        # new lines inside what we add follow the file's own line ends (CRLF in files re-saved on Windows)
        self.newline = b"\r\n" if b"\r\n" in data[: root.start_end + 4096] else b"\n"
        v = attrs(data, root).get("VERSION")
        try:
            self.version = int(unescape(v.raw)) if v else 19
        except ValueError:
            self.version = 19
        self._splices: list[_Splice] = []
        self._entries: dict[str, Node] | None = None
        self._found: dict[str, Node | None] = {}
        self._regions: dict[str, Node | None] = {}
        self._removed: dict[int, tuple[Node, int]] = {}  # parent start -> (parent, entries removed from it)

    # -- lookups -----------------------------------------------------------------------------------------
    def attr(self, node: Node, name: str) -> str | None:
        a = attrs(self.data, node).get(name)
        return unescape(a.raw) if a else None

    def _scan(self, start: int, end: int) -> Node:
        try:
            return scan(self.data, start, end)
        except ScanError as e:
            raise EditError(f"the collection cannot be edited safely: {e}") from e

    def region(self, tag: str) -> Node | None:
        """A top-level section (COLLECTION, PLAYLISTS) scanned on its own: the rest is never tokenised."""
        if tag not in self._regions:
            data = self.data
            start = data.find(b"<" + tag.encode(), self.root_tag.start_end)
            node = None
            while start != -1 and data[start + 1 + len(tag) : start + 2 + len(tag)] not in (
                b" ",
                b">",
                b"/",
                b"\t",
                b"\r",
                b"\n",
            ):
                start = data.find(b"<" + tag.encode(), start + 1)
            if start != -1:
                head = start_tag_at(data, start)
                if head is not None and head.tag == tag:
                    if data[head.start_end - 2 : head.start_end] == b"/>":
                        node = self._scan(start, head.start_end)
                    else:
                        close = data.find(b"</" + tag.encode() + b">", head.start_end)
                        if close == -1:
                            raise EditError(
                                f"the collection cannot be edited safely: <{tag}> is never closed"
                            )
                        node = self._scan(start, close + len(tag) + 3)
            self._regions[tag] = node
        return self._regions[tag]

    def find_entry(self, key: str) -> Node | None:
        """The first COLLECTION ENTRY whose LOCATION makes `key`, found by a byte search for its FILE value.

        Only that entry is tokenised, so a 100,000-track file costs one bytes.find, not a full scan. Files
        whose escaping differs from Traktor's fall back to scanning the whole COLLECTION once.
        """
        if key in self._found:
            return self._found[key]
        node = self._find_fast(key)
        if node is None and self._entries is None:
            node = self.entries().get(key)
        elif node is None:
            node = self._entries.get(key)
        self._found[key] = node
        return node

    def _collection_bounds(self) -> tuple[int, int] | None:
        data = self.data
        start = data.find(b"<COLLECTION", self.root_tag.start_end)
        if start == -1:
            return None
        end = data.find(b"</COLLECTION>", start)
        return (start, len(data) if end == -1 else end)

    def _find_fast(self, key: str) -> Node | None:
        if "/:" not in key:
            return None
        file_ = key[key.rindex("/:") + 2 :]
        if not file_:
            return None
        bounds = self._collection_bounds()
        if bounds is None:
            return None
        data = self.data
        needle = b'FILE="' + escape(file_) + b'"'
        pos = data.find(needle, bounds[0], bounds[1])
        while pos != -1:
            lt = data.rfind(b"<", bounds[0], pos)
            loc = start_tag_at(data, lt) if lt != -1 else None
            if loc is not None and loc.tag == "LOCATION" and loc.start_end > pos:
                a = attrs(data, loc)
                got = location_key(*(unescape(a[n].raw) if n in a else "" for n in ("VOLUME", "DIR", "FILE")))
                if got == key:
                    estart = data.rfind(b"<ENTRY", bounds[0], lt)
                    eend = data.find(b"</ENTRY>", loc.start_end)
                    if estart != -1 and eend != -1:
                        entry = self._scan(estart, eend + len(b"</ENTRY>"))
                        if entry.tag == "ENTRY" and entry.children and entry.children[0].start == lt:
                            return entry
                        if entry.tag == "ENTRY" and any(c.start == lt for c in entry.children):
                            return entry
            pos = data.find(needle, pos + 1, bounds[1])
        return None

    def entries(self) -> dict[str, Node]:
        """Every COLLECTION entry by location key (the slow path: tokenises the whole COLLECTION)."""
        if self._entries is None:
            out: dict[str, Node] = {}
            coll = self.region("COLLECTION")
            for e in coll.findall("ENTRY") if coll else []:
                loc = e.find("LOCATION")
                if loc is None:
                    continue
                a = attrs(self.data, loc)
                key = location_key(*(unescape(a[n].raw) if n in a else "" for n in ("VOLUME", "DIR", "FILE")))
                out.setdefault(key, e)
            self._entries = out
        return self._entries

    def playlist_nodes(self) -> dict[str, Node]:
        """PLAYLIST elements by UUID and by "/"-joined unique path (the same naming as reader.py)."""
        out: dict[str, Node] = {}
        self.ambiguous: set[str] = set()
        pls = self.region("PLAYLISTS")
        top = pls.find("NODE") if pls else None

        def walk(node: Node, parent: tuple[str, ...]) -> None:
            sub = node.find("SUBNODES")
            if sub is None:
                return
            seen: dict[str, int] = {}
            for child in sub.findall("NODE"):
                name = self.attr(child, "NAME") or ""
                n = seen.get(name, 0) + 1
                seen[name] = n
                path = (*parent, name if n == 1 else f"{name} [{n}]")
                pl = child.find("PLAYLIST")
                if pl is not None:
                    joined = "/".join(path)
                    if joined in out:  # "A" > "B" and a playlist named "A/B": the path names neither
                        self.ambiguous.add(joined)
                    out[joined] = pl
                    uuid = self.attr(pl, "UUID")
                    if uuid:
                        out[uuid] = pl
                walk(child, path)

        if top is not None:
            walk(top, ())
        return out

    # -- splices -----------------------------------------------------------------------------------------
    def splice(self, start: int, end: int, data: bytes) -> None:
        self._splices.append(_Splice(start, end, data, len(self._splices)))

    def render(self) -> bytes:
        if not self._splices:
            return self.data
        sp = sorted(self._splices, key=lambda s: (s.start, s.end, s.seq))
        out: list[bytes] = []
        pos = 0
        for s in sp:
            if s.start < pos:
                raise EditError("internal error: overlapping edits")
            out.append(self.data[pos : s.start])
            out.append(s.data)
            pos = s.end
        out.append(self.data[pos:])
        return b"".join(out)

    def set_attr(self, node: Node, name: str, value: str | None) -> None:
        have = attrs(self.data, node)
        a = have.get(name)
        if a is not None:
            if value is None:
                self.splice(a.start, a.value_end + 1, b"")
            else:
                new = escape(value, self.data[a.value_start - 1 : a.value_start])
                if new != a.raw:
                    self.splice(a.value_start, a.value_end, new)
            return
        if value is None:
            return
        text = b" " + name.encode() + b'="' + escape(value) + b'"'
        pos = self._attr_insert_pos(node.tag, name, have, node.attrs_end)
        self.splice(pos, pos, text)

    @staticmethod
    def _attr_insert_pos(tag: str, name: str, have: dict[str, Attr], default: int) -> int:
        order = ATTR_ORDER.get(tag)
        if not order or name not in order:
            return default
        idx = order.index(name)
        for a in have.values():
            if a.name in order and order.index(a.name) > idx:
                return a.start
        return default

    def indent_of(self, node: Node) -> bytes:
        """The whitespace that precedes `node` if it starts a new line, else a plain newline (raw layout)."""
        i = node.start
        j = i
        while j > 0 and self.data[j - 1 : j] in (b" ", b"\t", b"\r", b"\n"):
            j -= 1
        ws = self.data[j:i]
        return ws if b"\n" in ws else self.newline

    def insert_child(self, parent: Node, new: bytes, after: Node | None) -> None:
        """Insert a new child element after `after` (or as the first child), in the file's own layout."""
        if after is not None:
            self.splice(after.end, after.end, self.indent_of(after) + new)
        elif parent.children:
            first = parent.children[0]
            sep = self.indent_of(parent.children[1]) if len(parent.children) > 1 else self.indent_of(first)
            self.splice(first.start, first.start, new + sep)
        else:
            if parent.self_closing:
                raise EditError(f"cannot add a child to the self-closing <{parent.tag}/> element")
            self.splice(parent.start_end, parent.start_end, new + self.newline)

    def remove_children(self, nodes: list[Node]) -> None:
        """Remove sibling elements with the whitespace that separated them, keeping the layout around them."""
        if not nodes:
            return
        parent = nodes[0].parent
        assert parent is not None
        sibs = parent.children
        idx = sorted({sibs.index(n) for n in nodes})
        runs: list[tuple[int, int]] = []
        for i in idx:
            if runs and runs[-1][1] == i - 1:
                runs[-1] = (runs[-1][0], i)
            else:
                runs.append((i, i))
        for a, b in runs:
            if a > 0:
                self.splice(sibs[a - 1].end, sibs[b].end, b"")
            elif b + 1 < len(sibs):
                self.splice(sibs[a].start, sibs[b + 1].start, b"")
            else:
                self.splice(sibs[a].start, parent.end_start, b"")

    def remove_child(self, node: Node) -> None:
        self.remove_children([node])


def _element(tag: str, values: dict[str, str], inner: bytes = b"") -> bytes:
    a = b"".join(b" " + k.encode() + b'="' + escape(v) + b'"' for k, v in values.items())
    return b"<" + tag.encode() + a + b">" + inner + b"</" + tag.encode() + b">"


def _cue_values(c: dict[str, Any], version: int) -> tuple[dict[str, str], float | None]:
    """A checked cue (see _cue) as CUE_V2 attribute texts, and its grid BPM."""
    vals = {
        "NAME": c["name"],
        "DISPL_ORDER": str(c["displ_order"]),
        "TYPE": str(c["type"]),
        "START": format_float(c["start"], version),
        "LEN": format_float(c["length"], version),
        "REPEATS": str(c["repeats"]),
        "HOTCUE": str(c["hotcue"]),
    }
    if c["color"]:
        vals["COLOR"] = c["color"]
    return vals, c["grid_bpm"]


def _same_cue(doc: Document, node: Node, vals: dict[str, str], grid: float | None) -> bool:
    have = {k: unescape(a.raw) for k, a in attrs(doc.data, node).items()}
    for k in CUE_ATTRS:
        a, b = have.get(k), vals.get(k)
        if a == b:
            continue
        if a is None or b is None:
            return False
        try:
            if k in ("START", "LEN") and abs(float(a) - float(b)) < 1e-6:
                continue
        except ValueError:
            return False
        return False
    g = node.find("GRID")
    gb = doc.attr(g, "BPM") if g is not None else None
    if (gb is None) != (grid is None):
        return False
    return gb is None or abs(float(gb) - float(grid)) < 1e-6  # type: ignore[arg-type]


def _cue_bytes(vals: dict[str, str], grid: float | None, version: int, newline: bytes = b"\n") -> bytes:
    inner = _element("GRID", {"BPM": format_float(grid, version)}) + newline if grid is not None else b""
    return _element("CUE_V2", vals, inner)


def _after_for(entry: Node, tag: str) -> Node | None:
    """The existing child after which a new `tag` child belongs (Traktor's child order)."""
    idx = CHILD_ORDER.index(tag)
    last = None
    for c in entry.children:
        ci = CHILD_ORDER.index(c.tag) if c.tag in CHILD_ORDER else None
        if ci is not None and ci <= idx:
            last = c
    return last


def _apply_track(doc: Document, e: TrackEdit) -> None:
    entry = doc.find_entry(e.location_key)
    if entry is None:
        raise EditError(f"no collection entry with location {e.location_key!r}")
    wanted: dict[str, dict[str, str | None]] = {}
    for name, value in e.fields.items():
        if name in TEXT_FIELDS:
            el, at = TEXT_FIELDS[name]
            wanted.setdefault(el, {})[at] = value
        elif name == "bpm":
            wanted.setdefault("TEMPO", {})["BPM"] = format_float(value, doc.version)
        elif name == "rating":
            wanted.setdefault("INFO", {})["RANKING"] = str(value * 51)
        elif name == "play_count":
            wanted.setdefault("INFO", {})["PLAYCOUNT"] = str(value)
        elif name == "location":
            wanted.setdefault("LOCATION", {}).update({k.upper(): v for k, v in value.items()})
            _rekey_playlists(doc, e.location_key, location_key(value["volume"], value["dir"], value["file"]))
        elif name == "key":
            k = keymod.from_value(value)
            assert k is not None
            info = entry.find("INFO")
            old_text = doc.attr(info, "KEY") if info is not None else None
            wanted.setdefault("INFO", {})["KEY"] = keymod.text_in(
                k, keymod.notation_of(old_text) or "open_key"
            )
            if doc.version >= 16 or entry.find("MUSICAL_KEY") is not None:
                wanted.setdefault("MUSICAL_KEY", {})["VALUE"] = str(k.value)
    for el, values in wanted.items():
        node = entry if el == "ENTRY" else entry.find(el)
        if node is None:
            present = {k: v for k, v in values.items() if v is not None}
            if not present:
                continue
            order = ATTR_ORDER.get(el, [])
            ordered = dict(
                sorted(present.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
            )
            doc.insert_child(entry, _element(el, ordered), _after_for(entry, el))
            continue
        for at, v in values.items():
            doc.set_attr(node, at, v)
    if "cues" in e.fields:
        _apply_cues(doc, entry, e.fields["cues"])


def _playlist_refs(doc: Document, key: str) -> list[Node]:
    """The PRIMARYKEY elements of playlist entries that point at key."""
    pls = doc.region("PLAYLISTS")
    if pls is None:
        return []
    out = []
    stack = [pls]
    while stack:
        n = stack.pop()
        for c in n.children:
            if c.tag == "PRIMARYKEY":
                if doc.attr(c, "KEY") == key:
                    out.append(c)
            else:
                stack.append(c)
    return out


def _rekey_playlists(doc: Document, old: str, new: str) -> None:
    for pk in _playlist_refs(doc, old):
        doc.set_attr(pk, "KEY", new)


def _apply_remove(doc: Document, e: RemoveEntry) -> None:
    entry = doc.entries().get(e.location_key)
    if entry is None:
        raise EditError(f"no collection entry with location {e.location_key!r}")
    if e.replace_with is not None and doc.find_entry(e.replace_with) is None:
        raise EditError(f"no collection entry with location {e.replace_with!r}")
    gone: dict[int, list[Node]] = {}
    for pk in _playlist_refs(doc, e.location_key):
        item, pl = pk.parent, pk.parent.parent if pk.parent is not None else None
        if item is None or pl is None:
            continue
        has_keeper = e.replace_with is not None and any(
            (p := it.find("PRIMARYKEY")) is not None and doc.attr(p, "KEY") == e.replace_with
            for it in pl.findall("ENTRY")
        )
        if e.replace_with is not None and not has_keeper:
            doc.set_attr(pk, "KEY", e.replace_with)  # the keeper takes the copy's place in the list
        else:
            gone.setdefault(pl.start, []).append(item)
    for items in gone.values():
        doc.remove_children(items)
        _count_removed(doc, items[0].parent, len(items))
    doc.remove_child(entry)
    _count_removed(doc, entry.parent, 1)


def _count_removed(doc: Document, parent: Node | None, n: int) -> None:
    if parent is None:
        return
    node, count = doc._removed.get(parent.start, (parent, 0))
    doc._removed[parent.start] = (node, count + n)


def _fix_counts(doc: Document) -> None:
    """ENTRIES of the collection and the playlists that lost entries, set once each."""
    for node, n in doc._removed.values():
        if doc.attr(node, "ENTRIES") is not None:
            doc.set_attr(node, "ENTRIES", str(len(node.findall("ENTRY")) - n))


def _apply_cues(doc: Document, entry: Node, cues: Iterable[dict[str, Any]]) -> None:
    new = [_cue_values(c, doc.version) for c in cues]
    old = entry.findall("CUE_V2")
    for i, (vals, grid) in enumerate(new[: len(old)]):
        if not _same_cue(doc, old[i], vals, grid):
            doc.splice(old[i].start, old[i].end, _cue_bytes(vals, grid, doc.version, doc.newline))
    if len(new) > len(old):
        extra = [_cue_bytes(v, g, doc.version, doc.newline) for v, g in new[len(old) :]]
        anchor = old[-1] if old else _after_for(entry, "CUE_V2")
        if anchor is None:
            raise EditError("entry has no LOCATION to anchor cues after")
        sep = doc.indent_of(anchor)
        doc.splice(anchor.end, anchor.end, b"".join(sep + x for x in extra))
    doc.remove_children(old[len(new) :])


def _apply_playlist(doc: Document, e: PlaylistEdit) -> None:
    pl = doc.playlist_nodes().get(e.playlist)
    if e.playlist in doc.ambiguous:
        raise EditError(f"two playlists have the path {e.playlist!r}: rename one in Traktor first")
    if pl is None:
        raise EditError(f"no playlist {e.playlist!r} (give its UUID or its folder path, e.g. 'Sets/Friday')")
    items = pl.findall("ENTRY")
    keys: list[str] = []
    for it in items:
        pk = it.find("PRIMARYKEY")
        keys.append(doc.attr(pk, "KEY") or "" if pk is not None else "")
    nl = doc.newline
    gone: list[Node] = []
    for rk in dict.fromkeys(e.remove):
        hits = [i for i, k in enumerate(keys) if k == rk]
        if not hits:
            raise EditError(f"track {rk!r} is not in playlist {e.playlist!r}")
        gone.extend(items[i] for i in hits)
    removed = len(gone)
    added = []
    for ak in e.add:
        if doc.find_entry(ak) is None:
            raise EditError(f"no collection entry with location {ak!r}")
        added.append(b"<ENTRY>" + _element("PRIMARYKEY", {"TYPE": "TRACK", "KEY": ak}) + nl + b"</ENTRY>")
    removing = set(e.remove)
    survivors = [it for i, it in enumerate(items) if keys[i] not in removing]
    if added and items and not survivors:
        # every old entry goes and new ones come: they take the old ones' place
        sep = doc.indent_of(items[1]) if len(items) > 1 else nl
        doc.splice(items[0].start, items[-1].end, sep.join(added))
    else:
        doc.remove_children(gone)
        if added and survivors:
            anchor = survivors[-1]
            sep = doc.indent_of(anchor)
            doc.splice(anchor.end, anchor.end, b"".join(sep + x for x in added))
        elif added and pl.self_closing:  # <PLAYLIST ... /> (files from other writers): open it to hold them
            close = doc.data.rindex(b"/>", pl.start, pl.start_end)
            while doc.data[close - 1 : close] in (b" ", b"\t", b"\r", b"\n"):
                close -= 1
            doc.splice(close, pl.start_end, b">" + b"".join(x + nl for x in added) + b"</PLAYLIST>")
        elif added:
            doc.splice(pl.start_end, pl.start_end, b"".join(x + nl for x in added))
    count = len(items) - removed + len(added)
    if doc.attr(pl, "ENTRIES") is not None:
        doc.set_attr(pl, "ENTRIES", str(count))


def apply_edits(data: bytes, edits: Iterable[Edit]) -> bytes:
    """The file's bytes with the edits applied; unedited bytes are untouched. Raises EditError."""
    try:
        return _apply_all(data, edits)
    except UnicodeError as e:  # bytes that are not UTF-8 in a part the edit had to read
        raise EditError(f"the collection is not valid UTF-8, so it was not edited ({e.reason})") from None


def _apply_all(data: bytes, edits: Iterable[Edit]) -> bytes:
    doc = Document(data)
    seen_tracks: set[str] = set()
    seen_pls: set[str] = set()
    for e in edits:
        if isinstance(e, TrackEdit):
            if e.location_key in seen_tracks:
                raise EditError(f"two edits for {e.location_key!r}: merge them into one")
            seen_tracks.add(e.location_key)
            _apply_track(doc, e)
        elif isinstance(e, RemoveEntry):
            if e.location_key in seen_tracks:
                raise EditError(f"two edits for {e.location_key!r}: merge them into one")
            seen_tracks.add(e.location_key)
            _apply_remove(doc, e)
        else:
            if e.playlist in seen_pls:
                raise EditError(f"two edits for playlist {e.playlist!r}: merge them into one")
            seen_pls.add(e.playlist)
            _apply_playlist(doc, e)
    _fix_counts(doc)
    out = doc.render()
    if out is not data:
        try:
            check_well_formed(out)
        except EditError:
            check_well_formed(data, "the collection is not well-formed XML, so it was not edited")
            raise
    return out


class _Null:
    """A parser target that keeps nothing: checks well-formedness with flat memory at any size."""

    def start(self, tag: str, attrib: Any) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def close(self) -> None:
        pass


def check_well_formed(
    data: bytes, what: str = "internal error: the edited collection would not be well-formed"
) -> None:
    parser = etree.XMLParser(target=_Null(), resolve_entities=False, no_network=True)
    try:
        view = memoryview(data)
        for i in range(0, len(data), 1 << 20):
            parser.feed(bytes(view[i : i + (1 << 20)]))
        parser.close()
    except etree.XMLSyntaxError as e:
        raise EditError(f"{what} ({e})") from e


# -- files -------------------------------------------------------------------------------------------------


def _fsync_dir(d: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_synced(path: Path, data: bytes, like: os.stat_result | None = None) -> None:
    """Write a new temp file beside `path` (O_EXCL, hidden name), fsync, os.replace, fsync the folder: a reader
    sees the old file or the whole new one, never half; a full disk or a crash leaves `path` as it was. The new
    file gets the mode (and, where allowed, the owner) of `like`, else 0600."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.musictool-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if like is not None:
                os.fchmod(f.fileno(), stat.S_IMODE(like.st_mode))
                if (like.st_uid, like.st_gid) != (os.getuid(), os.getgid()):
                    with contextlib.suppress(OSError):
                        os.fchown(f.fileno(), like.st_uid, like.st_gid)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the collection atomically, keeping its mode; a symlink stays a symlink (its target is replaced)."""
    real = Path(os.path.realpath(path))
    try:
        like: os.stat_result | None = real.stat()
    except FileNotFoundError:
        like = None
    _replace_synced(real, data, like)


_BACKUP_RE = re.compile(r"^(?P<stem>.+)-(?P<ts>\d{8}T\d{6}\.\d{6}Z)(?P<tag>-[a-z-]+)?\.nml$")


def make_backup(path: Path, data: bytes, backups: Path, keep: int, tag: str = "") -> Path:
    """A backup appears under its name whole or not at all (temp + fsync + rename), private to the user, with the
    SHA-256 of its bytes recorded beside it first, so undo can tell a damaged backup from a good one."""
    backups.mkdir(mode=0o700, parents=True, exist_ok=True)
    while True:
        ts = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        dest = backups / f"{path.stem}-{ts}{'-' + tag if tag else ''}.nml"
        if not dest.exists():
            break
        time.sleep(0.000001)
    _replace_synced(_hash_file(dest), _sha256(data).encode())
    try:
        _replace_synced(dest, data)
    except BaseException:
        with contextlib.suppress(OSError):
            _hash_file(dest).unlink()
        raise
    rotate_backups(path, backups, keep)
    return dest


def _drop_backup(backup: Path) -> None:
    for p in (backup, _result_file(backup), _hash_file(backup)):
        with contextlib.suppress(OSError):
            p.unlink()


def list_backups(path: Path, backups: Path) -> list[Path]:
    """Our backups of `path`, newest first."""
    if not backups.is_dir():
        return []
    found = []
    for p in backups.iterdir():
        m = _BACKUP_RE.match(p.name)
        if m and m.group("stem") == path.stem:
            found.append((m.group("ts"), p))
    return [p for _, p in sorted(found, reverse=True)]


def rotate_backups(path: Path, backups: Path, keep: int) -> None:
    """Keep the newest `keep` backups taken before writes (each is one step of undo) and, apart from them, the
    newest `keep` safety copies that undo itself leaves (-before-undo, -undone): those must not use up the undo
    steps."""
    plain, tagged = [], []
    for b in list_backups(path, backups):
        (tagged if _left_by_undo(b) else plain).append(b)
    for old in plain[max(1, keep) :] + tagged[max(1, keep) :]:
        _drop_backup(old)


def _left_by_undo(backup: Path) -> bool:
    """A safety copy undo made (-before-undo) or a backup it already restored (-undone): not an undo step."""
    return backup.name.endswith(("-before-undo.nml", "-undone.nml"))


def _result_file(backup: Path) -> Path:
    """Beside each backup: the SHA-256 of the file the write that took it left behind."""
    return backup.with_name(backup.name + ".result")


def _hash_file(backup: Path) -> Path:
    """Beside each backup: the SHA-256 of the backup itself, written when it was made."""
    return backup.with_name(backup.name + ".sha256")


def check_backup(backup: Path, data: bytes) -> None:
    """EditError unless `data` (read from `backup`) is well-formed XML and the bytes whose SHA-256 was recorded
    when the backup was made."""
    check_well_formed(
        data,
        f"the backup {backup.name} is damaged: it is not well-formed XML ({len(data)} bytes, cut short?); it "
        "was not restored. Undo with force to restore it anyway",
    )
    try:
        recorded = _hash_file(backup).read_text().strip()
    except OSError:
        recorded = None  # a backup from before hashes were recorded: well-formedness is all we can check
    if recorded and _sha256(data) != recorded:
        raise EditError(
            f"the backup {backup.name} is damaged: its SHA-256 is not the one recorded when it was made "
            f"({len(data)} bytes now); it was not restored. Undo with force to restore it anyway"
        )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class CommitResult:
    path: str
    backup: str | None
    changed: bool
    bytes_before: int
    bytes_after: int


def commit(
    path: str | os.PathLike,
    edits: list[Edit],
    backups: str | os.PathLike,
    keep: int = 20,
    check: Callable[[], None] | None = None,
) -> CommitResult:
    """Apply edits to the file on disk safely. Blocking: run it in a thread.

    `check` runs right before the replace (running.ensure_not_running: Traktor may have started meanwhile); if
    it raises, nothing is written and the backup taken for this write is dropped."""
    p = Path(path)
    for _attempt in range(3):
        data = p.read_bytes()
        new = apply_edits(data, edits)
        if new == data:
            return CommitResult(str(p), None, False, len(data), len(new))
        if p.read_bytes() != data:  # Traktor (or anyone) rewrote it while we edited: start over
            continue
        backup = make_backup(p, data, Path(backups), keep)
        try:
            if check is not None:
                check()
        except BaseException:
            _drop_backup(backup)
            raise
        atomic_write(p, new)
        with contextlib.suppress(OSError):  # without it, undo cannot tell whether Traktor saved since
            _replace_synced(_result_file(backup), _sha256(new).encode())
        return CommitResult(str(p), str(backup), True, len(data), len(new))
    raise EditError(f"{p} keeps changing while we edit it; try again when Traktor has quit")


def undo_source(path: Path, backups: Path, backup: str | None = None) -> Path:
    """The backup an undo restores: `backup`, else the newest one taken before a write and not undone yet."""
    chosen = (
        Path(backup)
        if backup
        else next(
            (x for x in list_backups(path, backups) if not _left_by_undo(x)),
            None,
        )
    )
    if chosen is None or not chosen.is_file():
        raise EditError(f"no backup of {path.name} to restore in {backups}")
    return chosen


def dry_run(path: str | os.PathLike, edits: list[Edit]) -> None:
    """Raise the EditError applying `edits` to the file as it is now would raise; writes nothing."""
    apply_edits(Path(path).read_bytes(), edits)


def undo(
    path: str | os.PathLike,
    backups: str | os.PathLike,
    keep: int = 20,
    backup: str | None = None,
    force: bool = False,
    check: Callable[[], None] | None = None,
) -> CommitResult:
    """Restore the newest backup (or `backup`); the current file is backed up first, tagged "before-undo".

    Refused when the file is no longer the one the undone write left (Traktor saved it since): restoring would
    throw Traktor's changes away; and when the backup is damaged (not well-formed, or not the bytes whose hash
    was recorded when it was made). `force` restores anyway (the current file is still backed up first).
    `check` runs right before the replace, as in commit.
    """
    p = Path(path)
    b = Path(backups)
    chosen = undo_source(p, b, backup)
    restored = chosen.read_bytes()
    current = p.read_bytes() if p.exists() else b""
    try:
        expected = _result_file(chosen).read_text().strip()
    except OSError:
        expected = None  # a backup from before results were recorded
    if not force:
        check_backup(chosen, restored)
    if not force and expected and current and _sha256(current) != expected:
        raise EditError(
            f"{p.name} has changed since MusicTool wrote it (Traktor saved it since), so undoing would throw "
            "those changes away; undo with force to restore the backup anyway (the current file is backed up "
            "first)"
        )
    safety = make_backup(p, current, b, keep, tag="before-undo") if current else None
    try:
        if check is not None:
            check()
    except BaseException:
        if safety is not None:
            _drop_backup(safety)
        raise
    atomic_write(p, restored)
    with contextlib.suppress(OSError):  # consumed (kept, renamed): the next undo goes one step further back
        undone = chosen.with_name(chosen.name[: -len(".nml")] + "-undone.nml")
        chosen.rename(undone)
        with contextlib.suppress(OSError):
            _hash_file(chosen).rename(_hash_file(undone))
        _result_file(chosen).unlink()
    return CommitResult(str(p), str(chosen), True, len(current), len(restored))
