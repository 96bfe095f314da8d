"""Issue 11.1: a failing Discogs request must not leak the token (it travels in the URL as ?token=) into
jobs.error, discogs.last_error, SSE, GET /status, the logs or the database files."""

from __future__ import annotations

import http.client
import socket
from pathlib import Path
from typing import Any

from testkit.daemon import Daemon

DISCOGS_TOKEN = "dGhpcy1pcy1hLXNlY3JldC10b2tlbg"
ACOUSTID_KEY = "acoustid-Key-4711x"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: every request is refused
    return port


def _sse_backlog(d: Daemon) -> str:
    """Every event the daemon kept: an unknown Last-Event-ID replays the whole ring."""
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=3)
    conn.request(
        "GET",
        "/api/v1/events",
        headers={
            "Host": f"127.0.0.1:{d.port}",
            "Authorization": f"Bearer {d.token}",
            "Last-Event-ID": "unknown-1",
        },
    )
    resp = conn.getresponse()
    chunks = []
    try:
        while True:
            line = resp.fp.readline()
            if not line:
                break
            chunks.append(line.decode())
    except TimeoutError:
        pass
    conn.close()
    return "".join(chunks)


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name != "config.toml"]


def test_a_refused_discogs_request_leaks_the_token_nowhere(daemon_factory: Any) -> None:
    d: Daemon = daemon_factory(
        {
            "discogs": {
                "username": "demo",
                "token": DISCOGS_TOKEN,
                "base_url": f"http://127.0.0.1:{_closed_port()}",
                "poll_interval": 0,
                "prices_interval": 0,
                "new_releases_interval": 0,
                "timeout": 2,
                "retry_delay": 60,
            },
            "acoustid": {"api_key": ACOUSTID_KEY},
        }
    )
    api = d.api()
    job = api.post("/discogs/sync", {})
    failed = d.wait_for(
        lambda: (j := api.get(f"/jobs/{job['id']}")).get("error") and j, timeout=60, what="the sync to fail"
    )
    # the failure is reported, and still says what went wrong and where
    assert "unreachable" in failed["error"] and "127.0.0.1" in failed["error"]
    seen = {
        "GET /jobs": str(api.get("/jobs")),
        "GET /jobs/{id}": str(failed),
        "GET /status": str(api.get("/status")),
        "SSE": _sse_backlog(d),
    }
    assert "Connection" in seen["GET /status"] or "unreachable" in seen["GET /status"]
    assert "unreachable" in seen["SSE"]
    d.stop()
    for path in _files_under(d.home):  # logs, the database and its WAL, daemon output
        seen[str(path)] = path.read_bytes().decode("latin-1")
    for where, text in seen.items():
        assert DISCOGS_TOKEN not in text, f"the Discogs token leaked into {where}"
        assert ACOUSTID_KEY not in text, f"the AcoustID key leaked into {where}"
