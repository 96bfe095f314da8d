"""The real NML fixtures, with what SOURCES.md says about them (raw Traktor layout or not)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from testkit.fixtures_path import FIXTURES

NML_DIR = FIXTURES / "nml"
ALL = sorted(NML_DIR.rglob("*.nml"))
REFORMATTED = {
    "wolkenarchitekt__traktor-nml-utils/tests/fixtures/cuepoints.nml",
    "wolkenarchitekt__traktor-nml-utils/tests/fixtures/playlist.nml",
    "digital-dj-tools__dj-data-converter/test-resources/collection.nml",
    "ericanastas__traktor-tagger/collection.nml",
    "Segolene-Albouy__Traktor-NML-to-Rekordbox-XML/playlist_traktor.nml",
    "shishoi__MusicAnalyzer/backups/collection_2025-11.nml",
    "vibedrive__vibd-traktor/collection.nml",
}


def rel(p: Path) -> str:
    return p.relative_to(NML_DIR).as_posix()


RAW = [p for p in ALL if rel(p) not in REFORMATTED]


def ids(paths: list[Path]) -> list[str]:
    return [rel(p) for p in paths]


def fx(name: str) -> Path:
    return NML_DIR / name


@cache
def tree(path: Path) -> etree._ElementTree:
    """An independent full lxml parse, to check the streaming reader against."""
    return etree.parse(str(path), etree.XMLParser(huge_tree=True, resolve_entities=False))


def collection_entries(path: Path) -> list[etree._Element]:
    return tree(path).getroot().findall("COLLECTION/ENTRY")
