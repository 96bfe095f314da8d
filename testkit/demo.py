"""The demo set-up as a real user gets it from scripts/demo.sh (`musictool demo`): the bundled sample
collection.nml, the bundled sample Discogs collection served by the product's own stand-in (in a thread of
this process), and a real `musictool serve` synced against both. Used by the dashboard's browser tests and its
screenshot script, so they show what the README's demo shows."""

from __future__ import annotations

import socket
from importlib import resources
from pathlib import Path
from typing import Any

from musictool.demo.standin import StandIn
from testkit.daemon import Daemon

USER, TOKEN = "demo", "demo-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.standin: StandIn | None = None
        self.daemon: Daemon | None = None

    def start(self) -> Demo:
        self.root.mkdir(parents=True, exist_ok=True)
        traktor = self.root / "Traktor"
        traktor.mkdir(exist_ok=True)
        (traktor / "collection.nml").write_bytes(resources.files("musictool.demo").joinpath("collection.nml").read_bytes())
        self.standin = StandIn()
        base_url = self.standin.start()
        self.daemon = Daemon(
            self.root / "home",
            {
                "api": {"port": free_port()},  # fixed, so a restarted daemon is found at the same address
                "traktor": {"collection": str(traktor / "collection.nml")},
                "discogs": {
                    "username": USER,
                    "token": TOKEN,
                    "base_url": base_url,
                    "poll_interval": 3600,
                    "rate_limit": 600,
                },
            },
        ).start()
        api = self.daemon.api()
        job = api.post("/discogs/sync", {"full": True})
        self.daemon.wait_job(job["id"], timeout=120)
        self.wait_idle()

        def health_checked() -> bool:  # the first library health pass follows the ingest on its own timer
            health = api.get("/library/health")
            return bool(health["tracks"]) and health["files_checked"] >= health["tracks"]

        self.daemon.wait_for(health_checked, 120, interval=0.3, what="the first library health pass")
        self.wait_idle()
        return self

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Until no job is queued or running (the match after the sync, enrichment)."""
        assert self.daemon is not None

        def idle() -> bool:
            counts: dict[str, Any] = self.daemon.api().get("/status")["jobs"]["counts"]
            return not counts.get("queued") and not counts.get("running")

        self.daemon.wait_for(idle, timeout, interval=0.3, what="an idle job queue")

    @property
    def url(self) -> str:
        assert self.daemon is not None
        return f"http://127.0.0.1:{self.daemon.port}"

    def stop(self) -> None:
        if self.daemon is not None:
            try:
                self.daemon.stop(timeout=20)
            except Exception:  # noqa: BLE001 - the stand-in must still be stopped
                self.daemon.kill()
        if self.standin is not None:
            self.standin.stop()
            self.standin = None
