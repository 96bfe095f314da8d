"""Collection and wantlist sync with as few requests as the API allows.

Two modes (Discogs has no webhooks, so both are polls):
- incremental: folder 0 sorted by date added, newest first, 100 per page, stopping at the first copy we
  already hold. Nothing new costs exactly one request. New releases then get their details (1 each).
- full (first sync and the periodic reconcile): folders (1) + every collection page (ceil(N/100)) +
  every wantlist page (ceil(W/100), at least 1) + details for each release we lack (1 each) + up to
  `refresh_per_run` stale details. It catches what incremental cannot: removals, folder moves, rating and
  notes edits, wantlist changes. Copies not seen are marked removed only if the walk saw exactly as
  many copies as Discogs reported (a collection edited mid-walk shifts pages; then we wait for the next
  reconcile rather than mark something removed that is not).

Resumable: the page cursor is written in the same transaction as the page it follows, and details are
fetched for whatever the database still lacks, so a sync killed at any point continues where it
stopped without fetching a stored page again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from musictool.integrations.discogs import mapping
from musictool.integrations.discogs.client import DiscogsClient, DiscogsNotFound
from musictool.store import discogs as store
from musictool.store import kv, timeline

log = logging.getLogger(__name__)
PER_PAGE = 100
LAST_SYNC_KEY = "discogs.last_sync"
LAST_FULL_KEY = "discogs.last_full_sync"
TIMELINE_ITEMS_MAX = 50  # per run; more are summarised in one entry


@dataclass
class SyncSettings:
    username: str
    details_ttl_days: float = 180.0
    reconcile_interval: float = 86_400.0
    refresh_per_run: int = 25


class CollectionSync:
    """Runs one sync as a job (progress, checkpoints); the caller maps errors to retry/fail."""

    def __init__(self, db: Any, client: DiscogsClient, settings: SyncSettings, events: Any = None) -> None:
        self.db = db
        self.client = client
        self.s = settings
        self.events = events
        self._timeline_count = 0

    # -- entry ----------------------------------------------------------------------------------------
    async def choose_mode(self, requested: str) -> str:
        if requested in ("full", "incremental"):
            last_full = await kv.get(self.db, LAST_FULL_KEY)
            if requested == "incremental" and last_full is None:
                return "full"  # nothing to be incremental against
            return requested
        last_full = await kv.get(self.db, LAST_FULL_KEY)
        if last_full is None or time.time() - float(last_full.get("ts", 0)) >= self.s.reconcile_interval:
            return "full"
        return "incremental"

    async def run(self, job: Any) -> dict[str, Any]:
        sent0 = self.client.requests_sent
        self._timeline_count = 0
        state = dict(job.state or {})
        if not state.get("mode"):
            state = {
                "mode": await self.choose_mode(job.payload.get("mode", "auto")),
                "run_id": time.time_ns() // 1000,
                "phase": "start",
                "started": mapping.now_iso(),
            }
            await store_cursor_reset(self.db)
            await job.checkpoint(state)
        if state["mode"] == "full":
            result = await self._full(job, state)
        else:
            result = await self._incremental(job, state)
        result["mode"] = state["mode"]
        result["requests"] = self.client.requests_sent - sent0
        if self._timeline_count > TIMELINE_ITEMS_MAX:
            more = self._timeline_count - TIMELINE_ITEMS_MAX
            await timeline.add(
                self.db,
                "discogs",
                "collection.changed",
                f"…and {more} more collection changes in this sync",
                {"more": more, **result},
            )
        now = mapping.now_iso()
        await kv.set(self.db, LAST_SYNC_KEY, {"at": now, "ts": time.time(), **result})
        if state["mode"] == "full":
            await kv.set(self.db, LAST_FULL_KEY, {"at": now, "ts": time.time()})
        if self.events is not None:
            self.events.publish("discogs.synced", result)
        return result

    # -- full -----------------------------------------------------------------------------------------
    async def _full(self, job: Any, state: dict[str, Any]) -> dict[str, Any]:
        run_id = int(state["run_id"])
        cursor = await kv.get(self.db, store.CURSOR_KEY) or {}
        if cursor.get("run_id") != run_id:
            cursor = {"run_id": run_id, "phase": "folders", "page": 1}
        totals = state.setdefault(
            "totals",
            {"added": 0, "changed": 0, "removed": 0, "wants_added": 0, "wants_removed": 0, "details": 0},
        )
        if "first" not in state:
            state["first"] = (await store.counts(self.db)).get("copies", 0) == 0
            await job.checkpoint(state)
        first = bool(state["first"])

        if cursor["phase"] == "folders":
            await job.progress(0, None, "reading collection folders")
            folders = await self.client.folders(self.s.username)
            await store.replace_folders(self.db, folders, mapping.now_iso())
            cursor = {"run_id": run_id, "phase": "collection", "page": 1}
            await kv.set(self.db, store.CURSOR_KEY, cursor)

        if cursor["phase"] == "collection":
            page = int(cursor["page"])
            pages = int(cursor.get("pages") or page)
            while page <= pages:
                job.raise_if_cancelled()
                res = await self.client.collection_page(self.s.username, page, PER_PAGE, order="asc")
                pages = max(1, res["pages"])
                nxt = {
                    "run_id": run_id,
                    "phase": "collection" if page < pages else "collection_done",
                    "page": page + 1,
                    "pages": pages,
                    "total": res["total"],
                }
                out = await self._apply_items(res["items"], run_id, nxt)
                totals["added"] += len(out["added"])
                totals["changed"] += len(out["changed"])
                if not first:
                    await self._timeline_added(out["added"])
                    await self._timeline_changed(out["changed"])
                cursor = nxt
                await job.checkpoint({**state, "page": page, "pages": pages})
                await job.progress(page, pages, f"collection page {page}/{pages}")
                page += 1
            cursor = {**cursor, "phase": "collection_done"}

        if cursor["phase"] == "collection_done":
            seen = await store.count_seen(self.db, run_id)
            reported = cursor.get("total")
            if reported is not None and seen == reported:
                removed = await store.mark_unseen_removed(
                    self.db, run_id, mapping.now_iso(), state["started"]
                )
                totals["removed"] += len(removed)
                await self._timeline_removed(removed)
            else:
                log.warning(
                    "collection changed during the walk (saw %s of %s); removals wait for the next reconcile",
                    seen,
                    reported,
                )
                state["removals_skipped"] = True
            cursor = {"run_id": run_id, "phase": "wants", "page": 1}
            await kv.set(self.db, store.CURSOR_KEY, cursor)
            await job.checkpoint(state)

        if cursor["phase"] == "wants":
            page = int(cursor["page"])
            pages = int(cursor.get("pages") or page)
            while page <= pages:
                job.raise_if_cancelled()
                res = await self.client.wants_page(self.s.username, page, PER_PAGE)
                pages = max(1, res["pages"])
                nxt = {
                    "run_id": run_id,
                    "phase": "wants" if page < pages else "wants_done",
                    "page": page + 1,
                    "pages": pages,
                    "total": res["total"],
                }
                releases = [
                    mapping.release_row_from_basic(w["basic_information"])
                    for w in res["items"]
                    if w.get("basic_information")
                ]
                wants = [mapping.want_row(w) for w in res["items"]]
                added = await store.apply_wants(self.db, releases, wants, run_id, mapping.now_iso(), nxt)
                totals["wants_added"] += len(added)
                cursor = nxt
                await job.progress(page, pages, f"wantlist page {page}/{pages}")
                page += 1
            cursor = {**cursor, "phase": "wants_done"}

        if cursor["phase"] == "wants_done":
            seen = await store.count_wants_seen(self.db, run_id)
            if cursor.get("total") is not None and seen == cursor["total"]:
                removed = await store.mark_unseen_wants_removed(
                    self.db, run_id, mapping.now_iso(), state["started"]
                )
                totals["wants_removed"] += len(removed)
            cursor = {"run_id": run_id, "phase": "details"}
            await kv.set(self.db, store.CURSOR_KEY, cursor)
            await job.checkpoint(state)

        totals["details"] += await self._details(job, refresh=self.s.refresh_per_run)
        if first:
            c = await store.counts(self.db)
            await timeline.add(
                self.db,
                "discogs",
                "collection.imported",
                f"Discogs collection imported: {c.get('copies', 0)} records, {c.get('wants', 0)} wants",
                {"copies": c.get("copies", 0), "wants": c.get("wants", 0)},
            )
        await kv.set(self.db, store.CURSOR_KEY, {"run_id": run_id, "phase": "done"})
        result = dict(totals)
        if state.get("removals_skipped"):
            result["removals_skipped"] = True
        return result

    # -- incremental ----------------------------------------------------------------------------------
    async def _incremental(self, job: Any, state: dict[str, Any]) -> dict[str, Any]:
        totals = state.setdefault("totals", {"added": 0, "details": 0})
        if not state.get("poll_done"):
            page = int(state.get("page", 1))
            while True:
                job.raise_if_cancelled()
                res = await self.client.collection_page(self.s.username, page, PER_PAGE, order="desc")
                items = res["items"]
                live = await store.live_instance_ids(self.db, [int(i["instance_id"]) for i in items])
                fresh = []
                hit_known = False
                for it in items:
                    if int(it["instance_id"]) in live:
                        hit_known = True
                        break
                    fresh.append(it)
                out = await self._apply_items(fresh, None, None)
                totals["added"] += len(out["added"])
                await self._timeline_added(out["added"])
                done = hit_known or page >= res["pages"] or not items
                state.update(page=page + 1, poll_done=done)
                await job.checkpoint(state)
                await job.progress(page, None, f"checked {page} page(s), {totals['added']} new")
                if done:
                    break
                page += 1
        totals["details"] += await self._details(job, refresh=0)
        return dict(totals)

    # -- shared steps ---------------------------------------------------------------------------------
    async def _apply_items(
        self, items: list[dict[str, Any]], run_id: int | None, cursor: dict[str, Any] | None
    ) -> dict[str, Any]:
        releases = [
            mapping.release_row_from_basic(i["basic_information"])
            for i in items
            if i.get("basic_information")
        ]
        rows = [mapping.instance_row(i) for i in items]
        return await store.apply_collection_items(self.db, releases, rows, run_id, mapping.now_iso(), cursor)

    async def _details(self, job: Any, refresh: int) -> int:
        stale = (datetime.now(UTC) - timedelta(days=self.s.details_ttl_days)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
        rows = await store.releases_needing_details(self.db, stale, 1_000_000)
        missing = [r["id"] for r in rows if r["details_fetched_at"] is None]
        todo = missing + [r["id"] for r in rows if r["details_fetched_at"] is not None][:refresh]
        for n, rid in enumerate(todo, 1):
            job.raise_if_cancelled()
            now = mapping.now_iso()
            try:
                body = await self.client.release(rid)
            except DiscogsNotFound as exc:
                await store.mark_details_error(self.db, rid, f"404 {exc}", now)
            else:
                await store.store_details(
                    self.db,
                    mapping.release_row_from_details(body),
                    mapping.track_rows(rid, body.get("tracklist")),
                    now,
                )
            if n % 5 == 0 or n == len(todo):
                await job.progress(n, len(todo), f"release details {n}/{len(todo)}")
        return len(todo)

    async def _timeline_added(self, added: list[dict[str, Any]]) -> None:
        for it in added:
            self._timeline_count += 1
            if self._timeline_count > TIMELINE_ITEMS_MAX:
                continue
            title = await store.release_title(self.db, it["release_id"])
            await timeline.add(
                self.db,
                "discogs",
                "record.added",
                f"Added to collection: {title}",
                {
                    "release_id": it["release_id"],
                    "instance_id": it["instance_id"],
                    "folder_id": it["folder_id"],
                },
            )

    async def _timeline_changed(self, changed: list[dict[str, Any]]) -> None:
        for it in changed:
            self._timeline_count += 1
            if self._timeline_count > TIMELINE_ITEMS_MAX:
                continue
            title = await store.release_title(self.db, it["release_id"])
            what = (
                ", ".join(
                    f"{k.removesuffix('_json').replace('_id', '')} {a} -> {b}"
                    for k, (a, b) in it["changes"].items()
                    if k != "notes_json"
                )
                or "notes edited"
            )
            await timeline.add(
                self.db,
                "discogs",
                "record.changed",
                f"{title}: {what}",
                {
                    "release_id": it["release_id"],
                    "instance_id": it["instance_id"],
                    "changes": {k: list(v) for k, v in it["changes"].items()},
                },
            )

    async def _timeline_removed(self, instance_ids: list[int]) -> None:
        for iid in instance_ids:
            self._timeline_count += 1
            if self._timeline_count > TIMELINE_ITEMS_MAX:
                continue
            rid = await store.item_release(self.db, iid)
            title = await store.release_title(self.db, rid)
            await timeline.add(
                self.db,
                "discogs",
                "record.removed",
                f"Removed from collection: {title}",
                {"release_id": rid, "instance_id": iid},
            )


async def store_cursor_reset(db: Any) -> None:
    await kv.set(db, store.CURSOR_KEY, {})
