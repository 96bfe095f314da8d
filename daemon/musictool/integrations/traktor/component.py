"""The Traktor capability inside the daemon: initial ingest job, live watching, History, safe write-back.

Ingests run one at a time (a change during an ingest schedules exactly one more). The first ingest into an
empty database parses straight into `tracks` on the writer thread (one transaction: all or nothing); later
ones parse in a dedicated worker process against the stored hashes and merge only what changed, so the
event loop and the database writer are busy only for the rows that changed. A file that cannot be read
keeps the last good state, records the error, publishes an `error` event and is retried when it changes.
Write-back goes through a persistent queue that waits while Traktor runs (it rewrites the file on exit).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import sys
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from musictool.store import timeline, traktor_ingest
from musictool.store import traktor as store
from musictool.store.jobs import QueueFull
from musictool.workers import worker_init

from . import ingest as ing
from .discover import Discovery, discover
from .history import history_files, read_history
from .paths import DEFAULT_BOOT_VOLUME, detect_boot_volume
from .reader import NmlError
from .running import DEFAULT_NAMES, TraktorRunning, ensure_not_running, traktor_running
from .watch import CollectionWatcher, stat_key
from .writer import EditError, check_backup, commit, dry_run, edit_from_dict, undo, undo_source

log = logging.getLogger(__name__)
SOURCE = "traktor"
_services: dict[int, TraktorService] = {}


def service_of(ctx: Any) -> TraktorService | None:
    """The running service of an AppContext (routes use it for write-back and status)."""
    return _services.get(id(ctx))


def _cfg(ctx: Any, key: str, default: Any = None) -> Any:
    try:
        value = ctx.config.get("traktor", key)
    except Exception:  # noqa: BLE001 - a key this version of config.SCHEMA does not declare yet
        return default
    return default if value is None else value


class TraktorService:
    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.db = ctx.db
        configured = _cfg(ctx, "collection")
        self.discovery: Discovery = discover(str(configured) if configured else None)
        self.collection: Path | None = Path(self.discovery.collection) if self.discovery.collection else None
        root = _cfg(ctx, "root")
        self.root: Path | None = Path(root) if root else (self.collection.parent if self.collection else None)
        self.debounce = float(_cfg(ctx, "debounce_seconds", 1.0))
        self.keep_backups = int(_cfg(ctx, "backups", 10))
        self.process_names = list(_cfg(ctx, "process_names", list(DEFAULT_NAMES)))
        self.write_check = float(_cfg(ctx, "write_check_seconds", 3.0))
        self.max_queued_writes = int(_cfg(ctx, "max_queued_writes", 100))
        boot = _cfg(ctx, "boot_volume")
        self.boot_volume = boot or (detect_boot_volume() if sys.platform == "darwin" else DEFAULT_BOOT_VOLUME)
        self.backup_dir = Path(ctx.home.backups) / "traktor"
        self.watcher: CollectionWatcher | None = None
        self._dirty: set[str] = set()
        self._force = False
        self._runner: asyncio.Task | None = None
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._last_ok: tuple[int, int] | None = None
        self._last_bad: tuple[int, int] | None = None
        self.last_error: str | None = None
        self.last_result: dict[str, Any] | None = None
        self._write_lock = asyncio.Lock()
        self._write_poller: asyncio.Task | None = None
        self._waiting_notified: set[int] = set()
        self._warming: asyncio.Future | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.collection is None:
            log.warning("Traktor collection not found: %s", "; ".join(self.discovery.reasons))
            return
        history = self.root / "History" if self.root else None
        self.watcher = CollectionWatcher(self.collection, history, self._on_change, debounce=self.debounce)
        self.watcher.start()
        if await store.queued_writes(self.db):
            self._ensure_write_poller()
        loop = asyncio.get_running_loop()
        self._warming = loop.run_in_executor(
            self._stage_pool(), ing.warm
        )  # spawn + import now, not on first change

    async def stop(self) -> None:
        if self.watcher:
            await self.watcher.stop()
        for task in (self._write_poller, self._runner):
            if task and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def _on_change(self, what: set[str]) -> None:
        await self.request(what)

    # -- ingest ---------------------------------------------------------------------------------------------
    async def request(self, what: set[str], *, force: bool = False) -> dict[str, Any] | None:
        """Schedule an ingest of the collection and/or History and wait for it; serial, coalescing."""
        self._dirty |= what
        self._force = self._force or force
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._drain())
        runner = self._runner
        await asyncio.shield(runner)
        return self.last_result

    async def _drain(self) -> None:
        while self._dirty:
            what, self._dirty = self._dirty, set()
            force, self._force = self._force, False
            if "collection" in what:
                await self._ingest_collection(force)
            if "history" in what or "collection" in what and force:
                await self._ingest_history()

    def _stage_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            # our own single worker: an analysis batch in ctx.run_cpu's pool must not delay a live re-ingest
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=worker_init,
                initargs=(0, 1.0, os.getpid()),
            )
        return self._pool

    async def _stage(self, path: str) -> ing.StageResult:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._stage_pool(), ing.stage, path, str(self.db.path), None, self.boot_volume
            )
        except concurrent.futures.process.BrokenProcessPool:
            self._pool = None
            log.warning("traktor parse worker died; parsing in a thread this time")
            return await asyncio.to_thread(ing.stage, path, str(self.db.path), None, self.boot_volume)

    async def _ingest_collection(self, force: bool) -> None:
        assert self.collection is not None
        path = str(self.collection)
        key = stat_key(path)
        if key is None:
            await self._failed(
                path, NmlError(path, "the file does not exist (Traktor may be replacing it)"), key
            )
            return
        if not force and key in (self._last_ok, self._last_bad):
            return
        try:
            empty = not await store.has_tracks(self.db)
            if empty:
                res, ms = await self.db.run_bulk_in_writer(ing.ingest_direct, path, path, self.boot_volume)
            else:
                res = await self._stage(path)
                try:
                    ms = await self.db.run_in_writer(ing.merge, res, path)
                finally:
                    ing.drop_staging(res)
        except NmlError as e:
            await self._failed(path, e, key)
            return
        except Exception as e:  # noqa: BLE001 - a bug must show like a bad file, not retry unseen forever
            log.exception("ingest of %s failed", path)
            await self._failed(path, NmlError(path, f"could not be stored ({type(e).__name__}: {e})"), key)
            return
        self._last_ok, self._last_bad, self.last_error = key, None, None
        if self.watcher:
            self.watcher.mark_seen()
        for kind, summary, data in ing.timeline_entries(res, ms):
            await timeline.add(self.db, SOURCE, kind, summary, data)
        self.last_result = {
            "path": path,
            "entries": res.summary.entry_count,
            "added": res.added,
            "modified": res.modified,
            "removed": ms.removed,
            "unchanged": res.unchanged,
            "rows_written": ms.rows_written,
            "playlists_changed": bool(ms.playlists),
            "parse_seconds": round(res.parse_seconds, 3),
            "merge_seconds": round(ms.merge_seconds, 3),
        }
        self.ctx.events.publish("traktor.ingested", self.last_result)

    async def _failed(self, path: str, e: NmlError, key: tuple[int, int] | None) -> None:
        self._last_bad = key
        self.last_error = str(e)
        # published with last_error, before any await: /status never shows one without the other
        self.ctx.events.publish("error", {"source": SOURCE, "path": path, "message": str(e)})
        log.warning("keeping the last good Traktor state: %s", e)
        with contextlib.suppress(Exception):
            await self.db.run_in_writer(traktor_ingest.record_error, path, str(e))
        await self._notify(
            "traktor.error",
            "Traktor collection could not be read",
            f"{e}. MusicTool keeps the last good copy and tries again when the file changes.",
            {"path": path},
            dedupe_key=f"traktor.error:{path}:{key}",
        )

    async def _notify(self, kind: str, title: str, body: str, data: dict[str, Any], dedupe_key: str) -> None:
        """A desktop notification that can never break what reported it."""
        try:
            await self.ctx.notify(kind, title, body, data, dedupe_key=dedupe_key)
        except Exception:  # noqa: BLE001
            log.exception("could not notify %s", kind)

    async def _ingest_history(self) -> None:
        if not self.root:
            return
        files = history_files(self.root)
        if not files:
            return
        known = await self.db.run_in_writer(traktor_ingest.history_state)
        todo = []
        stats: dict[str, tuple[int, float]] = {}
        for f in files:
            st = f.stat()
            stats[f.name] = (st.st_size, st.st_mtime)
            if known.get(f.name) != stats[f.name]:
                todo.append(f)
        sessions = []
        for f in todo:
            try:
                sessions.append(await asyncio.to_thread(read_history, f))
            except NmlError as e:
                log.warning("skipping history file: %s", e)
                self.ctx.events.publish("error", {"source": SOURCE, "path": str(f), "message": str(e)})
                await self._notify(
                    "traktor.error",
                    "A Traktor History file could not be read",
                    f"{e}. Its plays are left out until the file changes.",
                    {"path": str(f)},
                    dedupe_key=f"traktor.error:{f}:{stats[f.name]}",
                )
        if not sessions:
            return
        await self.db.run_in_writer(traktor_ingest.store_history, sessions, stats)
        for s in sessions:
            if s.file not in known:
                await timeline.add(
                    self.db,
                    SOURCE,
                    "history.session",
                    f"DJ set {s.saved_at or s.file}: {len(s.plays)} plays",
                    {"file": s.file, "plays": len(s.plays)},
                )

    # -- write-back -----------------------------------------------------------------------------------------
    async def submit_write(self, payload: dict[str, Any], summary: str) -> dict[str, Any]:
        """Queue edits ({"edits": [...]}) or an undo ({"undo": true}); applied at once unless Traktor runs."""
        if self.collection is None:
            raise EditError("no Traktor collection is configured or found")
        if not payload.get("undo"):
            for e in payload.get("edits", []):
                edit_from_dict(e)  # a bad value: EditError, a 400, before anything is queued
        waiting = len(await store.queued_writes(self.db))
        if waiting >= self.max_queued_writes:
            raise QueueFull(
                f"{waiting} collection changes already wait for Traktor to quit; try again after it has",
                retry_after=max(self.write_check, 30.0),
            )
        write_id = await store.add_write(self.db, payload, summary)
        await self.process_writes()
        row = await store.get_write(self.db, write_id)
        assert row is not None
        return row

    async def _precheck(self, payload: dict[str, Any]) -> str | None:
        """A change that has to wait for Traktor to quit is tried on the file as it is now, so one that cannot
        apply (no such track or playlist, nothing to undo) is refused today rather than failing later."""
        assert self.collection is not None
        try:
            if payload.get("undo"):
                source = undo_source(self.collection, self.backup_dir, payload.get("backup"))
                if not payload.get("force"):
                    await asyncio.to_thread(lambda: check_backup(source, source.read_bytes()))
            else:
                edits = [edit_from_dict(e) for e in payload.get("edits", [])]
                await asyncio.to_thread(dry_run, self.collection, edits)
        except (EditError, OSError) as e:
            return str(e)
        return None

    def _ensure_write_poller(self) -> None:
        if self._write_poller is None or self._write_poller.done():
            self._write_poller = asyncio.ensure_future(self._poll_writes())

    async def _poll_writes(self) -> None:
        while await store.queued_writes(self.db):
            await asyncio.sleep(self.write_check)
            await self.process_writes()

    async def process_writes(self) -> None:
        async with self._write_lock:
            queued = await store.queued_writes(self.db)
            if not queued or self.collection is None:
                return
            running = await asyncio.to_thread(traktor_running, self.process_names)
            if running:
                for w in queued:
                    if w["waiting_for"] is None:  # seen waiting for the first time
                        why = await self._precheck(w["edits"])
                        if why:
                            await store.set_write(self.db, w["id"], status="failed", error=why, waiting_for=None)
                            continue
                        await store.set_write(self.db, w["id"], waiting_for=f"{running} is running")
                    if w["id"] not in self._waiting_notified:
                        self._waiting_notified.add(w["id"])
                        await self._notify(
                            "traktor.write_queued",
                            "Change queued until Traktor quits",
                            f"Traktor rewrites its collection when it quits, so MusicTool will apply "
                            f"'{w['summary']}' right after you close Traktor.",
                            {"write_id": w["id"]},
                            dedupe_key=f"traktor.write_queued:{w['id']}",
                        )
                self._ensure_write_poller()
                return
            wrote = False
            # Traktor may start between the check above and the replace: the writer asks again right before it
            check = partial(ensure_not_running, self.process_names)
            for w in queued:
                try:
                    if w["edits"].get("undo"):
                        res = await asyncio.to_thread(
                            undo,
                            self.collection,
                            self.backup_dir,
                            self.keep_backups,
                            w["edits"].get("backup"),
                            bool(w["edits"].get("force")),
                            check,
                        )
                    else:
                        edits = [edit_from_dict(e) for e in w["edits"].get("edits", [])]
                        res = await asyncio.to_thread(
                            commit, self.collection, edits, self.backup_dir, self.keep_backups, check
                        )
                except TraktorRunning as e:  # started meanwhile: this and the rest wait, as if seen above
                    await store.set_write(self.db, w["id"], waiting_for=str(e))
                    self._ensure_write_poller()
                    break
                except Exception as e:  # noqa: BLE001 - whatever one write hits, the queue behind it goes on
                    if not isinstance(e, EditError | OSError):
                        log.exception("write %s to %s failed", w["id"], self.collection)
                        e = EditError(
                            f"internal error ({type(e).__name__}: {e}); the collection was not changed"
                        )
                    await store.set_write(self.db, w["id"], status="failed", error=str(e), waiting_for=None)
                    self.ctx.events.publish(
                        "error", {"source": SOURCE, "write_id": w["id"], "message": str(e)}
                    )
                    await self._notify(
                        "traktor.write_failed",
                        "A change to collection.nml was not applied",
                        f"'{w['summary']}': {e}. The collection was left as it was.",
                        {"write_id": w["id"]},
                        dedupe_key=f"traktor.write_failed:{w['id']}",
                    )
                    continue
                await store.set_write(
                    self.db,
                    w["id"],
                    status="applied",
                    backup_path=res.backup,
                    waiting_for=None,
                    applied_at=_now(),
                )
                await timeline.add(
                    self.db,
                    SOURCE,
                    "traktor.undo" if w["edits"].get("undo") else "traktor.write",
                    ("Restored " if w["edits"].get("undo") else "Wrote ")
                    + f"{w['summary']} to {self.collection.name}",
                    {"write_id": w["id"], "backup": res.backup, "changed": res.changed},
                )
                wrote = wrote or res.changed
            if wrote:
                asyncio.ensure_future(self.request({"collection"}))

    # -- status ---------------------------------------------------------------------------------------------
    async def status(self) -> dict[str, Any]:
        src = await store.source(self.db, str(self.collection)) if self.collection else None
        return {
            "collection": str(self.collection) if self.collection else None,
            "found_by": self.discovery.source,
            "reasons": self.discovery.reasons,
            "watching": self.watcher is not None,
            **(await store.counts(self.db)),
            "version": src and src.get("version"),
            "last_ingest_at": src and src.get("last_ingest_at"),
            "last_error": self.last_error or (src and src.get("last_error")),
            "last_result": self.last_result,
        }

    def discovery_dict(self) -> dict[str, Any]:
        return asdict(self.discovery)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def setup(ctx: Any) -> None:
    svc = TraktorService(ctx)
    _services[id(ctx)] = svc

    async def handle_ingest(job: Any) -> dict[str, Any] | None:
        if svc.collection is None:
            return {"skipped": "no collection configured or found", "reasons": svc.discovery.reasons}
        await svc.request({"collection", "history"}, force=bool(job.payload.get("force")))
        if svc.last_error:
            return {"error": svc.last_error, "kept": "last good state"}
        return svc.last_result

    ctx.queue.register("traktor.ingest", handle_ingest)
    ctx.status_providers["traktor"] = svc.status
    await svc.start()

    async def shutdown() -> None:
        await svc.stop()
        _services.pop(id(ctx), None)

    ctx.on_shutdown(shutdown)
    if svc.collection is not None:
        await ctx.queue.enqueue("traktor.ingest", {"force": True}, dedupe_key="traktor.ingest")
