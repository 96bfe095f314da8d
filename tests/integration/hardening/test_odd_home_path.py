"""Issue 11.9: a home folder whose path holds # and % works end to end (database, ingest, restart)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.unit.traktor.nmlfixtures import fx

SRC = fx("TravestyAudio__Collection/collection.nml")


def test_a_home_named_with_hash_and_percent(daemon_factory: Any, tmp_path: Path) -> None:
    home = tmp_path / "DJ #1 100%41"
    coll = tmp_path / "collection.nml"
    shutil.copy(SRC, coll)
    d = daemon_factory(config={"traktor": {"collection": str(coll)}}, home=home)
    api = d.api()
    d.wait_for(lambda: api.get("/tracks")["total"] == 1978, timeout=60, what="the first ingest")
    assert (home / "musictool.db").stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([home.name, "collection.nml"])  # no stray db
    d.stop()
    d.start()
    api = d.api()
    job = api.post("/traktor/ingest")  # a second ingest reads what the first one stored
    d.wait_job(job["job_id"])
    assert api.get("/tracks")["total"] == 1978
    assert api.get(f"/jobs/{job['job_id']}")["status"] == "succeeded"
