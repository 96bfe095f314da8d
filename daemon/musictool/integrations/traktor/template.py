"""Traktor's own entry layout as one regular expression: an entry written exactly that way needs no XML parser.

Traktor writes every collection entry the same way: the same elements in the same order, each attribute in a
fixed place, one space between attributes, no self-closing tags. The pattern below spells that layout out
(every element and attribute optional where Traktor may leave it out; the orders were read off all 31
fixtures), so `fullmatch` on an entry's text both checks it and hands over every value in one C call. With
the row built from the match, an entry costs about half of what parser callbacks (a dict per element) and
the general row builder cost. A second, looser pattern takes pretty-printed copies (line breaks between
attributes), which some tools write.

It is strict by construction. Anything it does not spell out (another attribute order, an unknown attribute
or element, a tab or line break or control character inside a value, an unknown entity) does not match, and
the caller parses that entry with the XML parser instead. Values with entities are unescaped here with the
same rules an XML parser applies; a malformed one is left to the parser so that it raises the error.

Two shortcuts keep the common case to string methods: "&amp;", "&apos;" and "&gt;" are replaced in the whole
entry before the match (none of them can become markup), and a block of plain cues in Traktor 3's layout
becomes its JSON by replacing the markup around the values (_plain_cues) rather than by a second pattern.
"""

from __future__ import annotations

import re
from typing import Any

from .rows import key_columns, nml_date, path_of, rating_of, search_text, to_json, to_json_spaced

_V = '([^"<\x00-\x1f\ufffe\uffff]*)'  # an attribute value as Traktor writes it; & is checked afterwards
_NV = '[^"<\x00-\x1f\ufffe\uffff]'
_WS = "[ \t\r\n]*"

ENTRY = ("MODIFIED_DATE", "MODIFIED_TIME", "LOCK", "LOCK_MODIFICATION_TIME", "AUDIO_ID", "TITLE", "ARTIST")
LOCATION = ("DIR", "FILE", "VOLUME", "VOLUMEID")
ALBUM = ("OF_TRACKS", "TRACK", "TITLE")
MODIFICATION_INFO = ("AUTHOR_TYPE",)
INFO = (
    "BITRATE", "GENRE", "LABEL", "COMMENT", "KEY_LYRICS", "RATING", "REMIXER", "PRODUCER", "COVERARTID", "MIX",
    "CATALOG_NO", "KEY", "PLAYCOUNT", "PLAYTIME", "PLAYTIME_FLOAT", "RANKING", "IMPORT_DATE", "LAST_PLAYED",
    "RELEASE_DATE", "FLAGS", "FILESIZE", "COLOR",
)  # fmt: skip
TEMPO = (
    "BPM_TRANSIENTCOHERENCE",
    "BPM",
    "BPM_QUALITY",
)  # the first is kept in extra_json, as the parser does
LOUDNESS = ("PEAK_DB", "PERCEIVED_DB", "ANALYZED_DB")
MUSICAL_KEY = ("VALUE",)


def _layout(sep: str, inner: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(entry pattern, cue pattern) with `sep` between attributes and `inner` inside tags and before end tags.

    Traktor's own bytes need " " and "": each optional attribute then starts with one literal, which the regex
    engine rejects at once. Pretty-printed copies of a collection need any whitespace (about twice the cost).
    """

    def attrs(names: tuple[str, ...]) -> str:
        return "".join(f'(?:{sep}{n}="{_V}")?' for n in names)

    def element(tag: str, names: tuple[str, ...], optional: bool = True) -> str:
        s = f"<{tag}{attrs(names)}{inner}>{inner}</{tag}>{_WS}"
        return f"(?:{s})?" if optional else s

    def cue(capture: bool) -> str:
        v, nv = (f"({_NV}*)", f"({_NV}+)") if capture else (f"{_NV}*", f"{_NV}+")
        return (
            f'<CUE_V2{sep}NAME="{v}"{sep}DISPL_ORDER="{v}"{sep}TYPE="{v}"{sep}START="{v}"{sep}LEN="{v}"{sep}'
            f'REPEATS="{v}"{sep}HOTCUE="{v}"(?:{sep}COLOR="{nv}")?{inner}>{_WS}'
            f'(?:<GRID{sep}BPM="{nv}"{inner}>{inner}</GRID>{_WS})?</CUE_V2>'
        )

    entry = re.compile(
        f"<ENTRY{attrs(ENTRY)}{inner}>{_WS}"
        + element("LOCATION", LOCATION, optional=False)
        + element("ALBUM", ALBUM)
        + element("MODIFICATION_INFO", MODIFICATION_INFO)
        + element("INFO", INFO)
        + element("TEMPO", TEMPO)
        + element("LOUDNESS", LOUDNESS)
        + element("MUSICAL_KEY", MUSICAL_KEY)
        + f"((?:{cue(False)}{_WS})*)"  # the cue block, checked here and split by the cue pattern
        + element("STEMS", ("STEMS",))
    )  # up to the entry's end tag, which the byte splitter has already cut off
    return entry, re.compile(cue(True))


LAYOUTS = (_layout(" ", ""), _layout("[ \t\r\n]+", _WS))
_ENTITY = re.compile("&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class NotCanonical(Exception):
    """The entry is not in Traktor's layout after all (a bad entity): parse it with the XML parser."""


def _char(m: re.Match[str]) -> str:
    name, dec, hexa = m.groups()
    if name:
        return _NAMED[name]
    cp = int(dec) if dec else int(hexa, 16)
    if cp in (0x9, 0xA, 0xD) or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF:
        return chr(cp)
    raise NotCanonical  # a reference to a character XML does not allow


def unescape(v: str | None) -> str | None:
    """XML's entity and character references in an attribute value; NotCanonical for anything else."""
    if not v or "&" not in v:
        return v
    out = _ENTITY.sub(_char, v)
    if v.count("&") != len(_ENTITY.findall(v)):
        raise NotCanonical
    return out


def match(text: str, pos: int = 0) -> tuple[Any, ...] | None:
    """(attribute values, None where absent; the cue block as written; which layout; whether its values still
    need unescape) of the entry text[pos:] (up to, not including, its end tag), or None if it is not canonical."""
    escaped = "&" in text  # text holds this entry only
    if escaped and text.count("&") == text.count("&amp;") + text.count("&apos;") + text.count("&gt;"):
        # "Drum &amp; Bass": entities that cannot turn into markup (a quote or "<" could) are replaced before
        # the match, in three C calls instead of unescape() on every value; "&amp;" last, so that "&amp;gt;"
        # stays "&gt;"
        text, escaped = text.replace("&apos;", "'").replace("&gt;", ">").replace("&amp;", "&"), False
    which = 0  # Traktor's own layout first, then the pretty-printed one
    m = LAYOUTS[0][0].fullmatch(text, pos)
    if m is None:
        which, m = 1, LAYOUTS[1][0].fullmatch(text, pos)
        if m is None:
            return None
    g = m.groups()
    block = g[44]
    if escaped:
        g = tuple(map(unescape, g))
    return g, block, which, escaped


_CUE_SEP = '"></CUE_V2>\n<CUE_V2 NAME="'
_CUE_ATTRS = tuple(f'" {name}="' for name in ("DISPL_ORDER", "TYPE", "START", "LEN", "REPEATS", "HOTCUE"))


def _plain_cues(block: str) -> str | None:
    """rows.to_json of a cue block in Traktor's own layout, by text replacement, if every cue is a plain one
    (no COLOR, no GRID) and they are one per line; else None.

    The block has passed the entry pattern, so a value holds no quote, "<" or control character: every
    replaced text (each starts with a quote) is markup, never part of a value, and any markup left over (a
    COLOR, a GRID) shows as a "<" or '="'. Without a backslash or an entity no value needs JSON escaping.
    This skips a second regex pass over the block (findall) and the JSON encoder, for nearly every entry of
    a Traktor 3 collection (each analysed track has at least its AutoGrid cue).
    """
    body = block.rstrip(" \t\r\n")
    if "\\" in body or not (body.startswith('<CUE_V2 NAME="') and body.endswith('"></CUE_V2>')):
        return None
    cues = body[14:-11].split(_CUE_SEP)
    if len(cues) != body.count("<CUE_V2 "):
        return None
    out = '",null,null],["'.join(cues)
    for attr in _CUE_ATTRS:
        out = out.replace(attr, '","')
    return None if "<" in out or '="' in out else f'[["{out}",null,null]]'


def _cues_json(cues: list[tuple[str, ...]], block: str, escaped: bool) -> str | None:
    """rows.to_json of the cue lists, built as text when no value needs escaping (the usual case: the
    pattern lets no quote or control character into a value, so only a backslash or an entity could)."""
    if not cues:
        return None
    if escaped or "\\" in block:
        return to_json([[n, d, t, s, ln, r, h, c or None, b or None] for n, d, t, s, ln, r, h, c, b in cues])
    parts = []
    for c in cues:
        if c[7] or c[8]:  # COLOR or GRID BPM (Traktor 4)
            color, grid = f'"{c[7]}"' if c[7] else "null", f'"{c[8]}"' if c[8] else "null"
            parts.append('["' + '","'.join(c[:7]) + f'",{color},{grid}]')
        else:
            parts.append('["' + '","'.join(c[:7]) + '",null,null]')
    return "[" + ",".join(parts) + "]"


def _cues(block: str | None, layout: int, escaped: bool) -> tuple[int, str | None]:
    """(cue_count, cues_json) of an entry's cue block as matched (still with its entities if `escaped`)."""
    if not block:
        return 0, None
    if layout == 0 and not escaped:
        plain = _plain_cues(block)
        if plain is not None:
            return block.count("<CUE_V2 "), plain
    cues = LAYOUTS[layout][1].findall(block)
    if escaped:
        cues = [tuple(map(unescape, c)) for c in cues]
    return len(cues), _cues_json(cues, block, escaped)


def build_row(text: str, pos: int, content_hash: str, boot: str | None) -> tuple[Any, ...] | None:
    """The `tracks` row of a canonical entry (rows.build_row's result for the same entry), or None."""
    found = match(text, pos)
    if found is None:
        return None
    g, block, layout, escaped = found
    (
        mod_date, mod_time, lock, lock_time, audio_id, title, artist,
        dir_, file_, vol, vol_id,
        of_tracks, track, album,
        author_type,
        bitrate, genre, label, comment, key_lyrics, comment2, remixer, producer, cover, mix, catalog_no, key_text,
        playcount, playtime, playtime_float, ranking, import_date, last_played, release_date, flags, filesize, color,
        bpm_tc, bpm, bpm_quality,
        peak, perceived, analyzed,
        key_value,
        _cue_block,
        stems,
    ) = g  # fmt: skip
    musical, open_key, camelot, value = key_columns(key_value, key_text)
    cue_count, cues = _cues(block, layout, escaped)
    return (
        f"{vol or ''}{dir_ or ''}{file_ or ''}", path_of(vol, dir_, file_, boot), vol, vol_id, dir_, file_,
        artist, title, album, track or None, of_tracks or None, label, catalog_no, genre, comment, comment2,
        remixer, producer, mix, key_lyrics, bpm or None, bpm_quality or None, musical, open_key, camelot, value,
        key_text, playtime_float or playtime or None, bitrate or None, rating_of(ranking), playcount or None,
        nml_date(last_played), nml_date(import_date), nml_date(release_date), filesize or None, flags or None,
        color or None, cover, audio_id, lock or None, lock_time, nml_date(mod_date), mod_time or None,
        author_type, peak or None, perceived or None, analyzed or None, stems, cue_count, cues,
        to_json_spaced({"TEMPO": {"BPM_TRANSIENTCOHERENCE": bpm_tc}}) if bpm_tc is not None else None,
        search_text(artist, title, album, label, comment, remixer), content_hash,
    )  # fmt: skip
