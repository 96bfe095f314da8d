"""One client cannot pile up work or hold the daemon's sockets (issue 11, item 8), against a real daemon:
identical job requests share a job, queued jobs per kind, event streams and queued collection writes are
capped with 429 + Retry-After, and half-sent requests are cut off."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from testkit.daemon import Daemon
from tests.unit.traktor.nmlfixtures import fx

SRC = fx("TravestyAudio__Collection/collection.nml")
TIMEOUT = 2.0


@pytest.fixture(scope="module")
def d(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    root = tmp_path_factory.mktemp("limits")
    shutil.copy(SRC, root / "collection.nml")
    name = f"MtDeck{uuid.uuid4().hex[:6]}"
    shutil.copy(shutil.which("sleep") or "/bin/sleep", root / name)
    daemon = Daemon(
        root / "home",
        {
            "traktor": {
                "collection": str(root / "collection.nml"),
                "process_names": [name],
                "write_check_seconds": 0.2,
                "max_queued_writes": 3,
            },
            "jobs": {"max_queued_per_kind": 3},
            "api": {"max_event_streams": 2, "request_timeout": TIMEOUT},
        },
    )
    daemon.start()
    daemon.deck = root / name  # type: ignore[attr-defined]
    daemon.wait_for(lambda: daemon.api().get("/tracks")["total"] == 1978, timeout=60, what="ingest")
    daemon.api().post("/jobs/pause")  # jobs stay queued, so the caps are reached deterministically
    yield daemon
    daemon.stop()


def call(d: Daemon, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], dict]:
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    headers = {"Host": f"127.0.0.1:{d.port}", "Authorization": f"Bearer {d.token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, "/api/v1" + path, body=json.dumps(body) if body is not None else None, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), json.loads(data) if data else {}


def _ids(d: Daemon, n: int, offset: int = 0) -> list[int]:
    return [t["id"] for t in d.api().get("/tracks", limit=n, offset=offset, sort="id")["items"]]


@pytest.mark.parametrize(("path", "kind"), [("/analysis", "analysis.track"), ("/enrich", "enrich.batch")])
def test_identical_requests_share_one_job_and_queued_jobs_are_capped(d: Daemon, path: str, kind: str) -> None:
    api = d.api()
    ids = _ids(d, 200)
    first = [api.post(path, {"track_ids": ids})["id"] for _ in range(3)]
    assert len(set(first)) == 1, first  # the same request while its job waits is that job
    assert api.post(path, {"track_ids": list(reversed(ids))})["id"] == first[0]  # same content, other order
    others = [api.post(path, {"track_ids": [i]})["id"] for i in ids[:2]]
    assert len({first[0], *others}) == 3
    status, headers, problem = call(d, "POST", path, {"track_ids": [ids[5]]})
    assert status == 429 and kind in problem["detail"], problem
    assert int(headers["Retry-After"]) >= 1
    assert api.post(path, {"track_ids": ids})["id"] == first[0]  # a known request is still answered
    queued = api.get("/jobs", status="queued", kind=kind, limit=100)["items"]
    assert len(queued) == 3


def _open_stream(d: Daemon) -> tuple[socket.socket, bytes]:
    s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    s.sendall(
        f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{d.port}\r\nAuthorization: Bearer {d.token}\r\n\r\n".encode()
    )
    return s, s.recv(4096)


def test_event_streams_are_capped(d: Daemon) -> None:
    streams = [_open_stream(d) for _ in range(2)]
    try:
        assert all(head.startswith(b"HTTP/1.1 200") for _, head in streams)
        third, head = _open_stream(d)
        third.close()
        assert head.startswith(b"HTTP/1.1 429") and b"Retry-After" in head
    finally:
        for s, _ in streams:
            s.close()
    def slot_free() -> bool:
        s, head = _open_stream(d)
        s.close()
        return head.startswith(b"HTTP/1.1 200")

    d.wait_for(slot_free, timeout=5, what="a stream slot freed by a client that went away")


def test_writes_waiting_for_traktor_are_capped(d: Daemon) -> None:
    api = d.api()
    deck = subprocess.Popen([str(d.deck), "60"])  # type: ignore[attr-defined]
    try:
        ids = _ids(d, 5, offset=300)
        for n, tid in enumerate(ids[:3]):
            assert api.patch(f"/tracks/{tid}", {"comment": f"queued {n}"})["status"] == "queued"
        status, headers, problem = call(d, "PATCH", f"/tracks/{ids[3]}", {"comment": "one too many"})
        assert status == 429 and "Traktor" in problem["detail"], problem
        assert int(headers["Retry-After"]) >= 1
    finally:
        deck.kill()
        deck.wait()
    d.wait_for(
        lambda: all(w["status"] == "applied" for w in api.get("/traktor/writes")["items"]),
        timeout=20,
        what="the queued writes applied once Traktor quit",
    )


def _closed_within(s: socket.socket, seconds: float) -> bool:
    s.settimeout(seconds)
    try:
        while s.recv(4096):  # a 408/400 answer may come first; the point is that the socket is closed
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_half_sent_requests_are_cut_off(d: Daemon) -> None:
    """200 sockets that send half a header, and one that trickles a body, are closed within a few seconds."""
    started = time.monotonic()
    half = []
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        half.append(s)
    body = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    body.sendall(
        f"POST /api/v1/wishlist HTTP/1.1\r\nHost: 127.0.0.1:{d.port}\r\nAuthorization: Bearer {d.token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"artist\": ".encode()
    )
    try:
        assert all(_closed_within(s, TIMEOUT + 6) for s in half)
        assert _closed_within(body, TIMEOUT + 6)
        assert time.monotonic() - started < TIMEOUT + 10
    finally:
        for s in [*half, body]:
            s.close()
    assert d.api().get("/health")["status"] == "ok"  # and the daemon serves on
