"""Issue 11.3: the home folder and every file the daemon makes are private to the user."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.unit.traktor.nmlfixtures import fx

SRC = fx("TravestyAudio__Collection/collection.nml")


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.lstat().st_mode)


def test_home_is_tightened_and_every_file_is_private(daemon_factory: Any, tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual desktop umask: without care every file would be 0644
    try:
        home = tmp_path / "home"
        (home / "logs").mkdir(parents=True)
        home.chmod(0o755)
        (home / "logs").chmod(0o755)
        stale = home / "logs" / "musictool.log.1"  # left by an older version, world-readable
        stale.write_text("old log\n")
        stale.chmod(0o644)
        coll = tmp_path / "Traktor" / "collection.nml"
        coll.parent.mkdir()
        shutil.copy(SRC, coll)
        d = daemon_factory(config={"traktor": {"collection": str(coll)}}, home=home)
        (home / "config.toml").chmod(0o644)
        api = d.api()
        d.wait_for(lambda: api.get("/tracks")["total"] == 1978, timeout=60, what="initial ingest")
        t = api.get("/tracks", q="intro beat")["items"][0]
        w = api.patch(f"/tracks/{t['id']}", {"genre": "Private"})
        assert w["status"] == "applied" and w["backup_path"]
        env = dict(os.environ, MUSICTOOL_HOME=str(home))
        rotated = subprocess.run(
            [sys.executable, "-m", "musictool", "token", "rotate"], env=env, capture_output=True, text=True
        )
        assert rotated.returncode == 0, rotated.stderr
        d.stop()
        d.start()  # a second start sees the world-readable config.toml again
        api = d.api()
        assert api.get("/status")["pid"] == d.proc.pid

        assert _mode(home) == 0o700
        made = [p for p in home.rglob("*") if p.name not in ("config.toml", "daemon-output.log")]
        names = {p.name for p in made}
        assert {"musictool.db", "musictool.db-wal", "api-token", "daemon.json", "musictool.log"} <= names
        assert any(p.parent.name == "traktor" and p.suffix == ".nml" for p in made), names  # a backup
        for p in made:
            want = 0o700 if p.is_dir() else 0o600
            assert _mode(p) == want, f"{p.relative_to(home)} is {oct(_mode(p))}, not {oct(want)}"
        log = (home / "logs" / "musictool.log").read_text()
        warning = "config.toml can be read by other users"
        assert log.count(warning) == 2, log[-3000:]  # once per start, not once per read
        assert _mode(home / "config.toml") == 0o644  # the user's file: warned about, not changed behind their back
    finally:
        os.umask(old)
