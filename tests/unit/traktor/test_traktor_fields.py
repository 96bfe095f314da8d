"""rows.FIELDS is the one definition of a `tracks` row: every way an ENTRY becomes a row is checked against
it, column by column, on every real NML fixture, against a plain lxml reading of the same entries.

The ways: the general parser (reader._Target -> rows.build_row), the ingest's fast path (fastscan: the
template for entries in Traktor's own layout, the start-tag parser and rows.build_row for the rest), and the
Track objects (reader.track_from_row). Rows are compared as SQLite stores them (the real migrations: numbers
reach the columns as Traktor's text and are converted by the columns' type affinity).
"""

from __future__ import annotations

import io
import json
import math
import re
import sqlite3
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from musictool.integrations.traktor import keys as keymod
from musictool.integrations.traktor import template
from musictool.integrations.traktor.fastscan import eligible
from musictool.integrations.traktor.paths import PathCodecError, to_path
from musictool.integrations.traktor.reader import NmlReader, Track, read_all
from musictool.integrations.traktor.rows import (
    CUE_FIELDS,
    FIELDS,
    SEARCH_COLUMNS,
    SIMPLE_KNOWN,
    TRACK_COLUMNS,
    Field,
)
from tests.unit.traktor.nmlfixtures import ALL, collection_entries, ids

MIGRATIONS = sorted((Path(__file__).resolve().parents[3] / "daemon/musictool/store/migrations").glob("*.sql"))
ROW_ONLY = {"cue_count", "cues_json", "extra_json", "search_text"}  # a Track has cues and extra instead


@cache
def _known(element: str) -> frozenset[str]:
    """What the table reads from `element` (its own statement of it, independent of rows.py's sets)."""
    return frozenset({f.attr for f in FIELDS if f.element == element and f.attr}) | {
        a for f in FIELDS for e, a in f.reads if e == element
    }


# -- a plain lxml reading: what each column must hold, from the table and the element tree -------------------


def _date(v: str | None) -> str | None:
    m = re.fullmatch(r"(\d+)/(\d+)/(\d+)", v or "")
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None


def _number(v: str | None) -> float | None:
    return None if v in (None, "") else float(v)


CONVERT: dict[str, Callable[[str | None], Any]] = {
    "text": lambda v: v,
    "int": _number,
    "real": _number,
    "date": _date,
    "stars": lambda v: None if not v else max(0, min(5, round(float(v) / 51))),
}


def _children(entry: etree._Element) -> dict[str, etree._Element]:
    """Traktor writes one of each; in a file with two, LOCATION is the first and the others the last."""
    out: dict[str, etree._Element] = {}
    for c in entry:
        if c.tag != "LOCATION" or "LOCATION" not in out:
            out[c.tag] = c
    return out


def _walk(el: etree._Element, depth: int) -> Iterator[tuple[etree._Element, int]]:
    """Descendants in document order with their depth below the entry."""
    for c in el:
        yield c, depth
        yield from _walk(c, depth + 1)


def _extra(entry: etree._Element) -> dict[str, Any] | None:
    """Every attribute no field reads and every element no field reads, in document order."""
    extra: dict[str, Any] = {}
    unknown = {k: v for k, v in entry.attrib.items() if k not in _known("ENTRY")}
    if unknown:
        extra["ENTRY"] = unknown
    for el, depth in _walk(entry, 1):
        if not isinstance(el.tag, str):
            continue
        if depth == 1 and el.tag == "CUE_V2":
            unknown = {k: v for k, v in el.attrib.items() if k not in _known("CUE_V2")}
            if unknown:
                extra.setdefault("CUE_V2", []).append(unknown)
        elif depth == 1 and (el.tag == "INFO" or el.tag in SIMPLE_KNOWN):
            unknown = {k: v for k, v in el.attrib.items() if k not in _known(el.tag)}
            if unknown:
                extra[el.tag] = unknown
        elif not (depth == 2 and el.tag == "GRID" and el.getparent().tag == "CUE_V2" and el.getprevious() is None):
            extra.setdefault("elements", []).append({"tag": el.tag, "attrs": dict(el.attrib)})
    return extra or None


def expected(entry: etree._Element) -> dict[str, Any] | None:
    """The row the table defines for this entry (None without a LOCATION), content_hash aside."""
    children = _children(entry)
    loc = children.get("LOCATION")
    if loc is None:
        return None
    out: dict[str, Any] = {}
    for f in FIELDS:
        if f.element is not None:
            el = entry if f.element == "ENTRY" else children.get(f.element)
            out[f.column] = CONVERT[f.kind](el.get(f.attr) if el is not None else None)
    vol, dir_, file_ = loc.get("VOLUME"), loc.get("DIR"), loc.get("FILE")
    out["location_key"] = (vol or "") + (dir_ or "") + (file_ or "")
    try:
        out["path"] = to_path(vol, dir_, file_) if file_ else None
    except PathCodecError:
        out["path"] = None
    mk, info = children.get("MUSICAL_KEY"), children.get("INFO")
    value = _number(mk.get("VALUE")) if mk is not None else None
    k = keymod.from_value(int(value)) if value is not None else keymod.parse(info.get("KEY") if info is not None else None)
    out["key"], out["key_open"], out["key_camelot"] = (k.musical, k.open_key, k.camelot) if k else (None,) * 3
    out["key_value"] = value if value is not None else (k.value if k else None)
    playtime = info is not None and (info.get("PLAYTIME_FLOAT") or info.get("PLAYTIME"))
    out["duration"] = _number(playtime or None)
    cues = [c for c in entry if c.tag == "CUE_V2"]
    out["cue_count"] = len(cues)
    grids = [c[0] if len(c) and c[0].tag == "GRID" else None for c in cues]
    out["cues_json"] = [
        [c.get(a) for a in CUE_FIELDS] + [g.get("BPM") if g is not None else None]
        for c, g in zip(cues, grids, strict=True)
    ] or None
    out["extra_json"] = _extra(entry)
    out["search_text"] = " ".join(out[c] for c in SEARCH_COLUMNS if out[c]).casefold()
    assert set(out) == set(TRACK_COLUMNS) - {"content_hash"}, "a column the table adds needs a reading here"
    return out


@cache
def expected_rows(path: Path) -> list[dict[str, Any]]:
    out, seen = [], set()
    for e in collection_entries(path):
        row = expected(e)
        if row is not None and row["location_key"] not in seen:  # the same file twice: the first is kept
            seen.add(row["location_key"])
            out.append(row)
    return out


# -- comparing -----------------------------------------------------------------------------------------------


def _same(f: Field, got: Any, want: Any) -> bool:
    if f.kind == "json":
        got = json.loads(got) if got is not None else None
        if f.column == "cues_json" and got:  # COLOR and GRID BPM: absent and empty are both None
            got = [[*c[:7], c[7] or None, c[8] or None] for c in got]
            want = [[*c[:7], c[7] or None, c[8] or None] for c in want]
        return got == want
    if f.kind in ("int", "real", "stars") and want is not None:
        if isinstance(got, str):  # the column's affinity kept Traktor's text: it was not a number
            return False
        # SQLite's text-to-REAL may differ from Python's float() in the last bit
        return math.isclose(got, want, rel_tol=1e-12) and (f.kind == "real" or got == int(got))
    return got == want


def _schema() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    for m in MIGRATIONS:
        db.executescript(m.read_text())
    return db


def stored(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    db = _schema()
    cols = ", ".join(TRACK_COLUMNS)
    db.executemany(f"INSERT OR IGNORE INTO tracks ({cols}) VALUES ({', '.join('?' * len(cols.split(',')))})", rows)
    return db.execute(f"SELECT {cols} FROM tracks ORDER BY id").fetchall()


def mismatches(rows: list[tuple[Any, ...]], want: list[dict[str, Any]]) -> list[str]:
    got = stored(rows)
    assert len(got) == len(want)
    bad = []
    for row, exp in zip(got, want, strict=True):
        for i, f in enumerate(FIELDS):
            if f.column == "content_hash":
                assert re.fullmatch("r?[0-9a-f]{32}", row[i]), row[i]
            elif not _same(f, row[i], exp[f.column]):
                bad.append(f"{exp['location_key']!r} {f.column}: {row[i]!r}, the table says {exp[f.column]!r}")
    return bad


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_every_path_gives_the_tables_row_for_every_entry(path: Path) -> None:
    want = expected_rows(path)
    general = NmlReader(io.BytesIO(path.read_bytes()), rows=True)  # a file object: never the fast path
    bad = mismatches([r for r in general if isinstance(r, tuple)], want)
    assert not bad, "general parser:\n" + "\n".join(bad[:20])
    if eligible(path) is not None:
        fast = NmlReader(path, rows=True)
        bad = mismatches([r for r in fast if isinstance(r, tuple)], want)
        assert not bad, f"fast path ({fast.canonical} entries by the template):\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_tracks_carry_the_tables_values_typed(path: Path) -> None:
    tracks, _ = read_all(path)
    by_key: dict[str, Track] = {}
    for t in tracks:
        by_key.setdefault(t.location_key, t)
    want = expected_rows(path)
    assert len(by_key) == len(want)
    bad = []
    for exp in want:
        t = by_key[exp["location_key"]]
        for f in FIELDS:
            if f.column in ROW_ONLY or f.column == "content_hash":
                continue
            v, w = getattr(t, f.column), exp[f.column]
            typed = {"int": int, "stars": int, "real": float}.get(f.kind, str)
            if w is not None and not (isinstance(v, typed) and (math.isclose(v, w, rel_tol=1e-12) if typed is not str else v == w)):
                bad.append(f"{exp['location_key']!r} {f.column}: {v!r}, the table says {w!r}")
            elif w is None and v is not None:
                bad.append(f"{exp['location_key']!r} {f.column}: {v!r}, the table says None")
        cues = [[c.name, c.displ_order, c.type, c.start, c.length, c.repeats, c.hotcue, c.color, c.grid_bpm]
                for c in t.cues]  # fmt: skip
        want_cues = [
            [c[0], *(_number(x) for x in c[1:7]), c[7], _number(c[8])] for c in exp["cues_json"] or []
        ]
        if cues != want_cues:
            bad.append(f"{exp['location_key']!r} cues: {cues!r}, the table says {want_cues!r}")
        if t.extra != exp["extra_json"]:
            bad.append(f"{exp['location_key']!r} extra: {t.extra!r}, the table says {exp['extra_json']!r}")
    assert not bad, "\n".join(bad[:20])


def test_the_table_defines_the_columns_the_readers_and_the_template() -> None:
    table = {r[1] for r in _schema().execute("PRAGMA table_info(tracks)")}
    assert set(TRACK_COLUMNS) <= table and len(set(TRACK_COLUMNS)) == len(TRACK_COLUMNS)
    track_attrs = set(Track.__dataclass_fields__)
    assert track_attrs == (set(TRACK_COLUMNS) - ROW_ONLY) | {"cues", "extra"}
    # the template spells out Traktor's layout: exactly the attributes the table reads (TEMPO's
    # BPM_TRANSIENTCOHERENCE goes to extra_json), so a canonical entry never needs the parser
    for element in ("ENTRY", "LOCATION", "ALBUM", "MODIFICATION_INFO", "INFO", "LOUDNESS", "MUSICAL_KEY"):
        assert set(getattr(template, element)) == _known(element), element
    assert set(template.TEMPO) - {"BPM_TRANSIENTCOHERENCE"} == _known("TEMPO")
    assert _known("STEMS") == {"STEMS"}
    cue = template.LAYOUTS[0][1].pattern
    assert re.findall(r"(\w+)=", cue) == [*CUE_FIELDS, "BPM"]  # GRID BPM last


def test_the_oracle_sees_a_wrong_value() -> None:
    """The comparison is not vacuous: one changed value in a row is reported with its column."""
    path = ALL[0]
    want = expected_rows(path)
    rows = [r for r in NmlReader(io.BytesIO(path.read_bytes()), rows=True) if isinstance(r, tuple)]
    assert mismatches(rows, want) == []
    i = TRACK_COLUMNS.index("artist")
    rows[0] = (*rows[0][:i], "someone else", *rows[0][i + 1 :])
    assert [m.split(": ")[0].split()[-1] for m in mismatches(rows, want)] == ["artist"]
