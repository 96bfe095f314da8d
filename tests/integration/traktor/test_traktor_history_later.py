"""A real daemon started before Traktor made its History folder reads the sets saved into it later."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.unit.traktor.nmlfixtures import fx

NAME = "history_2013y06m24d_09h59m06s.nml"


def test_a_history_folder_made_after_start_is_read(daemon_factory: Any, tmp_path: Path) -> None:
    root = tmp_path / "Traktor"
    root.mkdir()
    shutil.copy(fx("ryyckxxa__my-traktor-library/collection.nml"), root / "collection.nml")
    d = daemon_factory(config={"traktor": {"collection": str(root / "collection.nml"), "debounce_seconds": 0.2}})
    api = d.api()
    d.wait_for(lambda: api.get("/tracks", limit=1)["total"] > 0, timeout=60, what="initial ingest")
    assert api.get("/status")["traktor"].get("history_sessions") == 0

    (root / "History").mkdir()  # Traktor's first saved set
    shutil.copy(fx(f"ryyckxxa__my-traktor-library/History/{NAME}"), root / "History" / NAME)
    d.wait_for(lambda: api.get("/status")["traktor"].get("plays") == 34, timeout=30, what="the first set")
    shutil.copy(root / "History" / NAME, root / "History" / "history_2013y06m25d_01h00m00s.nml")
    d.wait_for(
        lambda: api.get("/status")["traktor"].get("history_sessions") == 2, timeout=30, what="the next set"
    )
