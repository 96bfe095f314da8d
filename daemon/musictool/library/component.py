"""The library component: keeps `matches` up to date as Traktor tracks and Discogs records change.

Job `library.match` (resource "cpu"):
- payload {"mode": "full"}: everything, in the process pool (ctx.run_cpu), then priorities and the
  digitization rate;
- payload {} or {"mode": "changes"} (what `traktor.ingested` and `discogs.synced` enqueue): only the tracks and
  releases that moved past the stored high-water marks, against an in-memory index that is built once;
- payload {"release_ids": [...]} / {"track_ids": [...]}: just those (after a user decision).
User decisions (confirm, reject, no digital copy wanted) live in their own tables and are applied on every run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from musictool.library import gaps
from musictool.library.match import DigitalIndex, MatchConfig, Matcher, VinylIndex, clear_caches, match_all
from musictool.store import kv, timeline
from musictool.store import library as store
from musictool.store import traktor as traktor_store

log = logging.getLogger(__name__)

JOB = "library.match"
MARKS_KEY = "library.match.marks"
RATE_KEY = "library.digitization"
FULL_SHARE = 0.2  # above this share of changed tracks a full run is cheaper than incremental
IDLE_DROP = 900.0  # seconds without a run after which the in-memory indexes (~2.5 kB per track) are freed


def match_config(ctx: Any) -> MatchConfig:
    try:
        section = ctx.config.section("matching")
    except Exception:  # noqa: BLE001 - a config without the section means defaults
        section = {}
    return MatchConfig(
        match_threshold=float(section.get("match_threshold", 0.85)),
        suggest_threshold=float(section.get("suggest_threshold", 0.6)),
    )


class LibraryEngine:
    """Holds the in-memory indexes between runs; one run at a time."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.db = ctx.db
        self.cfg = match_config(ctx)
        self.lock = asyncio.Lock()
        self.digital: DigitalIndex | None = None
        self.vinyl: VinylIndex | None = None
        self.last: dict[str, Any] = {}
        self.last_used = 0.0
        self._warm_task: asyncio.Task[None] | None = None

    # -- job ----------------------------------------------------------------------------------------------
    async def handle(self, job: Any) -> dict[str, Any]:
        async with self.lock:
            payload = job.payload or {}
            t0 = time.perf_counter()
            if payload.get("mode") == "full":
                result = await self._full(job)
            elif payload.get("release_ids") or payload.get("track_ids"):
                result = await self._targeted(
                    [int(x) for x in payload.get("release_ids") or []],
                    [int(x) for x in payload.get("track_ids") or []],
                )
            else:
                result = await self._changes(job)
            result.pop("release_ids", None)  # internal: which releases a targeted run rewrote
            result["seconds"] = round(time.perf_counter() - t0, 3)
            result.update(await self._record_rate())
            self.last = result
            self.last_used = time.monotonic()
            self.ctx.events.publish("matches.updated", result)
        if self.digital is None:
            # Build the indexes now, so the next new release is matched in milliseconds.
            if self._warm_task is not None:
                self._warm_task.cancel()
            self._warm_task = asyncio.ensure_future(self._warm())
        return result

    async def _warm(self) -> None:
        try:
            async with self.lock:
                await self._ensure_indexes()
            while True:  # free the indexes when nothing has changed for a while
                await asyncio.sleep(IDLE_DROP / 3)
                if time.monotonic() - self.last_used >= IDLE_DROP:
                    async with self.lock:
                        self.digital = self.vinyl = None
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - warming is an optimisation; the next run builds what it needs
            log.exception("could not build the matching indexes ahead of time")
        finally:
            if self._warm_task is asyncio.current_task():
                self._warm_task = None

    async def close(self) -> None:
        if self._warm_task is not None:
            self._warm_task.cancel()

    async def _full(self, job: Any) -> dict[str, Any]:
        marks = await store.change_marks(self.db)
        await job.progress(0, 3, "loading tracks and records")
        vinyl = await store.load_vinyl(self.db)
        digital = await store.load_digital(self.db)
        decisions = await store.load_decisions(self.db)
        await job.progress(1, 3, f"matching {len(vinyl)} vinyl tracks against {len(digital)} files")
        results = await self.ctx.run_cpu(match_all, vinyl, digital, decisions, self.cfg)
        await job.progress(2, 3, "writing matches and priorities")
        await store.write_matches(self.db, results, vinyl=vinyl)
        await self._priorities(None)
        await kv.set(self.db, MARKS_KEY, marks)
        self.digital = self.vinyl = None  # rebuilt from the store when the next incremental run needs them
        await job.progress(3, 3, "done")
        return {"mode": "full", **_counts(results)}

    async def _changes(self, job: Any) -> dict[str, Any]:
        old = await kv.get(self.db, MARKS_KEY)
        total: dict[str, Any] = {"mode": "changes", "releases": 0, "tracks": 0}
        if old is None:
            total = await self._full(job)
            old = await kv.get(self.db, MARKS_KEY)
        # Changes that land while we run are picked up by the next loop: a trigger during a run is
        # deduplicated into the running job, so this job must not finish while the marks still move.
        for _ in range(5):
            new = await store.change_marks(self.db)
            if new == old:
                break
            track_ids, release_ids = await store.changed_since(self.db, old, new)
            n_tracks = await traktor_store.live_count(self.db)
            if len(track_ids) > max(1000, FULL_SHARE * n_tracks):
                total = await self._full(job)
                old = await kv.get(self.db, MARKS_KEY)
                continue
            part = await self._targeted(release_ids, track_ids)
            refresh = set(await store.priority_changes(self.db, old, new)) - set(part.get("release_ids", ()))
            if refresh:
                await self._priorities(sorted(refresh))
            await kv.set(self.db, MARKS_KEY, new)
            old = new
            total["releases"] = total.get("releases", 0) + part["releases"]
            total["tracks"] = total.get("tracks", 0) + part["tracks"]
        return total

    async def _targeted(self, release_ids: list[int], track_ids: list[int]) -> dict[str, Any]:
        """Recompute the given releases and every release a changed file could affect."""
        await self._ensure_indexes()
        assert self.digital is not None and self.vinyl is not None
        touched: set[int] = set(release_ids)
        if track_ids:
            fresh = await store.load_digital(self.db, track_ids)
            live = {t.id for t in fresh}
            gone = [i for i in track_ids if i not in live]
            before = [self.digital.records[i] for i in track_ids if i in self.digital.records]
            self.digital.remove(gone)
            self.digital.upsert(fresh)
            touched.update(t.key[0] for t in self.vinyl.affected_by([*fresh, *before]))
            touched.update(await store.releases_matched_to(self.db, track_ids))
        if release_ids:
            for rid in release_ids:
                self.vinyl.remove_release(rid)
            self.vinyl.upsert(await store.load_vinyl(self.db, release_ids))
        if not touched:
            return {"releases": 0, "tracks": len(track_ids), "matched": 0, "suggested": 0, "gaps": 0}
        rids = sorted(touched)
        vinyl = await store.load_vinyl(self.db, rids)
        decisions = await store.load_decisions(self.db)
        matcher = Matcher(self.digital, self.cfg)
        results = [r.as_dict() for r in await asyncio.to_thread(matcher.match, vinyl, decisions)]
        await store.write_matches(self.db, results, rids, vinyl=vinyl)
        await self._priorities(rids)
        return {"releases": len(rids), "tracks": len(track_ids), "release_ids": rids, **_counts(results)}

    async def _ensure_indexes(self) -> None:
        built = False
        if self.digital is None:
            digital = await store.load_digital(self.db)
            self.digital = await asyncio.to_thread(DigitalIndex, digital)
            built = True
        if self.vinyl is None:
            vinyl = await store.load_vinyl(self.db)
            self.vinyl = await asyncio.to_thread(VinylIndex, vinyl)
            built = True
        if built:
            clear_caches()

    async def _priorities(self, release_ids: list[int] | None) -> None:
        signals = await store.release_signals(self.db, release_ids)
        values = []
        for s in signals:
            p = gaps.priority(s)
            values.append((s.release_id, p.score, p.reasons))
        await store.write_priorities(self.db, values)

    async def _record_rate(self) -> dict[str, Any]:
        """The digitization rate, with a timeline entry whenever it moves."""
        figures = await store.overall(self.db)
        previous = await kv.get(self.db, RATE_KEY)
        if previous is None or (previous.get("digital"), previous.get("tracks")) != (
            figures["digital"],
            figures["tracks"],
        ):
            await kv.set(self.db, RATE_KEY, figures)
            if figures["tracks"]:
                await timeline.add(
                    self.db,
                    "library",
                    "digitization",
                    f"{figures['rate']:.1%} of your vinyl tracks are in Traktor "
                    f"({figures['digital']} of {figures['tracks']}; {figures['missing']} missing)",
                    figures,
                )
        return {"digitization": figures}

    # -- triggers -----------------------------------------------------------------------------------------
    async def on_change(self, event: Any) -> None:
        try:
            await self.ctx.queue.enqueue(JOB, {"mode": "changes"}, dedupe_key=JOB)
        except Exception:  # noqa: BLE001 - a trigger must never break the publisher
            log.exception("could not queue %s after %s", JOB, getattr(event, "type", "?"))

    async def status(self) -> dict[str, Any]:
        rate = await kv.get(self.db, RATE_KEY) or {}
        return {
            "digitization": rate,
            "last_run": {k: v for k, v in self.last.items() if k != "digitization"},
            "index_warm": self.digital is not None,
        }


def _counts(results: list[dict]) -> dict[str, int]:
    out = {"matched": 0, "suggested": 0, "gaps": 0}
    for r in results:
        if r["status"] in ("matched", "confirmed"):
            out["matched"] += 1
        elif r["status"] == "suggested":
            out["suggested"] += 1
            out["gaps"] += 1
        else:
            out["gaps"] += 1
    return out


async def setup(ctx: Any) -> None:
    engine = LibraryEngine(ctx)
    ctx.queue.register(JOB, engine.handle, resource="cpu")
    ctx.events.on("traktor.ingested", engine.on_change)
    ctx.events.on("discogs.synced", engine.on_change)
    ctx.status_providers["library"] = engine.status
    ctx.on_shutdown(engine.close)
    if await catch_up_needed(ctx.db):
        await ctx.queue.enqueue(JOB, {"mode": "changes"}, dedupe_key=JOB)


async def catch_up_needed(db: Any) -> bool:
    """Whether inputs moved while the daemon was not running; an idle start queues nothing."""
    marks = await store.change_marks(db)
    stored = await kv.get(db, MARKS_KEY)
    if stored is None:
        return any(marks.values())
    return marks != stored
