"""History files as plays; finding collection.nml; spotting a running Traktor."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from musictool.integrations.traktor.discover import discover, version_of
from musictool.integrations.traktor.history import history_files, read_history, started_at, unpack_date
from musictool.integrations.traktor.reader import NmlError
from musictool.integrations.traktor.running import traktor_running
from tests.unit.traktor.nmlfixtures import fx

HISTORIES = {
    "wolkenarchitekt__traktor-nml-utils/@d38ddd8/tests/fixtures/history.nml": 169,
    "wolkenarchitekt__traktor-nml-utils/xml_to_xsd/history.nml": 4,
    "discreteinfinity__nml-parser/history.nml": 7,
    "ryyckxxa__my-traktor-library/History/history_2010y11m16d_23h24m57s.nml": 11,
    "ryyckxxa__my-traktor-library/History/history_2011y05m02d_21h10m49s.nml": 281,
    "ryyckxxa__my-traktor-library/History/history_2012y05m29d_04h33m46s.nml": 187,
    "ryyckxxa__my-traktor-library/History/history_2013y06m24d_09h59m06s.nml": 34,
}


@pytest.mark.parametrize(("name", "plays"), HISTORIES.items(), ids=list(HISTORIES))
def test_history_plays(name: str, plays: int) -> None:
    s = read_history(fx(name))
    assert len(s.plays) == plays
    assert [p.position for p in s.plays] == list(range(plays))
    assert all(p.started_at for p in s.plays)
    assert all(p.title for p in s.plays if p.key_type == "TRACK")  # from the file's snapshot


def test_history_details() -> None:
    s = read_history(fx("ryyckxxa__my-traktor-library/History/history_2010y11m16d_23h24m57s.nml"))
    assert s.saved_at == "2010-11-16T23:24:57"
    assert s.plays[0].started_at.startswith("2010-11-16T")
    assert all(p.played_public is None for p in s.plays)  # V14: no PLAYEDPUBLIC
    s = read_history(fx("ryyckxxa__my-traktor-library/History/history_2012y05m29d_04h33m46s.nml"))
    assert s.plays[0].started_at.startswith("2012-05-25")  # a session spanning days
    s = read_history(fx("wolkenarchitekt__traktor-nml-utils/@d38ddd8/tests/fixtures/history.nml"))
    keys = [p.location_key for p in s.plays]
    assert len(set(keys)) == 151  # 169 plays of 151 tracks
    assert {p.deck for p in s.plays} <= {0, 1, 2, 3}
    stem = read_history(fx("wolkenarchitekt__traktor-nml-utils/xml_to_xsd/history.nml"))
    assert any(p.key_type == "STEM" for p in stem.plays)


def test_packed_dates() -> None:
    assert unpack_date(131730192) == "2010-11-16"
    assert started_at(131730192, 3723) == "2010-11-16T01:02:03"
    assert unpack_date("junk") is None and unpack_date(5) is None


def test_a_collection_is_not_a_history() -> None:
    with pytest.raises(NmlError, match="not a Traktor history"):
        read_history(fx("polamjag__traktor-nml/spec/traktor/osx.nml"))


def test_history_files_listing(tmp_path: Path) -> None:
    (tmp_path / "History").mkdir()
    for n in ("history_2013y06m24d_09h59m06s.nml", "history_2010y11m16d_23h24m57s.nml", "notes.txt"):
        (tmp_path / "History" / n).write_text("x")
    assert [p.name for p in history_files(tmp_path)] == [
        "history_2010y11m16d_23h24m57s.nml",
        "history_2013y06m24d_09h59m06s.nml",
    ]


# -- discovery ----------------------------------------------------------------------------------------------


def _install(home: Path, version: str, with_collection: bool = True) -> Path:
    d = home / "Documents" / "Native Instruments" / version
    d.mkdir(parents=True)
    if with_collection:
        (d / "collection.nml").write_bytes(fx("polamjag__traktor-nml/spec/traktor/osx.nml").read_bytes())
    return d / "collection.nml"


def test_version_parsing() -> None:
    assert version_of("Traktor 3.10.1") == (3, 10, 1)
    assert version_of("Traktor Pro 4") == (4,)
    assert version_of("Traktor") == (1,)
    assert version_of("Traktor Kontrol S4") is None
    assert version_of("Maschine 2") is None


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_newest_version_folder_wins(tmp_path: Path, platform: str) -> None:
    _install(tmp_path, "Traktor 3.4.2")
    newest = _install(tmp_path, "Traktor 3.10.1")  # 3.10 > 3.4 numerically, not as text
    _install(tmp_path, "Traktor 4.0.0", with_collection=False)
    d = discover(home=tmp_path, platform=platform, env={})
    assert d.collection == str(newest) and d.source == "auto"
    assert len(d.candidates) == 2
    assert any("highest" in r for r in d.reasons)
    assert any("no collection.nml" in r for r in d.reasons)


def test_config_overrides_and_linux_needs_it(tmp_path: Path) -> None:
    _install(tmp_path, "Traktor 3.10.1")
    custom = tmp_path / "elsewhere" / "collection.nml"
    d = discover(str(custom), home=tmp_path, platform="darwin")
    assert d.collection == str(custom) and d.source == "config"
    assert any("does not exist" in r for r in d.reasons)
    empty = tmp_path / "empty-home"
    empty.mkdir()
    d = discover(home=empty, platform="linux")
    assert d.collection is None and d.source == "none"
    assert any("set [traktor] collection" in r for r in d.reasons)


def test_windows_onedrive_documents(tmp_path: Path) -> None:
    one = tmp_path / "OneDrive"
    (one / "Documents" / "Native Instruments" / "Traktor 3.11.0").mkdir(parents=True)
    coll = one / "Documents" / "Native Instruments" / "Traktor 3.11.0" / "collection.nml"
    coll.write_text("<NML/>")
    d = discover(home=tmp_path / "nohome", platform="win32", env={"OneDrive": str(one)})
    assert d.collection == str(coll)


# -- running Traktor ----------------------------------------------------------------------------------------


def test_running_traktor_is_seen_by_process_name(tmp_path: Path) -> None:
    # A unique name, not "Traktor": daemons under test in parallel workers must not see a Traktor running.
    name = f"MtDeck{uuid.uuid4().hex[:6]}"
    fake = tmp_path / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", fake)
    assert traktor_running([name]) is None
    proc = subprocess.Popen([str(fake), "30"])
    try:
        deadline = time.monotonic() + 5
        while traktor_running([name]) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert traktor_running([name]) == name
        assert traktor_running([name.lower()]) == name  # case-insensitive
        assert traktor_running([name[:8]]) == name  # a prefix covers "Traktor Pro 4", "Traktor.exe"
    finally:
        proc.kill()
        proc.wait()
    assert traktor_running([name]) is None
