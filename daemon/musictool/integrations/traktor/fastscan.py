"""The ingest's fast path: split COLLECTION into entries by bytes, hash raw bytes, parse only what changed.

In Traktor's own files every collection entry is `<ENTRY ...>...</ENTRY>`, and `<` never occurs inside an
attribute value, so the entries can be cut out of the bytes with plain finds (C speed). Each entry's raw bytes
are hashed; an entry whose hash the database already holds is unchanged and is never parsed at all, so a
re-ingest after Traktor saved costs about one read of the file. Entries that are new or changed are fed one by
one to an lxml parser whose target only records start tags (no end or text callbacks). Everything outside
COLLECTION (head, sets, playlists, indexing) goes through the normal reader target.

Used only when it is safe: a UTF-8 file whose COLLECTION holds no comment, processing instruction, CDATA or
self-closing tag (`eligible()`); anything else takes the reader's general path.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lxml import etree

from .rows import build_row

if TYPE_CHECKING:
    from .reader import NmlReader

CHUNK = 4 << 20
_ENC = re.compile(rb'^\s*<\?xml[^>]*encoding\s*=\s*["\']([A-Za-z0-9._-]+)["\']', re.I)
_WS = frozenset(b" \t\r\n")


def _find_tag(f: Any, needle: bytes, start: int) -> int:
    """Offset of the first `needle` (followed by whitespace, > or /) at or after `start`, or -1."""
    f.seek(start)
    base = start
    carry = b""
    while True:
        chunk = f.read(CHUNK)
        if not chunk:
            return -1
        buf = carry + chunk
        i = buf.find(needle)
        while i != -1:
            nxt = buf[i + len(needle) : i + len(needle) + 1]
            if not nxt:
                break  # need more bytes to decide
            if nxt in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
                return base - len(carry) + i
            i = buf.find(needle, i + 1)
        keep = len(needle)
        carry = buf[-keep:]
        base += len(chunk)


def _find_tag_mm(mm: mmap.mmap, needle: bytes, start: int) -> int:
    """Offset of the first `needle` (followed by whitespace, > or /) at or after `start`, or -1."""
    i = mm.find(needle, start)
    n = len(needle)
    while i != -1:
        if mm[i + n : i + n + 1] in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
            return i
        i = mm.find(needle, i + 1)
    return -1


def _after_lt(mm: mmap.mmap, c: bytes, start: int, end: int) -> bool:
    """Whether "<" + c occurs in mm[start + 1:end]; c is rare in NML text, so memchr for it is the fast way."""
    i = mm.find(c, start + 2, end)
    while i != -1:
        if mm[i - 1] == 0x3C:  # "<"
            return True
        i = mm.find(c, i + 1, end)
    return False


def eligible(path: str | os.PathLike) -> tuple[int, int] | None:
    """(offset of "<COLLECTION", offset of "</COLLECTION>") when the fast path is safe for this file.

    Searches a read-only map of the file: no copies, each find runs at memory speed.
    """
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            head = mm[:512]
            if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:64]:
                return None  # UTF-16/32
            m = _ENC.match(head.removeprefix(b"\xef\xbb\xbf"))
            if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
                return None
            start = _find_tag_mm(mm, b"<COLLECTION", 0)
            if start == -1:
                return None
            end = _find_tag_mm(mm, b"</COLLECTION", start)
            if end == -1:
                return None
            if _after_lt(mm, b"!", start, end) or _after_lt(mm, b"?", start, end):
                return None  # comment, CDATA, doctype or processing instruction
            if mm.find(b"/>", start + 1, end) != -1:
                return None  # self-closing tag
            return start, end
    except (OSError, ValueError):  # ValueError: an empty file cannot be mapped
        return None


class _Lean:
    """Start tags only: [ENTRY attrs, depth, tag, attrs, ...] of the one entry just fed (GRID is depth 2)."""

    def __init__(self) -> None:
        self.cur: list[Any] | None = None

    def start(self, tag: str, attrib: Any) -> None:
        if not attrib:
            attrib = {}
        if tag == "ENTRY":
            self.cur = [attrib]
        elif self.cur is not None:
            self.cur.append(2 if tag == "GRID" else 1)
            self.cur.append(tag)
            self.cur.append(attrib)

    def close(self) -> None:
        return None


def iter_fast(
    reader: NmlReader, bounds: tuple[int, int], part: int = 0, parts: int = 1, batch: int = 2000
) -> Iterator[tuple[Any, ...] | str | None]:
    """Rows of new/changed entries and the location keys of unchanged ones, in document order.

    parts > 1: only the entries of every parts-th run of `batch` entries (from the part-th) are hashed and
    parsed (several processes share one parse); None is yielded after each such run.
    """
    from .reader import NmlError, _Target

    start, end = bounds
    path = reader.source
    by_hash = {h: k for k, h in (reader.known or {}).items()}
    boot = reader.boot_volume
    s = reader.summary
    full = _Target(reader)
    outer = etree.XMLParser(target=full, resolve_entities="internal", no_network=True, remove_comments=True)
    lean_t = _Lean()
    lean = etree.XMLParser(target=lean_t, resolve_entities="internal", no_network=True)
    lean.feed(b"<C>")
    b2b = hashlib.blake2b
    count = 0
    with open(path, "rb") as f:  # type: ignore[arg-type]
        # everything before the entries, up to and including the COLLECTION start tag
        f.seek(0)
        pre = f.read(start)
        f.seek(start)
        tag = f.read(4096)
        gt = tag.find(b">")
        if gt == -1:
            raise NmlError(reader.name, "the COLLECTION start tag is not closed")
        pre += tag[: gt + 1]
        try:
            outer.feed(pre)
        except etree.XMLSyntaxError as e:
            raise reader._error(e) from e
        reader.bytes_read += len(pre)
        pos = start + gt + 1
        f.seek(pos)
        buf = b""
        base = pos  # file offset of buf[0]
        p = 0
        while True:
            i = buf.find(b"<ENTRY", p)
            e_ = buf.find(b"</ENTRY>", i) if i != -1 else -1
            if i == -1 or e_ == -1:
                if base + len(buf) >= end:
                    if i != -1:
                        raise NmlError(
                            reader.name, f"an entry at byte {base + i} is never closed (truncated?)"
                        )
                    if any(c not in _WS for c in buf[p : end - base]):
                        raise NmlError(reader.name, f"unexpected content in COLLECTION at byte {base + p}")
                    break
                buf = buf[p:]
                base += p
                p = 0
                more = f.read(min(CHUNK, end - (base + len(buf))))
                if not more:
                    raise NmlError(reader.name, "the file ends inside COLLECTION (truncated?)")
                buf += more
                reader.bytes_read += len(more)
                continue
            if i > p and any(c not in _WS for c in buf[p:i]):
                raise NmlError(reader.name, f"unexpected content in COLLECTION at byte {base + p}")
            stop = e_ + 8
            entry = buf[i:stop]
            if entry[6:7] not in (b" ", b">", b"\t", b"\r", b"\n") or entry.find(b"<ENTRY", 1) != -1:
                raise NmlError(reader.name, f"malformed entry at byte {base + i}")
            p = stop
            idx = count
            count += 1
            if parts > 1:
                if (idx // batch) % parts != part:
                    continue
                if idx % batch == 0 and idx >= parts * batch:
                    yield None  # our previous run ended
            h = "r" + b2b(entry, digest_size=16).hexdigest()
            key = by_hash.get(h)
            if key is not None:
                yield key
                continue
            lean_t.cur = None
            try:
                lean.feed(entry)
            except etree.XMLSyntaxError as err:
                msg = str(getattr(err, "msg", None) or err)
                hint = " (wrong encoding: Traktor writes UTF-8)" if "utf-8" in msg.lower() else ""
                raise NmlError(reader.name, f"malformed entry at byte {base + i}: {msg}{hint}") from err
            seq = lean_t.cur
            row = build_row(seq, h, boot) if seq is not None else None
            if row is None:
                reader.skipped_without_location += 1
            else:
                yield row
        if parts > 1 and count > part * batch:
            yield None  # our last run ended
        # everything after the entries
        f.seek(end)
        try:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                reader.bytes_read += len(chunk)
                outer.feed(chunk)
            reader._closing = True
            outer.close()
        except etree.XMLSyntaxError as err:
            raise reader._error(err) from err
    if full.stack:
        raise NmlError(reader.name, f"the file is truncated: <{full.stack[-1]}> is never closed")
    s.entry_count = count
