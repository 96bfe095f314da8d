"""The ingest's fast path: split COLLECTION into entries by bytes, hash raw bytes, read only what changed.

In Traktor's own files every collection entry is `<ENTRY ...>...</ENTRY>`, and `<` never occurs inside an
attribute value, so the entries can be cut out of the bytes with C-speed splits. Each entry's raw bytes are
hashed; an entry whose hash the database already holds is unchanged and is never read at all, so a re-ingest
after Traktor saved costs about one read of the file. A new or changed entry is matched against Traktor's
layout (template.py); the few that differ from it go to an lxml parser whose target only records start tags.
Everything outside COLLECTION (head, sets, playlists, indexing) goes through the normal reader target.

COLLECTION is cut into blocks of about BLOCK bytes, each starting at an entry, so several processes can share
one file: part k of n reads blocks k, k + n, ... and the parent takes their rows block by block, in order.

Used only when it is safe: a UTF-8 file whose COLLECTION holds no comment, processing instruction or CDATA
(`eligible()`). Anything the splitter cannot take after all raises NotSplittable, and the caller reads the
file with the general parser instead (the reader turns it into an error: the file is malformed).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lxml import etree

from .rows import build_row
from .template import NotCanonical
from .template import build_row as canonical_row

if TYPE_CHECKING:
    from .reader import NmlReader

BLOCK = 2 << 20
CHUNK = 4 << 20
_ENC = re.compile(rb'^\s*<\?xml[^>]*encoding\s*=\s*["\']([A-Za-z0-9._-]+)["\']', re.I)
_WS = b" \t\r\n"
_AFTER_NAME = (b" ", b">", b"\t", b"\r", b"\n")


class NotSplittable(Exception):
    """COLLECTION holds something other than entries and whitespace, or an entry the splitter cannot cut."""

    def __init__(self, reason: str, offset: int):
        super().__init__(f"{reason} at byte {offset}")
        self.reason, self.offset = reason, offset


def identity_of(st: os.stat_result) -> tuple[int, ...]:
    """What tells one version of a file from another: Traktor saves by renaming a new file over the old."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def not_utf8(head: bytes) -> str | None:
    """Why a file whose first bytes are `head` is not UTF-8 (a BOM, NUL bytes, another declared encoding),
    or None when it is (or says nothing, which in XML means UTF-8)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:64]:
        return "it is UTF-16"
    m = _ENC.match(head.removeprefix(b"\xef\xbb\xbf"))
    if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return f"it declares encoding {m.group(1).decode('ascii')}"
    return None


def _find(fd: int, needle: bytes, start: int, end: int) -> int:
    """Offset of the first `needle` in the file's bytes [start, end), or -1.

    Reads in chunks (os.pread) rather than through a memory map: a map's pages would count towards the
    process's memory (RSS) for as long as it exists, the whole file once it has been searched.
    """
    pos = start
    while pos < end:
        buf = os.pread(fd, min(CHUNK + len(needle) - 1, end - pos), pos)
        if not buf:
            return -1
        i = buf.find(needle)
        if i != -1:
            return pos + i
        pos += CHUNK
    return -1


def _find_tag(fd: int, needle: bytes, start: int, end: int) -> int:
    """_find for a tag name: followed by whitespace, > or /."""
    i = _find(fd, needle, start, end)
    while i != -1:
        if os.pread(fd, 1, i + len(needle)) in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
            return i
        i = _find(fd, needle, i + 1, end)
    return -1


def _rfind_tag(fd: int, needle: bytes, start: int, size: int) -> int:
    """The last `needle` tag in [start, size), searching backwards: the collection's end tag is near the
    end of the file, after it come only sets, playlists and indexing."""
    end = size
    while end > start:
        lo = max(start, end - CHUNK)
        buf = os.pread(fd, end - lo + len(needle), lo)
        i = buf.rfind(needle)
        while i != -1:
            if buf[i + len(needle) : i + len(needle) + 1] in (b" ", b">", b"\t", b"\r", b"\n"):
                return lo + i
            i = buf.rfind(needle, 0, i)
        end = lo
    return -1


def _markup_free(fd: int, start: int, end: int, self_closing: bool) -> bool:
    """Whether [start, end) holds no comment, CDATA, doctype, processing instruction (and, if asked, no "/>").

    "!" and "?" are rare in NML, so searching for them (memchr) and looking at the byte before is the fast way.
    """
    prev = 0
    pos = start
    while pos < end:
        buf = os.pread(fd, min(CHUNK, end - pos), pos)
        if not buf:
            break
        for c in (b"!", b"?"):
            i = buf.find(c)
            while i != -1:
                if (buf[i - 1] if i else prev) == 0x3C:  # "<"
                    return False
                i = buf.find(c, i + 1)
        if self_closing and (buf.find(b"/>") != -1 or (prev == 0x2F and buf[0] == 0x3E)):
            return False
        prev = buf[-1]
        pos += len(buf)
    return True


def eligible(path: str | os.PathLike, self_closing: bool = True) -> tuple[int, int] | None:
    """(offset of "<COLLECTION", offset of "</COLLECTION>") when the fast path is safe for this file.

    self_closing=False skips the search for "/>" (a tenth of a second at 100,000 entries): for callers that
    fall back to the general parser on NotSplittable, which is all a self-closing ENTRY can cause.
    """
    try:
        with open(path, "rb") as f:
            fd = f.fileno()
            size = os.fstat(fd).st_size
            if not_utf8(os.pread(fd, 512, 0)):
                return None
            start = _find_tag(fd, b"<COLLECTION", 0, size)
            if start == -1:
                return None
            end = _rfind_tag(fd, b"</COLLECTION", start + 1, size)
            if end == -1 or not _markup_free(fd, start, end, self_closing):
                return None
            return start, end
    except OSError:
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


def _offset_in(piece: bytes, start: int, position: tuple[int, int] | None) -> int:
    """The parser's (line, column) in the entry piece[start:] as a byte offset from the entry's start."""
    if not position:
        return 0
    line, column = position
    off = start
    for _ in range(max(0, line - 1)):
        nl = piece.find(b"\n", off)
        if nl == -1:
            break
        off = nl + 1
    return off - start + max(0, column - 1)


def block_starts(fd: int, first: int, end: int, block: int = BLOCK) -> list[int]:
    """Where each block begins (the first at `first`, the others at an entry start), then `end`."""
    starts = [first]
    nominal = first + block
    while nominal < end:
        i = _find(fd, b"<ENTRY", nominal, end)
        if i == -1:
            break
        starts.append(i)
        nominal = i + block
    starts.append(end)
    return starts


def iter_fast(
    reader: NmlReader,
    bounds: tuple[int, int],
    part: int = 0,
    parts: int = 1,
    identity: tuple[int, ...] | None = None,
    block: int = BLOCK,
) -> Iterator[tuple[Any, ...] | str | None]:
    """Rows of new/changed entries and the location keys of unchanged ones, in document order.

    parts > 1: only this part's blocks, with None after each; part 0 also reads head and tail (the summary).
    identity: (st_dev, st_ino, st_size, st_mtime_ns) of the file `bounds` were found in; another file raises.
    Raises NotSplittable (see the module doc) and NmlError for a malformed head, tail or entry.
    """
    from .reader import NmlError, _Target, encoding_hint

    start, end = bounds
    by_hash = {h: k for k, h in (reader.known or {}).items()}
    boot = reader.boot_volume
    full = _Target(reader)
    outer = etree.XMLParser(target=full, resolve_entities="internal", no_network=True, remove_comments=True)
    lean_t = _Lean()
    lean = etree.XMLParser(target=lean_t, resolve_entities="internal", no_network=True)
    lean.feed(b"<C>")
    b2b = hashlib.blake2b
    count = 0
    with open(reader.source, "rb") as f:  # type: ignore[arg-type]
        fd = f.fileno()
        st = os.fstat(fd)
        if identity is not None and identity_of(st) != identity:
            raise NmlError(reader.name, "the file was replaced while it was being read; it is read again")
        gt = _find(fd, b">", start, end)
        if gt == -1:
            raise NmlError(reader.name, "the COLLECTION start tag is not closed")
        if part == 0:  # everything before the entries, up to and including the COLLECTION start tag
            try:
                outer.feed(os.pread(fd, gt + 1, 0))
            except etree.XMLSyntaxError as e:
                raise reader._error(e) from e
        reader.bytes_read += gt + 1
        starts = block_starts(fd, gt + 1, end, block)
        for j in range(part, len(starts) - 1, parts):
            base = starts[j]
            data = os.pread(fd, starts[j + 1] - base, base)
            reader.bytes_read += len(data)
            pieces = data.split(b"</ENTRY>")
            rest = pieces.pop()
            if rest.strip(_WS):
                at = base + len(data) - len(rest)
                if b"<ENTRY" in rest:
                    raise NotSplittable("an entry is never closed (truncated?)", at)
                raise NotSplittable("unexpected content in COLLECTION", at)
            texts: list[str] | None = None  # the block's text, split the same way: decoded when first needed
            one_each = data.count(b"<ENTRY") == len(pieces)  # with no piece lacking one: one start tag each
            pos = base
            for k, piece in enumerate(pieces):
                i = piece.find(b"<ENTRY")
                if i == -1:  # an end tag without its entry, or other content
                    raise NotSplittable(
                        "unexpected content in COLLECTION" if piece.strip(_WS) else "malformed entry", pos
                    )
                if i and piece[:i].strip(_WS):
                    raise NotSplittable("unexpected content in COLLECTION", pos)
                if piece[i + 6 : i + 7] not in _AFTER_NAME or (
                    not one_each and piece.find(b"<ENTRY", i + 6) != -1
                ):
                    raise NotSplittable("malformed entry", pos + i)  # e.g. one never closed before the next
                entry_at = pos + i
                pos += len(piece) + 8
                count += 1
                hh = b2b(memoryview(piece)[i:], digest_size=16)
                hh.update(b"</ENTRY>")
                h = "r" + hh.hexdigest()
                key = by_hash.get(h)
                if key is not None:
                    yield key
                    continue
                try:
                    if texts is None:
                        try:
                            texts = data.decode("utf-8").split("</ENTRY>")
                        except UnicodeDecodeError:
                            texts = []  # each entry is decoded on its own, so the bad one goes to the XML parser
                    text = texts[k] if texts else piece.decode("utf-8")
                    row = canonical_row(text, i, h, boot)
                except (UnicodeDecodeError, NotCanonical):
                    row = None
                if row is not None:
                    reader.canonical += 1
                    yield row
                    continue
                lean_t.cur = None
                try:
                    lean.feed(piece[i:] + b"</ENTRY>")
                except etree.XMLSyntaxError as err:
                    msg = str(getattr(err, "msg", None) or err).split(", line ")[0]
                    at = entry_at + _offset_in(piece, i, getattr(err, "position", None))
                    raise NmlError(reader.name, f"malformed entry at byte {at}: {msg}{encoding_hint(msg)}") from err
                seq = lean_t.cur
                row = build_row(seq, h, boot) if seq is not None else None
                if row is None:
                    reader.skipped_without_location += 1
                else:
                    yield row
            if parts > 1:
                yield None  # this block is done
        if part == 0:  # everything after the entries
            try:
                for k in range(end, st.st_size, CHUNK):
                    chunk = os.pread(fd, CHUNK, k)
                    reader.bytes_read += len(chunk)
                    outer.feed(chunk)
                reader._closing = True
                outer.close()
            except etree.XMLSyntaxError as err:
                raise reader._error(err) from err
            if full.stack:
                raise NmlError(reader.name, f"the file is truncated: <{full.stack[-1]}> is never closed")
    reader.summary.entry_count = count
