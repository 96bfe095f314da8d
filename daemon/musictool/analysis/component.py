"""Analysis jobs: `analysis.track` (given track ids) and `analysis.library` (every track with a file).

Both run on the "cpu" resource; the audio work itself goes to the low-priority process pool through
ctx.run_cpu, a few files at a time. The library job walks tracks in id order and checkpoints the last id
it finished, so a restart resumes where it stopped; a file whose path, size and mtime are what the last
analysis saw (by the same analyser version) is skipped unless the job is forced.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from musictool.jobs import JobContext
from musictool.store import analysis as store
from musictool.store import jobs as jobs_store

if TYPE_CHECKING:  # numpy/scipy load only when a job runs: the daemon starts ~1 s faster
    from musictool.analysis.analyze import AnalysisOptions

log = logging.getLogger(__name__)

ANALYZER_VERSION = 1
BATCH = 8


def options_from(config: Any) -> AnalysisOptions:
    from musictool.analysis.analyze import AnalysisOptions

    sec = config.section("analysis")
    return AnalysisOptions(
        bpm_min=float(sec.get("bpm_min", 85.0)),
        bpm_max=float(sec.get("bpm_max", 175.0)),
        with_quality=bool(sec.get("quality", True)),
        max_analysis_seconds=60.0 * float(sec.get("max_minutes", 15.0)),
    )


def _stat(path: str) -> tuple[int, float] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime


def unchanged(stamp: dict[str, Any] | None, path: str, stat: tuple[int, float] | None) -> bool:
    """True when the last analysis saw this very file (same path, size, mtime, analyser version)."""
    if stamp is None or stamp["version"] != ANALYZER_VERSION or stamp["path"] != path:
        return False
    if stat is None:
        return stamp["file_size"] is None  # still missing: nothing new to say
    return stamp["file_size"] == stat[0] and stamp["file_mtime"] == stat[1]


_crash_lock = asyncio.Lock()


async def _run_guarded(ctx: Any, path: str, opts: AnalysisOptions) -> dict[str, Any]:
    """analyze_file in the pool; survives a worker dying in native code (a decoder segfault).

    Every file in flight when a worker dies sees the broken pool. Each is retried once, one at a time, on
    the fresh pool run_cpu builds; the file that kills a worker again is recorded as an error and the pass
    goes on, instead of the job failing on the same file at every attempt.
    """
    from musictool.analysis.analyze import analyze_file

    try:
        return (await ctx.run_cpu(analyze_file, path, opts)).to_dict()
    except BrokenProcessPool:
        log.warning("an analysis worker died while %s was in flight; retrying it alone", path)
    async with _crash_lock:
        try:
            return (await ctx.run_cpu(analyze_file, path, opts)).to_dict()
        except BrokenProcessPool:
            log.error("the decoder crashed twice on %s; recording it as unreadable", path)
            return {
                "path": path,
                "error": f"{path}: the decoder crashed on this file (damaged or unsupported)",
            }


async def _analyze_one(job: JobContext, track: dict[str, Any], opts: AnalysisOptions) -> str:
    """Analyse one track and store the outcome; returns 'ok' or 'error'."""
    ctx = job.app
    path = track["path"]
    stat = await asyncio.to_thread(_stat, path)
    if stat is None:
        result = {"path": path, "error": f"{path}: file not found"}
    else:
        result = await _run_guarded(ctx, path, opts)
    held = await store.held_fields(ctx.db, track["id"], track.get("lock"))
    await store.save(ctx.db, track["id"], result, stat[0] if stat else None, stat[1] if stat else None,
                     ANALYZER_VERSION, held)  # fmt: skip
    ctx.events.publish(
        "analysis.done",
        {
            "track_id": track["id"],
            "bpm": result.get("bpm"),
            "key": result.get("key"),
            "error": result.get("error"),
        },
    )
    return "error" if result.get("error") else "ok"


async def _run_batch(job: JobContext, tracks: list[dict[str, Any]], opts: AnalysisOptions, force: bool,
                     counts: dict[str, int]) -> None:  # fmt: skip
    stamps = await store.stamps(job.app.db, [t["id"] for t in tracks])
    todo = []
    for t in tracks:
        if not force and unchanged(stamps.get(t["id"]), t["path"], await asyncio.to_thread(_stat, t["path"])):
            counts["skipped"] += 1
        else:
            todo.append(t)
    for outcome in await asyncio.gather(*(_analyze_one(job, t, opts) for t in todo)):
        counts["analysed" if outcome == "ok" else "failed"] += 1


async def handle_library(job: JobContext) -> dict[str, Any]:
    """One slice of a library pass. After `[analysis] slice_seconds` it queues its own continuation and
    returns, so the "cpu" slot is free in between and other CPU jobs (matching) are not starved for the
    hours a large library takes; `continued_in` in the result names the next job."""
    ctx = job.app
    opts = options_from(ctx.config)
    force = bool(job.payload.get("force", False))
    carried = job.payload.get("carry") or {}
    state = dict(job.state or {})
    after_id = int(state.get("after_id", carried.get("after_id", 0)))
    counts = {k: int(state.get(k, carried.get(k, 0))) for k in ("analysed", "skipped", "failed")}
    total = await store.library_count(ctx.db)
    batch = max(BATCH, 2 * int(ctx.config.get("analysis", "workers") or 1))
    slice_seconds = float(ctx.config.get("analysis", "slice_seconds"))
    started = time.monotonic()
    while True:
        job.raise_if_cancelled()
        tracks = await store.library_page(ctx.db, after_id, batch)
        if not tracks:
            break
        await _run_batch(job, tracks, opts, force, counts)
        after_id = tracks[-1]["id"]
        await job.checkpoint({"after_id": after_id, **counts})
        done = sum(counts.values())
        await job.progress(done, max(total, done), f"{counts['analysed']} analysed, {counts['skipped']} unchanged, "
                                                   f"{counts['failed']} failed")  # fmt: skip
        if time.monotonic() - started >= slice_seconds and await store.library_page(ctx.db, after_id, 1):
            nxt = await ctx.queue.enqueue(
                "analysis.library", {"force": force, "carry": {"after_id": after_id, **counts}}, priority=-1
            )
            return {"total": total, **counts, "continued_in": nxt}
    return {"total": total, **counts}


async def handle_tracks(job: JobContext) -> dict[str, Any]:
    ctx = job.app
    opts = options_from(ctx.config)
    ids = [int(i) for i in job.payload.get("track_ids") or []]
    force = bool(job.payload.get("force", True))
    done_ids = set(job.state.get("done", []))
    counts = {k: int(job.state.get(k, 0)) for k in ("analysed", "skipped", "failed")}
    known = await store.tracks_by_ids(ctx.db, ids)
    missing = sorted(set(ids) - {t["id"] for t in known})
    tracks = [t for t in known if t["id"] not in done_ids]
    no_path = [t["id"] for t in tracks if not t["path"]]
    tracks = [t for t in tracks if t["path"]]
    for i in range(0, len(tracks), BATCH):
        job.raise_if_cancelled()
        chunk = tracks[i : i + BATCH]
        await _run_batch(job, chunk, opts, force, counts)
        done_ids.update(t["id"] for t in chunk)
        await job.checkpoint({"done": sorted(done_ids), **counts})
        await job.progress(
            len(done_ids), len(ids), f"{counts['analysed']} analysed, {counts['failed']} failed"
        )
    return {"requested": len(ids), **counts, "unknown_track_ids": missing, "without_file": no_path}


async def _status(ctx: Any) -> dict[str, Any]:
    return await store.summary(ctx.db)


async def enqueue_library(ctx: Any, force: bool = False) -> int:
    """One library pass; a queued or running slice of one is reused. Low priority: interactive jobs first."""
    for status in ("running", "queued"):
        items, _ = await jobs_store.list_(ctx.db, 1, 0, status, "analysis.library")
        if items:
            return int(items[0]["id"])
    return await ctx.queue.enqueue(
        "analysis.library", {"force": force}, dedupe_key="analysis.library", priority=-1
    )


async def setup(ctx: Any) -> None:
    ctx.queue.register("analysis.track", handle_tracks, resource="cpu")
    ctx.queue.register("analysis.library", handle_library, resource="cpu")
    ctx.status_providers["analysis"] = lambda: _status(ctx)
    if ctx.config.get("analysis", "auto"):

        async def on_ingested(event: Any) -> None:
            await enqueue_library(ctx)  # unchanged files are skipped, so only new and changed ones cost

        ctx.events.on("traktor.ingested", on_ingested)
