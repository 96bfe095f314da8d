"""Discogs through a real `musictool serve` process pointed at the fake: API, CLI, crash resume, bad token."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest

from testkit.fakes.discogs.server import FakeDiscogs, ServerThread

TOKEN = "daemon-token"


def discogs_config(base_url: str, **extra: Any) -> dict[str, dict[str, Any]]:
    cfg = {
        "username": "demo",
        "token": TOKEN,
        "base_url": base_url,
        "poll_interval": 0,
        "timeout": 5,
        "rate_window": 1.0,
        "retry_delay": 0.5,
        "prices_interval": 0,
        "new_releases_interval": 0,
    }
    cfg.update(extra)
    return {"discogs": cfg}


@pytest.fixture
def fake() -> FakeDiscogs:
    f = FakeDiscogs(limit=1000, window=1.0)
    f.add_user("demo", token=TOKEN, releases=40, wants=3)
    return f


def test_sync_api_and_cli_end_to_end(fake: FakeDiscogs, daemon_factory: Any) -> None:
    with ServerThread(fake) as srv:
        d = daemon_factory(discogs_config(srv.base_url))
        api = d.api()
        job = api.post("/discogs/sync", {})
        assert job["kind"] == "discogs.sync" and job["status"] in ("queued", "running")
        done = d.wait_job(job["id"])
        assert done["status"] == "succeeded", done["error"]
        assert done["result"]["mode"] == "full"  # nothing to be incremental against yet

        page = api.get("/discogs/releases", limit=10)
        assert page["total"] == 40 and len(page["items"]) == 10
        first = page["items"][0]
        newest = max(fake.users["demo"].instances, key=lambda i: i["date_added"])
        assert first["id"] == newest["id"]
        body = fake.catalog.release(first["id"])
        assert first["title"] == body["title"]
        assert [t["position"] for t in first["tracklist"] if t["type"] == "track"] == [
            t["position"] for t in body["tracklist"] if t["type_"] == "track"
        ]
        one = api.get(f"/discogs/releases/{first['id']}")
        assert one["in_collection"] and one["instances"][0]["instance_id"] == newest["instance_id"]
        assert api.get("/discogs/wants")["total"] == 3
        status = api.get("/status")["discogs"]
        assert status["state"] == "ok" and status["counts"]["copies"] == 40

        # the wantlist changes on Discogs itself, through the rate-limited client
        want = api.post("/discogs/wants", {"release_id": 249504, "notes": "any press", "target_price": 5})
        assert want["release"]["title"] == "Never Gonna Give You Up" and want["target_price"] == 5
        assert fake.users["demo"].wants[249504]["notes"] == "any press"
        api.delete("/discogs/wants/249504")
        assert 249504 not in fake.users["demo"].wants
        assert api.get("/discogs/wants")["total"] == 3

        # `musictool sync discogs`: one incremental request for two new records, progress to the end
        srv.call(fake.add_instance, "demo")
        srv.call(fake.add_instance, "demo")
        before = len(fake.log)
        env = dict(os.environ, MUSICTOOL_HOME=str(d.home))
        out = subprocess.run(
            [sys.executable, "-m", "musictool", "sync", "discogs"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert "succeeded" in out.stdout and "added" in out.stdout
        assert len(fake.log) - before == 1 + 2
        assert api.get("/discogs/releases")["total"] == 42
        kinds = [e["kind"] for e in api.get("/timeline", source="discogs")["items"]]
        assert kinds.count("record.added") == 2 and "collection.imported" in kinds


@pytest.mark.slow
def test_sync_killed_with_sigkill_resumes_without_refetching(daemon_factory: Any) -> None:
    fake = FakeDiscogs(limit=1000, window=1.0)
    fake.add_user("demo", token=TOKEN, releases=500, wants=3)
    fake.inject(delay=0.4, count=100, path_prefix="/users/demo/collection/folders/0/releases")
    with ServerThread(fake) as srv:
        d = daemon_factory(discogs_config(srv.base_url))
        job = d.api().post("/discogs/sync", {"full": True})

        def pages_done() -> int:
            return len(
                [e for e in fake.requests("/users/demo/collection/folders/0/releases") if e.status == 200]
            )

        d.wait_for(lambda: pages_done() >= 2, timeout=30, what="two collection pages")
        d.kill()
        stored_pages = {
            int(e.query["page"])
            for e in fake.requests("/users/demo/collection/folders/0/releases")
            if e.status == 200
        }
        d.start()
        d.wait_for(lambda: len(fake.requests("/releases/")) >= 100, timeout=60, what="100 release details")
        d.kill()
        details_before = {e.path for e in fake.requests("/releases/") if e.status == 200}
        d.start()
        done = d.wait_job(job["id"], timeout=120)
        assert done["status"] == "succeeded", done["error"]

    page_requests = [int(e.query["page"]) for e in fake.requests("/users/demo/collection/folders/0/releases")]
    assert sorted(set(page_requests)) == [1, 2, 3, 4, 5]
    # a page whose rows were committed before the kill is never asked for again; only the one in flight may be
    assert len(page_requests) <= 5 + 1
    for p in stored_pages - {max(stored_pages)}:
        assert page_requests.count(p) == 1
    details = [e.path for e in fake.requests("/releases/")]
    assert len(set(details)) == 500
    assert len(details) <= 500 + 1  # at most the release in flight at the kill
    assert all(details.count(p) == 1 for p in details_before if p != details[len(details_before) - 1])
    status = d.api().get("/status")["discogs"]
    assert status["counts"] == {"copies": 500, "releases": 500, "wants": 3, "without_details": 0}


@pytest.mark.slow
def test_bad_token_gives_a_status_and_exactly_one_notification(
    fake: FakeDiscogs, daemon_factory: Any
) -> None:
    with ServerThread(fake) as srv:
        cfg = discogs_config(srv.base_url, token="revoked-token", poll_interval=1)
        d = daemon_factory(cfg)
        api = d.api()
        # the scheduler's first sync (5 s after start) meets the 401
        d.wait_for(
            lambda: api.get("/status")["discogs"]["state"] == "auth_failed", timeout=30, what="auth_failed"
        )
        time.sleep(2.5)  # two more scheduled polls: they must not call Discogs again
        assert [e.status for e in fake.log] == [401]
        notes = [n for n in api.get("/notifications")["items"] if n["kind"] == "discogs.auth"]
        assert len(notes) == 1 and "token" in notes[0]["title"].lower()
        status = api.get("/status")["discogs"]
        assert "401" in status["message"] and status["username"] == "demo"
        # asking by hand tries once more (one request), still one notification, and the job says why
        job = d.wait_job(api.post("/discogs/sync", {})["id"])
        assert job["status"] == "failed" and "401" in job["error"] and job["attempts"] == 1
        assert [e.status for e in fake.log] == [401, 401]
        assert len([n for n in api.get("/notifications")["items"] if n["kind"] == "discogs.auth"]) == 1
