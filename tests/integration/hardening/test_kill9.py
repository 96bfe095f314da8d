"""Crash safety, measured (issue 11): a real `musictool serve` is SIGKILLed at seeded random moments during
NML write-back bursts, during the first ingest of a 10,000-track collection and during a Discogs sync against
the fake, 20 kills in all. After each: collection.nml and every backup parse with the right entry count, the
database passes PRAGMA integrity_check, a restart serves the same totals, an interrupted sync finishes with
the right counts, and no job is lost or finished twice."""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from lxml import etree

from musictool.cli.client import ApiClient, ApiError, DaemonNotRunning
from musictool.integrations.traktor.writer import list_backups
from testkit.daemon import Daemon
from testkit.fakes.discogs.server import FakeDiscogs, ServerThread
from testkit.nmlgen import generate
from tests.unit.traktor.nmlfixtures import fx

pytestmark = pytest.mark.slow
SEED = 20261203
FINAL = ("succeeded", "failed", "cancelled")


def entries(path: Path) -> int:
    """ENTRY elements in COLLECTION; a truncated or garbled file fails to parse here."""
    root = etree.parse(str(path), etree.XMLParser(huge_tree=True)).getroot()
    collection = root.find("COLLECTION")
    assert collection is not None, f"{path} has no COLLECTION"
    found = len(collection.findall("ENTRY"))
    assert int(collection.get("ENTRIES", found)) == found, f"{path}: ENTRIES says otherwise"
    return found


def survivors(home: Path) -> list[int]:
    """Processes of a killed daemon still running for this home (Linux /proc): its forked NML parse workers,
    its spawned pool workers (even one caught while still starting) and multiprocessing's resource tracker
    must not outlive it."""
    if not Path("/proc/self/environ").exists():
        return []
    mark = f"MUSICTOOL_HOME={home}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                if int(proc.name) != os.getpid() and mark in (proc / "environ").read_bytes().split(b"\0"):
                    found.append(int(proc.name))
    return found


def integrity(home: Path) -> None:
    conn = sqlite3.connect(home / "musictool.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def jobs(home: Path) -> dict[int, tuple[str, str, str | None, str | None]]:
    """id -> (kind, status, finished_at, result), read from the file of the dead process."""
    conn = sqlite3.connect(home / "musictool.db")
    try:
        rows = conn.execute("SELECT id, kind, status, finished_at, result FROM jobs").fetchall()
    finally:
        conn.close()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def same_or_later(before: dict[int, tuple], after: dict[int, tuple]) -> None:
    """No job is lost, and one that had finished is not run again (its status, time and result stay)."""
    lost = set(before) - set(after)
    assert not lost, f"jobs lost across the kill: {sorted(lost)}"
    for job_id, (kind, status, finished_at, result) in before.items():
        if status in FINAL:
            assert after[job_id] == (kind, status, finished_at, result), f"job {job_id} ({kind}) finished twice"


def settled(d: Daemon) -> dict[int, tuple]:
    """Wait until no job is queued or running (none stays 'running' for ever after a kill)."""

    def idle() -> bool:
        counts = d.api().get("/status")["jobs"]["counts"]
        return not counts.get("queued") and not counts.get("running")

    d.wait_for(idle, timeout=90, interval=0.2, what="jobs to settle")
    return jobs(d.home)


def kill_and_check(d: Daemon, nml: Path, expected_entries: int, keep: int) -> dict[int, tuple]:
    d.kill()
    assert entries(nml) == expected_entries
    backups = list_backups(nml, d.home / "backups" / "traktor")
    assert len(backups) <= keep
    for backup in backups:
        assert entries(backup) == expected_entries, backup
    integrity(d.home)
    return jobs(d.home)


def test_kill9_during_nml_write_back_bursts(tmp_path: Path) -> None:
    rnd = random.Random(SEED)
    nml = tmp_path / "collection.nml"
    shutil.copy(fx("TravestyAudio__Collection/collection.nml"), nml)
    d = Daemon(tmp_path / "home", {"traktor": {"collection": str(nml), "backups": 4, "write_check_seconds": 0.2}})
    d.start()
    d.wait_for(lambda: d.api().get("/tracks")["total"] == 1978, timeout=60, what="ingest")
    ids = [t["id"] for t in d.api().get("/tracks", limit=1000)["items"]]
    acknowledged: dict[int, str] = {}  # track id -> the comment a 200 said was written
    serial = itertools.count()  # each write goes to a track no other write touches
    try:
        for burst in range(7):
            before = settled(d)
            client = ApiClient(d.base_url, d.token, timeout=10)
            stop = threading.Event()

            def write(burst: int = burst, client: ApiClient = client, stop: threading.Event = stop) -> None:
                while not stop.is_set():
                    n = next(serial)
                    tid = ids[n % len(ids)]
                    comment = f"burst {burst} write {n}"
                    try:
                        row = client.patch(f"/tracks/{tid}", {"comment": comment})
                    except (ApiError, DaemonNotRunning, OSError):
                        return
                    if row.get("status") == "applied":
                        acknowledged[tid] = comment

            writer = threading.Thread(target=write)
            writer.start()
            time.sleep(rnd.uniform(0.2, 1.5))
            at_kill = kill_and_check(d, nml, 1978, keep=4)
            stop.set()
            writer.join(15)
            same_or_later(before, at_kill)
            data = nml.read_bytes()
            for comment in acknowledged.values():  # an acknowledged write survived the crash
                assert f'COMMENT="{comment}"'.encode() in data, comment
            d.start()
            same_or_later(at_kill, settled(d))  # the start-up re-read of collection.nml has run
            assert d.api().get("/tracks")["total"] == 1978
            for tid, comment in list(acknowledged.items())[-5:]:
                assert d.api().get(f"/tracks/{tid}")["comment"] == comment
            d.wait_for(  # a write caught by the kill is applied on restart (or fails, saying why)
                lambda: all(w["status"] in ("applied", "failed") for w in d.api().get("/traktor/writes")["items"]),
                timeout=30,
                what="the interrupted write to be applied",
            )
        assert acknowledged  # the kills landed among writes that had been answered
    finally:
        d.kill()


def test_kill9_during_first_ingest_of_10000_tracks(tmp_path: Path) -> None:
    rnd = random.Random(SEED + 1)
    nml = tmp_path / "collection.nml"
    generate(nml, 10_000, seed=SEED, playlists=20, per_playlist=100)
    original = nml.read_bytes()
    d = Daemon(tmp_path / "home", {"traktor": {"collection": str(nml)}})
    before: dict[int, tuple] = {}
    try:
        for _ in range(6):
            d.start()
            time.sleep(rnd.uniform(0.0, 2.0))
            at_kill = kill_and_check(d, nml, 10_000, keep=10)
            assert nml.read_bytes() == original  # ingest only reads the user's file
            same_or_later(before, at_kill)
            before = at_kill
        d.start()
        d.wait_for(lambda: d.api().get("/tracks")["total"] == 10_000, timeout=120, what="the ingest to finish")
        after = settled(d)
        same_or_later(before, after)
        totals = (d.api().get("/tracks")["total"], d.api().get("/playlists")["total"])
        assert totals[0] == 10_000 and totals[1] >= 20
        ingests = [j for j in after.values() if j[0] == "traktor.ingest"]
        assert ingests and all(j[1] == "succeeded" for j in ingests), ingests
        d.kill()
        integrity(d.home)
        d.wait_for(lambda: not survivors(d.home), timeout=10, what="the killed daemons' workers to exit")
        d.start()  # the same totals from the restarted daemon, and nothing re-run
        assert (d.api().get("/tracks")["total"], d.api().get("/playlists")["total"]) == totals
        same_or_later(after, jobs(d.home))
    finally:
        d.kill()


def test_kill9_during_a_discogs_sync(tmp_path: Path) -> None:
    rnd = random.Random(SEED + 2)
    fake = FakeDiscogs(limit=100_000, window=1.0)
    fake.add_user("demo", token="kill9-token", releases=150, wants=3)
    fake.inject(delay=0.03, count=10_000, path_prefix="/releases/")  # a sync of some seconds to land kills in
    with ServerThread(fake) as srv:
        d = Daemon(
            tmp_path / "home",
            {
                "discogs": {
                    "username": "demo",
                    "token": "kill9-token",
                    "base_url": srv.base_url,
                    "poll_interval": 0,
                    "timeout": 5,
                    "rate_window": 1.0,
                    "retry_delay": 0.2,
                    "prices_interval": 0,
                    "new_releases_interval": 0,
                }
            },
        )
        try:
            d.start()
            job_id = d.api().post("/discogs/sync", {"full": True})["id"]
            before: dict[int, tuple] = {}
            for _ in range(7):
                time.sleep(rnd.uniform(0.2, 1.5))
                d.kill()
                integrity(d.home)
                at_kill = jobs(d.home)
                assert job_id in at_kill
                same_or_later(before, at_kill)
                before = at_kill
                d.start()
            done = d.wait_job(job_id, timeout=120)
            assert done["status"] == "succeeded", done["error"]
            assert d.api().get("/discogs/releases", limit=1)["total"] == 150
            syncs = [j for j in jobs(d.home).values() if j[0] == "discogs.sync"]
            assert len(syncs) == 1, syncs  # the interrupted sync was resumed, not started afresh
            finished = settled(d)
            pages = len(fake.requests("/users/demo/collection/folders/0/releases"))
            d.kill()
            integrity(d.home)
            d.start()
            time.sleep(1.0)
            same_or_later(finished, jobs(d.home))  # the finished sync is not run again after a restart
            assert len(fake.requests("/users/demo/collection/folders/0/releases")) == pages
            assert d.api().get("/discogs/releases", limit=1)["total"] == 150
        finally:
            d.kill()
