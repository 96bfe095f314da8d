"""The job queue against a real SQLite file: dedupe, priority, retries, limits, cancel, pause, crash recovery."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from musictool.events import EventBus
from musictool.jobs import JobContext, JobQueue, PermanentError, RetryableError
from musictool.store import Database
from musictool.store import jobs as jobs_store


async def make_queue(path: Path, **limits: int) -> tuple[Database, JobQueue]:
    db = await Database.open(path)
    bus = EventBus()
    bus.bind(asyncio.get_running_loop())
    return db, JobQueue(db, bus, limits or None, backoff_base=0.05, backoff_cap=0.2)


async def wait_status(db: Database, job_id: int, timeout: float = 10.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = await jobs_store.get(db, job_id)
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        await asyncio.sleep(0.02)
    raise TimeoutError(f"job {job_id} still {job['status']}")


async def test_enqueue_runs_handler_and_stores_result(tmp_path: Path) -> None:
    db, q = await make_queue(tmp_path / "db.sqlite")

    async def handler(job: JobContext) -> dict:
        await job.progress(1, 1, "done")
        return {"echo": job.payload["x"]}

    q.register("echo", handler)
    await q.start()
    job_id = await q.enqueue("echo", {"x": 42})
    job = await wait_status(db, job_id)
    assert job["status"] == "succeeded"
    assert job["result"] == {"echo": 42}
    assert (job["progress_done"], job["progress_total"], job["progress_message"]) == (1, 1, "done")
    await q.stop()
    await db.close()


async def test_dedupe_key_returns_the_live_job(tmp_path: Path) -> None:
    db, q = await make_queue(tmp_path / "db.sqlite")
    first = await q.enqueue("never.registered", {}, dedupe_key="k")
    second = await q.enqueue("never.registered", {}, dedupe_key="k")
    other = await q.enqueue("never.registered", {}, dedupe_key="other")
    assert first == second != other
    await db.close()


async def test_priority_orders_claims(tmp_path: Path) -> None:
    db, q = await make_queue(tmp_path / "db.sqlite", default=1)
    order: list[str] = []

    async def handler(job: JobContext) -> None:
        order.append(job.payload["name"])

    q.register("p", handler)
    await q.enqueue("p", {"name": "low"}, priority=0)
    await q.enqueue("p", {"name": "high"}, priority=10)
    await q.enqueue("p", {"name": "mid"}, priority=5)
    await q.start()
    for job_id in (1, 2, 3):
        await wait_status(db, job_id)
    assert order == ["high", "mid", "low"]
    await q.stop()
    await db.close()


async def test_retries_with_backoff_then_fails_at_the_cap(tmp_path: Path) -> None:
    db, q = await make_queue(tmp_path / "db.sqlite")
    attempts: list[float] = []

    async def handler(job: JobContext) -> None:
        attempts.append(time.monotonic())
        raise RuntimeError("network down")

    q.register("flaky", handler)
    await q.start()
    job = await wait_status(db, await q.enqueue("flaky", max_attempts=3))
    assert job["status"] == "failed"
    assert job["attempts"] == 3
    assert "network down" in job["error"]
    assert len(attempts) == 3
    assert attempts[1] - attempts[0] >= 0.02  # waited before retrying
    await q.stop()
    await db.close()


async def test_retryable_then_success_and_permanent_failure(tmp_path: Path) -> None:
    db, q = await make_queue(tmp_path / "db.sqlite")

    async def sometimes(job: JobContext) -> dict:
        if job.attempt < 3:
            raise RetryableError("429", retry_after=0.01)
        return {"attempt": job.attempt}

    async def never(job: JobContext) -> None:
        raise PermanentError("bad token")

    q.register("sometimes", sometimes)
    q.register("never", never)
    await q.start()
    ok = await wait_status(db, await q.enqueue("sometimes"))
    bad = await wait_status(db, await q.enqueue("never"))
    assert ok["status"] == "succeeded" and ok["result"] == {"attempt": 3}
    assert bad["status"] == "failed" and bad["attempts"] == 1 and bad["error"] == "bad token"
    await q.stop()
    await db.close()


async def test_per_resource_concurrency_limit(tmp_path: Path) -> None:
    db, q = await make_queue(tmp_path / "db.sqlite", discogs=1, cpu=2)
    running = {"discogs": 0, "cpu": 0}
    peak = {"discogs": 0, "cpu": 0}

    def make(resource: str):
        async def handler(job: JobContext) -> None:
            running[resource] += 1
            peak[resource] = max(peak[resource], running[resource])
            await asyncio.sleep(0.05)
            running[resource] -= 1

        return handler

    q.register("d", make("discogs"), resource="discogs")
    q.register("c", make("cpu"), resource="cpu")
    ids = [await q.enqueue("d") for _ in range(4)] + [await q.enqueue("c") for _ in range(6)]
    await q.start()
    for job_id in ids:
        await wait_status(db, job_id)
    assert peak == {"discogs": 1, "cpu": 2}
    await q.stop()
    await db.close()


async def test_cancel_queued_and_running(tmp_path: Path) -> None:
    db, q = await make_queue(tmp_path / "db.sqlite")
    started = asyncio.Event()

    async def slow(job: JobContext) -> None:
        started.set()
        await asyncio.sleep(30)

    q.register("slow", slow)
    queued = await q.enqueue("slow", delay=60)
    assert (await q.cancel(queued))["status"] == "cancelled"
    await q.start()
    running = await q.enqueue("slow")
    await asyncio.wait_for(started.wait(), 5)
    job = await q.cancel(running)
    assert job["status"] == "cancelled"
    await q.stop()
    await db.close()


async def test_pause_holds_new_jobs_until_resume(tmp_path: Path) -> None:
    db, q = await make_queue(tmp_path / "db.sqlite")

    async def quick(job: JobContext) -> None:
        return None

    q.register("quick", quick)
    await q.start()
    await q.pause()
    job_id = await q.enqueue("quick")
    await asyncio.sleep(0.3)
    assert (await jobs_store.get(db, job_id))["status"] == "queued"
    await q.resume()
    assert (await wait_status(db, job_id))["status"] == "succeeded"
    await q.stop()
    await db.close()


async def test_interrupted_job_resumes_from_checkpoint_and_finished_jobs_stay_finished(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite"
    db, q = await make_queue(path)
    seen: list[int] = []
    gate = asyncio.Event()

    async def counter(job: JobContext) -> dict:
        for step in range(job.state.get("step", 0), 4):
            seen.append(step)
            await job.checkpoint({"step": step + 1})
            if step == 1 and not gate.is_set():
                gate.set()
                await asyncio.sleep(30)  # the "crash" happens here
        return {"steps": 4}

    q.register("counter", counter)
    finished = await q.enqueue("counter", {"n": 0})
    await q.start()
    await asyncio.wait_for(gate.wait(), 5)
    # simulate a hard kill: the row stays 'running', nothing else is written
    q._dispatcher.cancel()
    await db.close()

    db2, q2 = await make_queue(path)
    q2.register("counter", counter)
    await q2.start()
    job = await wait_status(db2, finished)
    assert job["status"] == "succeeded"
    assert seen == [0, 1, 2, 3]  # resumed at step 2, not from the start
    await q2.stop()
    await db2.close()


@pytest.mark.parametrize("bad", [b"not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
async def test_corrupt_database_is_refused_and_left_untouched(tmp_path: Path, bad: bytes) -> None:
    from musictool.store import StoreError

    path = tmp_path / "musictool.db"
    path.write_bytes(bad)
    with pytest.raises(StoreError, match="untouched"):
        await Database.open(path)
    assert path.read_bytes() == bad
