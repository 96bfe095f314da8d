"""The demo set-up as a real user gets it from scripts/demo.sh: the demo Traktor collection (scripts/
demo_collection.py), the Discogs fake serving the matching collection in its own process, and a real
`musictool serve` synced against it. Used by the dashboard's browser tests and its screenshot script."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from testkit.daemon import Daemon
from testkit.fixtures_path import REPO

USER, TOKEN = "demo", "demo-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    def __init__(self, root: Path, releases: int = 40) -> None:
        self.root = root
        self.releases = releases
        self.fake: subprocess.Popen[bytes] | None = None
        self.daemon: Daemon | None = None

    def start(self) -> Demo:
        self.root.mkdir(parents=True, exist_ok=True)
        traktor = self.root / "Traktor"
        subprocess.run(
            [sys.executable, str(REPO / "scripts" / "demo_collection.py"), str(traktor), "--releases", str(self.releases)],
            check=True, cwd=REPO, stdout=subprocess.DEVNULL, env=Daemon(self.root / "home").env(),
        )  # fmt: skip
        fake_port = free_port()
        log = open(self.root / "fake-discogs.log", "wb")  # noqa: SIM115 - closed with the process
        self.fake = subprocess.Popen(
            [sys.executable, "-m", "testkit.fakes.discogs", "--port", str(fake_port), "--username", USER,
             "--token", TOKEN, "--releases", str(self.releases)],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=Daemon(self.root / "home").env(),
        )  # fmt: skip
        log.close()
        self._wait_port(fake_port)
        self.daemon = Daemon(
            self.root / "home",
            {
                "api": {"port": free_port()},  # fixed, so a restarted daemon is found at the same address
                "traktor": {"collection": str(traktor / "collection.nml")},
                "discogs": {
                    "username": USER,
                    "token": TOKEN,
                    "base_url": f"http://127.0.0.1:{fake_port}",
                    "poll_interval": 3600,
                },
            },
        ).start()
        job = self.daemon.api().post("/discogs/sync", {"full": True})
        self.daemon.wait_job(job["id"], timeout=120)
        self.wait_idle()
        return self

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Until no job is queued or running (the match after the sync, enrichment)."""
        assert self.daemon is not None

        def idle() -> bool:
            counts: dict[str, Any] = self.daemon.api().get("/status")["jobs"]["counts"]
            return not counts.get("queued") and not counts.get("running")

        self.daemon.wait_for(idle, timeout, interval=0.3, what="an idle job queue")

    @staticmethod
    def _wait_port(port: int, timeout: float = 30.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"nothing listens on {port}")

    @property
    def url(self) -> str:
        assert self.daemon is not None
        return f"http://127.0.0.1:{self.daemon.port}"

    def stop(self) -> None:
        if self.daemon is not None:
            try:
                self.daemon.stop(timeout=20)
            except Exception:  # noqa: BLE001 - the fake must still be stopped
                self.daemon.kill()
        if self.fake is not None and self.fake.poll() is None:
            self.fake.terminate()
            try:
                self.fake.wait(10)
            except subprocess.TimeoutExpired:
                self.fake.kill()
                self.fake.wait()
