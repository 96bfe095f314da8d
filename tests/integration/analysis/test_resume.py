"""A library analysis killed mid-way (SIGKILL) resumes from its checkpoint after a restart: the tracks done
before the crash are neither redone nor re-examined."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.unit.analysis.audio_helpers import clip

N_FILES = 16


@pytest.mark.slow
def test_killed_library_job_resumes_from_its_checkpoint(daemon_factory: Any, tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    src = clip(tmp_path / "src.flac", bpm=125.0, duration=20.0)
    entries = []
    dirs = "".join(f"/:{c}" for c in music.parts[1:]) + "/:"
    for i in range(N_FILES):
        shutil.copy(src, music / f"t{i:02d}.flac")
        entries.append(f'<ENTRY TITLE="T{i:02d}" ARTIST="X"><LOCATION DIR="{dirs}" FILE="t{i:02d}.flac" VOLUME="" '
                       'VOLUMEID=""></LOCATION></ENTRY>')  # fmt: skip
    nml = tmp_path / "collection.nml"
    nml.write_text('<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n<NML VERSION="19"><HEAD PROGRAM="Traktor">'
                   f'</HEAD><COLLECTION ENTRIES="{N_FILES}">{"".join(entries)}</COLLECTION></NML>\n')  # fmt: skip
    config = {"traktor": {"collection": str(nml)}, "analysis": {"workers": 1}}
    d = daemon_factory(config=config)
    d.wait_for(lambda: d.api().get("/tracks")["total"] == N_FILES, timeout=30, what="ingest")
    job_id = d.api().post("/analysis", {"library": True})["id"]
    job = d.wait_for(lambda: (j := d.api().get(f"/jobs/{job_id}"))["state"] and j, timeout=60, interval=0.02,
                     what="first checkpoint")  # fmt: skip
    d.kill()
    done_before = job["state"]["analysed"]
    assert 0 < done_before < N_FILES, "the job finished before it could be interrupted"
    with sqlite3.connect(d.home / "musictool.db") as conn:
        first = dict(conn.execute("SELECT track_id, analyzed_at FROM analysis_results").fetchall())

    d.start()
    final = d.wait_job(job_id, timeout=120)
    assert final["status"] == "succeeded"
    # resumed after the checkpoint: the tracks before it were not even looked at again; only files that
    # finished between the last checkpoint and the kill can come back as "unchanged"
    result = final["result"]
    assert result["analysed"] + result["skipped"] == N_FILES and result["failed"] == 0, result
    assert result["skipped"] < done_before, result
    assert final["attempts"] >= 1
    with sqlite3.connect(d.home / "musictool.db") as conn:
        after = dict(conn.execute("SELECT track_id, analyzed_at FROM analysis_results").fetchall())
    assert len(after) == N_FILES
    checkpointed = [t for t in first if t <= job["state"]["after_id"]]
    assert checkpointed and all(after[t] == first[t] for t in checkpointed)
