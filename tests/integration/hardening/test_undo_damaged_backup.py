"""Issue 11.2 end to end: the API and `musictool traktor undo` refuse a damaged backup and say so; --force
restores it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from musictool.cli.client import ApiError
from tests.unit.traktor.nmlfixtures import fx

SRC = fx("TravestyAudio__Collection/collection.nml")


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MUSICTOOL_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "musictool", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_a_truncated_backup_is_refused_by_api_and_cli_and_forced_through(
    daemon_factory: Any, tmp_path: Path
) -> None:
    coll = tmp_path / "Traktor" / "collection.nml"
    coll.parent.mkdir()
    shutil.copy(SRC, coll)
    original = coll.read_bytes()
    d = daemon_factory(config={"traktor": {"collection": str(coll)}})
    api = d.api()
    d.wait_for(lambda: api.get("/tracks")["total"] == 1978, timeout=60, what="initial ingest")
    t = api.get("/tracks", q="intro beat")["items"][0]
    w = api.patch(f"/tracks/{t['id']}", {"genre": "Edited"})
    ours = coll.read_bytes()
    backup = Path(w["backup_path"])
    cut = original[:65536]
    backup.write_bytes(cut)  # what a full disk used to leave behind

    with pytest.raises(ApiError) as ei:
        api.post("/traktor/undo")
    assert ei.value.status == 409
    assert "not well-formed" in ei.value.body["detail"] and "force" in ei.value.body["detail"]
    assert coll.read_bytes() == ours

    out = _cli(d.home, "traktor", "undo")
    assert out.returncode != 0 and "not well-formed" in out.stderr, out.stdout + out.stderr
    assert coll.read_bytes() == ours

    out = _cli(d.home, "traktor", "undo", "--force")
    assert out.returncode == 0, out.stderr
    assert coll.read_bytes() == cut  # forced: the user asked for exactly that file back
