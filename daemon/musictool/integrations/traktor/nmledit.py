"""Byte-level view of an NML file for in-place edits: tags with their exact byte spans, nothing re-serialised.

The writer never rebuilds the document. It locates the start tags, attribute values and elements it must change
and splices new bytes into exactly those spans; every other byte (declaration, layout, attribute order, float
text, escaping, unknown elements) stays as it was read. This module is the scanner; writer.py holds the edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TAG = re.compile(
    rb"<(?:"
    rb"(?P<comment>!--.*?-->)"
    rb"|(?P<pi>\?.*?\?>)"
    rb"|(?P<cdata>!\[CDATA\[.*?\]\]>)"
    rb"|(?P<decl>![^>]*>)"
    rb"|/(?P<end>[^\s>]+)\s*>"
    rb"|(?P<start>[^\s/>!?]+)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<empty>/?)>"
    rb")",
    re.S,
)
_ATTR = re.compile(rb"(\s+)([^\s=/>]+)(\s*=\s*)(?:\"([^\"]*)\"|'([^']*)')")


class ScanError(ValueError):
    """The bytes are not well-formed enough to edit safely (unbalanced or unknown tags)."""


@dataclass(slots=True, eq=False)
class Node:
    tag: str
    start: int  # offset of "<" of the start tag
    start_end: int  # offset just after ">" of the start tag
    attrs_start: int  # offset where the attribute list begins (just after the tag name)
    attrs_end: int  # offset where the attribute list ends (before optional whitespace, "/" and ">")
    end_start: int = -1  # offset of "</" (== start_end for a self-closing element)
    end: int = -1  # offset just after the end tag
    self_closing: bool = False
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def find(self, tag: str) -> Node | None:
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def findall(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]


@dataclass(slots=True)
class Attr:
    name: str
    value_start: int  # offset of the first byte of the (still escaped) value
    value_end: int
    start: int  # offset of the whitespace before the name (remove [start, value_end + 1) to drop it)
    raw: bytes  # escaped value bytes


def first_start_tag(data: bytes) -> Node | None:
    """The document element's start tag alone (no children): enough for the root's name and attributes."""
    for m in _TAG.finditer(data):
        name = m.group("start")
        if name is not None:
            return Node(
                tag=name.decode("utf-8", "replace"),
                start=m.start(),
                start_end=m.end(),
                attrs_start=m.start("start") + len(name),
                attrs_end=m.end("attrs"),
            )
        if m.group("end") is not None:
            return None
    return None


def start_tag_at(data: bytes, pos: int) -> Node | None:
    """The start tag that begins exactly at `pos` ("<" of it), or None."""
    m = _TAG.match(data, pos)
    if m is None or m.group("start") is None:
        return None
    name = m.group("start")
    return Node(
        tag=name.decode("utf-8", "replace"),
        start=m.start(),
        start_end=m.end(),
        attrs_start=m.start("start") + len(name),
        attrs_end=m.end("attrs"),
    )


def scan(data: bytes, start: int = 0, end: int | None = None) -> Node:
    """Build the element tree of byte spans over data[start:end] (offsets stay absolute); returns its root.

    The region must hold exactly one element (the whole document, or one element's bytes).
    """
    stack: list[Node] = []
    root: Node | None = None
    for m in _TAG.finditer(data, start, len(data) if end is None else end):
        start_name = m.group("start")
        if start_name is not None:
            tag = start_name.decode("utf-8", "replace")
            attrs_start = m.start("start") + len(start_name)
            node = Node(
                tag=tag,
                start=m.start(),
                start_end=m.end(),
                attrs_start=attrs_start,
                attrs_end=m.end("attrs"),
                parent=stack[-1] if stack else None,
            )
            if stack:
                stack[-1].children.append(node)
            elif root is None:
                root = node
            else:
                raise ScanError(f"a second root element <{tag}> at byte {m.start()}")
            if m.group("empty"):
                node.self_closing = True
                node.end_start = node.end = m.end()
            else:
                stack.append(node)
            continue
        end_name = m.group("end")
        if end_name is not None:
            tag = end_name.decode("utf-8", "replace")
            if not stack or stack[-1].tag != tag:
                raise ScanError(f"unexpected </{tag}> at byte {m.start()}")
            node = stack.pop()
            node.end_start = m.start()
            node.end = m.end()
    if stack:
        raise ScanError(
            f"<{stack[-1].tag}> opened at byte {stack[-1].start} is never closed (truncated file?)"
        )
    if root is None:
        raise ScanError("no root element")
    return root


def attrs(data: bytes, node: Node) -> dict[str, Attr]:
    """The attributes of a start tag with their byte spans, in document order."""
    out: dict[str, Attr] = {}
    base = node.attrs_start
    for m in _ATTR.finditer(data, base, node.attrs_end):
        name = m.group(2).decode("utf-8", "replace")
        g = 4 if m.group(4) is not None else 5
        out[name] = Attr(name, m.start(g), m.end(g), m.start(1), m.group(g))
    return out


def unescape(raw: bytes) -> str:
    s = raw.decode("utf-8")
    if "&" not in s:
        return s
    return re.sub(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);", _unent, s)


def _unent(m: re.Match[str]) -> str:
    e = m.group(1)
    if e[0] == "#":
        return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
    return {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}[e]


def escape(value: str, quote: bytes = b'"') -> bytes:
    """Traktor's attribute escaping: & " < escaped, ' and > literal, non-ASCII as UTF-8 (never &#...;).

    Tabs and line breaks would be normalised to spaces by any XML reader, so they become character references.
    In a single-quoted value (files from other writers) ' is escaped too.
    """
    s = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    if quote == b"'":
        s = s.replace("'", "&apos;")
    if "\n" in s or "\r" in s or "\t" in s:
        s = s.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return s.encode("utf-8")
