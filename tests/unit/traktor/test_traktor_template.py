"""The entry template (template.py) gives exactly the XML parser's row, or steps aside for the parser."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from musictool.integrations.traktor import template
from musictool.integrations.traktor.fastscan import _Lean
from musictool.integrations.traktor.ingest import ingest_direct
from musictool.integrations.traktor.reader import NmlReader
from musictool.integrations.traktor.rows import build_row
from tests.unit.traktor.nmlfixtures import RAW, fx, ids

MIGRATION = Path(__file__).resolve().parents[3] / "daemon/musictool/store/migrations/002_traktor.sql"


def parser_row(entry: str) -> tuple | None:
    """The row the XML parser path builds for one entry (the reference)."""
    t = _Lean()
    p = etree.XMLParser(target=t, resolve_entities="internal", no_network=True)
    p.feed(b"<C>")
    p.feed(entry.encode("utf-8"))
    return build_row(t.cur, "h", None) if t.cur is not None else None


def template_row(entry: str) -> tuple | None:
    assert entry.endswith("</ENTRY>")
    try:
        return template.build_row(entry[: -len("</ENTRY>")], 0, "h", None)
    except template.NotCanonical:
        return None


def esc(v: str) -> str:
    return (
        v.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
    )


# values with the characters that need care: entities, quotes, non-ASCII, backslashes, a line break written
# as a character reference (a literal one would be normalized to a space by a parser; the template declines)
TEXT = st.text(alphabet=st.sampled_from(list("aZ09 -_./:!?#&<>'\"\\éü日♯\n\t[],=")), max_size=12).map(
    lambda v: esc(v).replace("\n", "&#10;").replace("\t", "&#x9;")
)
NUM = st.sampled_from(["", "0", "1", "12", "128.000000", "-3.5", "255", "x"])
DATE = st.sampled_from(["", "2024/1/2", "1999/12/31", "2024/13/1", "bad"])


@st.composite
def entries(draw: st.DrawFn) -> str:
    def attrs(spec: dict[str, st.SearchStrategy[str]]) -> str:
        out = []
        for name, strat in spec.items():
            if draw(st.booleans()):
                out.append(f' {name}="{draw(strat)}"')
        return "".join(out)

    def element(tag: str, spec: dict[str, st.SearchStrategy[str]], required: bool = False) -> str:
        if not required and draw(st.booleans()):
            return ""
        return f"<{tag}{attrs(spec)}></{tag}>\n"

    e = f"<ENTRY{attrs({'MODIFIED_DATE': DATE, 'MODIFIED_TIME': NUM, 'LOCK': NUM, 'AUDIO_ID': TEXT, 'TITLE': TEXT, 'ARTIST': TEXT})}>"
    e += f'<LOCATION DIR="{draw(TEXT)}" FILE="{draw(TEXT)}" VOLUME="{draw(TEXT)}" VOLUMEID="x"></LOCATION>\n'
    e += element("ALBUM", {"OF_TRACKS": NUM, "TRACK": NUM, "TITLE": TEXT})
    e += element("MODIFICATION_INFO", {"AUTHOR_TYPE": TEXT})
    info = {n: TEXT for n in ("GENRE", "LABEL", "COMMENT", "RATING", "REMIXER", "MIX", "CATALOG_NO")}
    info |= {"KEY": st.sampled_from(["", "Am", "8A", "1m", "off", "C#"]), "PLAYCOUNT": NUM, "RANKING": NUM}
    info |= {"IMPORT_DATE": DATE, "LAST_PLAYED": DATE, "FILESIZE": NUM}
    e += element("INFO", info)
    e += element("TEMPO", {"BPM_TRANSIENTCOHERENCE": NUM, "BPM": NUM, "BPM_QUALITY": NUM})
    e += element("LOUDNESS", {"PEAK_DB": NUM, "ANALYZED_DB": NUM})
    e += element("MUSICAL_KEY", {"VALUE": st.sampled_from(["", "0", "23", "24", "x", "7"])})
    plain = draw(st.booleans())  # Traktor 3's cues: no COLOR, no GRID, one per line (template._plain_cues)
    for _ in range(draw(st.integers(0, 3))):
        color = (
            f' COLOR="{draw(st.sampled_from(["#FF0000", "1"]))}"' if not plain and draw(st.booleans()) else ""
        )
        grid = (
            f'<GRID BPM="{draw(st.sampled_from(["120.5", "90"]))}"></GRID>\n'
            if not plain and draw(st.booleans())
            else ""
        )
        inside = "" if plain else draw(st.sampled_from(["", "\n", " "]))
        after = "\n" if plain else draw(st.sampled_from(["\n", "\r\n", " ", "\n  ", ""]))
        e += (
            f'<CUE_V2 NAME="{draw(TEXT)}" DISPL_ORDER="0" TYPE="{draw(NUM)}" START="{draw(NUM)}" LEN="0" '
            f'REPEATS="-1" HOTCUE="{draw(NUM)}"{color}>{grid or inside}</CUE_V2>{after}'
        )
    e += element("STEMS", {"STEMS": TEXT})
    return e + "</ENTRY>"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries())
def test_the_template_gives_the_parser_row_for_any_canonical_entry(entry: str) -> None:
    row = template_row(entry)
    assert row is not None, entry
    assert row == parser_row(entry)


def test_entities_that_cannot_become_markup_are_replaced_before_the_match() -> None:
    """&amp; &apos; &gt; are replaced in the whole entry first ("&amp;gt;" must stay the text "&gt;"); an entity
    that could turn into markup (&quot; &lt; or a character reference) sends the entry to unescape per value."""
    title = "Drum &amp; Bass &apos;97&apos; &gt; &amp;gt; &amp;apos;"
    entry = (
        f'<ENTRY TITLE="{title}"><LOCATION DIR="/:a/:" FILE="x.mp3" VOLUME="C:" VOLUMEID="v"></LOCATION>\n'
        '<CUE_V2 NAME="R&amp;B" DISPL_ORDER="0" TYPE="0" START="1" LEN="0" REPEATS="-1" HOTCUE="0"></CUE_V2>\n'
        "</ENTRY>"
    )
    found = template.match(entry[: -len("</ENTRY>")])
    assert found is not None and found[3] is False  # nothing left to unescape
    assert found[0][5] == "Drum & Bass '97' > &gt; &apos;"
    assert template_row(entry) == parser_row(entry)
    for other in ("&quot;", "&lt;", "&#65;", "&#x42;"):
        changed = entry.replace("Bass", f"Bass {other}")
        found = template.match(changed[: -len("</ENTRY>")])
        assert found is not None and found[3] is True
        assert template_row(changed) == parser_row(changed)


def test_plain_cues_are_written_as_json_without_a_second_pass() -> None:
    """Traktor 3's cue layout takes the text path (template._plain_cues), with the JSON encoder's result;
    anything else in the block sends it back to the cue pattern."""
    cue = '<CUE_V2 NAME="{}" DISPL_ORDER="0" TYPE="4" START="1.5" LEN="0.000000" REPEATS="-1" HOTCUE="0"></CUE_V2>'
    names = ["AutoGrid", "a],[b", "x=y", "日本 ♯", ""]
    block = "\n".join(cue.format(n) for n in names) + "\n"
    expected = template.to_json([[n, "0", "4", "1.5", "0.000000", "-1", "0", None, None] for n in names])
    assert template._plain_cues(block) == expected
    assert template._cues(block, 0, False) == (5, expected)
    for other in (
        block.replace("></CUE_V2>", ' COLOR="#FFFFFF"></CUE_V2>', 1),
        block.replace("></CUE_V2>", '><GRID BPM="120"></GRID>\n</CUE_V2>', 1),
        block.replace("></CUE_V2>", ">\n</CUE_V2>", 1),
        block.replace("</CUE_V2>\n", "</CUE_V2>\r\n", 1),
        block.replace("</CUE_V2>\n", "</CUE_V2>", 1),
        block.replace("AutoGrid", "back\\slash", 1),
    ):
        assert template._plain_cues(other) is None
        count, cues = template._cues(other, 0, False)
        assert count == 5 and cues is not None and cues.startswith('[["')


@settings(max_examples=150, deadline=None)
@given(entries(), st.data())
def test_the_template_declines_what_it_does_not_spell_out(entry: str, data: st.DataObject) -> None:
    """Each change takes the entry off Traktor's layout; the template must return None, never a wrong row."""
    changes = [
        lambda e: e.replace("<LOCATION ", '<LOCATION EXTRA="1" ', 1),  # unknown attribute
        lambda e: e.replace("</LOCATION>\n", '</LOCATION>\n<LOOPINFO SAMPLE_TYPE_INFO="1"></LOOPINFO>\n', 1),
        lambda e: e.replace('DIR="', 'DIR="a\nb', 1),  # a literal line break in a value
        lambda e: e.replace('DIR="', 'DIR="&bogus;', 1),  # an entity XML does not know
        lambda e: e.replace('DIR="', 'DIR="&#0;', 1),  # a reference to a character XML forbids
        lambda e: e.replace('DIR="', 'DIR="\x01', 1),  # a control character
        lambda e: e.replace('" FILE="', '"FILE="', 1),  # no space between attributes
        lambda e: e.replace('FILE="', "FILE='", 1).replace('" VOLUME=', "' VOLUME=", 1),  # single quotes
    ]
    changed = data.draw(st.sampled_from(changes))(entry)
    assert changed != entry
    assert template_row(changed) is None


@pytest.mark.parametrize("path", RAW, ids=ids(RAW))
def test_raw_traktor_files_are_read_by_the_template(path: Path) -> None:
    """Traktor's own bytes are what the template is for: all but entries with elements it leaves to the
    parser (LOOPINFO, of sample files) are read without it."""
    reader = NmlReader(path, rows=True)
    rows = list(reader)
    data = path.read_bytes()
    loops = data.count(b"<LOOPINFO") + data.count(b"<CELL")
    assert reader.canonical >= len(rows) - loops - 1  # the one: an entry of a history file without INFO
    if rows and not loops:
        assert reader.canonical >= len(rows) * 0.9


def test_a_self_closing_entry_sends_the_parallel_ingest_to_the_general_parser(tmp_path: Path) -> None:
    """The byte splitter cannot cut `<ENTRY .../>`: the workers' result is rolled back and the file read whole."""
    src = fx("TravestyAudio__Collection/collection.nml").read_bytes()
    i = src.index(b"<ENTRY ", src.index(b"<COLLECTION") + len(src) // 3)
    nml = tmp_path / "collection.nml"
    nml.write_bytes(src[:i] + b'<ENTRY TITLE="no file"/>\n' + src[i:])
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.executescript(MIGRATION.read_text())
    conn.execute("BEGIN IMMEDIATE")
    res, _ = ingest_direct(conn, str(nml), "collection", parallel=True, block=50_000)
    conn.execute("COMMIT")
    assert res.summary.entry_count == 1979 and res.skipped_without_location == 1
    assert conn.execute("SELECT count(*), count(DISTINCT location_key) FROM tracks").fetchone() == (
        1978,
        1978,
    )
    assert res.canonical == 0  # the general path: no template


def test_duplicate_entries_keep_the_first_in_the_parallel_ingest(tmp_path: Path) -> None:
    src = fx("TravestyAudio__Collection/collection.nml").read_bytes()
    start = src.index(b"<ENTRY ", src.index(b"<COLLECTION"))
    end = src.index(b"</ENTRY>", start) + len(b"</ENTRY>")
    first = src[start:end]
    changed = first.replace(b'TITLE="', b'TITLE="second copy ', 1)
    last = src.index(b"</COLLECTION>")
    nml = tmp_path / "collection.nml"
    nml.write_bytes(src[:last] + changed + b"\n" + src[last:])  # the same file again, at the very end
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.executescript(MIGRATION.read_text())
    conn.execute("BEGIN IMMEDIATE")
    res, _ = ingest_direct(conn, str(nml), "collection", parallel=True, block=50_000)
    conn.execute("COMMIT")
    assert (res.added, res.duplicates) == (1978, 1)
    titles = [r[0] for r in conn.execute("SELECT title FROM tracks ORDER BY id LIMIT 1")]
    assert not titles[0].startswith("second copy")
