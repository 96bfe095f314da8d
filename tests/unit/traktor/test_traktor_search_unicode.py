"""q= finds a word whatever its Unicode form: tags written on macOS are NFD, typed text is usually NFC."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from musictool.integrations.traktor.ingest import ingest_direct
from musictool.store import traktor as store
from musictool.store.db import Database

NFC = unicodedata.normalize("NFC", "Rosé")
NFD = unicodedata.normalize("NFD", "Rosé")


def _entry(title: str, file: str, bpm: float) -> str:
    return (
        f'<ENTRY TITLE="{title}" ARTIST="Test"><LOCATION DIR="/:music/:" FILE="{file}" VOLUME="" VOLUMEID="">'
        f'</LOCATION><INFO></INFO><TEMPO BPM="{bpm}" BPM_QUALITY="100"></TEMPO></ENTRY>'
    )


def _nml(path: Path) -> Path:
    entries = [
        _entry(f"{NFC} Dawn", "a.mp3", 120.0),
        _entry(f"{NFD} Dusk", "b.mp3", 124.0),
        _entry("Rose Plain", "c.mp3", 128.0),
    ]
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD COMPANY="www.native-'
        f'instruments.com" PROGRAM="Traktor"></HEAD><COLLECTION ENTRIES="{len(entries)}">{"".join(entries)}'
        "</COLLECTION></NML>\n",
        encoding="utf-8",
    )
    return path


async def test_both_forms_find_both_tracks(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "musictool.db")
    try:
        await db.run_in_writer(ingest_direct, str(_nml(tmp_path / "collection.nml")), "collection")
        stored = await db.fetchall("SELECT title, search_text FROM tracks ORDER BY id")
        assert NFD.casefold() in stored[1]["search_text"] and NFC.casefold() not in stored[1]["search_text"]
        for typed in (NFC, NFD, NFC.upper(), f"{NFD.lower()} test"):
            # alone (the walk of the sort index) and with another filter (the search index's id list)
            for extra in ({}, {"bpm_min": 100.0}):
                items, total = await store.list_tracks(db, limit=50, offset=0, q=typed, sort="id", **extra)
                assert total == 2, (typed, extra)
                assert [unicodedata.normalize("NFC", t["title"]) for t in items] == [
                    f"{NFC} Dawn",
                    f"{NFC} Dusk",
                ]
        items, total = await store.list_tracks(db, limit=50, offset=0, q=f"{NFD} dusk", sort="id")
        assert total == 1 and items[0]["title"] == f"{NFD} Dusk"
    finally:
        await db.close()
