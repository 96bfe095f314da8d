"""Library health: a file pass (present? readable? artwork?) that re-reads a file only when its size or
mtime changed, duplicate groups, and issues re-derived only for tracks that changed since the last pass.
Quick fixes (relocate, fill from analysis or MusicBrainz, merge duplicates, accept) are previewed, then
applied as a job; NML changes go through the safe writer (undo: `musictool traktor undo`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from musictool.jobs.queue import JobContext, PermanentError
from musictool.library import duplicates
from musictool.store import health as store
from musictool.store import kv
from musictool.store.jobs import QueueFull
from musictool.tags import formats

log = logging.getLogger(__name__)
PAGE = 500
MARK = "library.health.mark"
SUMMARY = "library.health.summary"
AUDIO_EXT = set(formats.EXTENSIONS)


async def request_pass(ctx: Any) -> None:
    """Queue a health pass unless one is already waiting. Not deduplicated against a running pass: a change
    made while one runs (an ingest right after a fix) gets a pass of its own after it."""
    with contextlib.suppress(QueueFull):  # one waits already: it will see this change too
        await ctx.queue.enqueue("library.health", {}, max_queued=1)


def check_file(
    path: str | None, size: int | None, mtime: float | None, prior: dict[str, Any]
) -> tuple | None:
    """(present, size, mtime, readable, error, artwork_px, duration) for a file, or None when nothing changed.
    Blocking (stat, and mutagen when the file changed)."""
    if not path:
        return (0, None, None, None, "no path", None, None)
    try:
        st = os.stat(path)
    except OSError:
        return (
            None
            if prior.get("present") == 0 and prior.get("checked_path") == path
            else (0, None, None, None, "not found", None, None)
        )
    if (
        prior.get("present") == 1
        and prior.get("size") == st.st_size
        and prior.get("mtime") == st.st_mtime
        and prior.get("checked_path") == path
    ):
        return None
    try:
        info = formats.read(path)
        px = max((min(w, h) for w, h in info.artwork), default=0)
        return (1, st.st_size, st.st_mtime, 1, None, px, info.duration)
    except formats.TagError as exc:
        return (1, st.st_size, st.st_mtime, 0, str(exc), None, None)


class Health:
    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.db = ctx.db
        cfg = ctx.config.section("tags")
        self.low_score = cfg["low_quality_score"]
        self.min_px = cfg["artwork_min_px"]
        self.extra_folders = [str(p) for p in cfg["relocate_folders"]]
        self.fingerprint = cfg["fingerprint_files"]

    async def _fingerprint(self, rows: list[tuple]) -> None:
        """fpcalc for changed readable files that have no fingerprint yet (duplicates compare them)."""
        from musictool.integrations.acoustid.fingerprint import FingerprintError, fingerprint_file
        from musictool.store import enrichment

        for r in rows:
            if await store.fingerprint_of(self.db, r[0]):
                continue
            try:
                fp = await fingerprint_file(r[1])
            except FingerprintError as exc:
                log.info("%s", exc)
                continue
            await enrichment.save_fingerprint(self.db, r[0], fp.fingerprint, fp.duration)

    # -- the pass ---------------------------------------------------------------------------------------
    async def refresh(self, job: JobContext) -> dict[str, Any]:
        full = bool(job.payload.get("full"))
        started = await store.mark(self.db)
        state = dict(job.state)
        after = state.get("after", 0)
        checked = state.get("checked", 0)
        while True:
            rows = await store.files_to_check(self.db, after, PAGE, all_files=full)
            if not rows:
                break
            changed = []
            for r in rows:
                got = await asyncio.to_thread(check_file, r["path"], r["size"], r["mtime"], r)
                if got is not None:
                    changed.append((r["id"], r["path"], *got))
            await store.save_files(self.db, changed)
            if self.fingerprint:
                await self._fingerprint([c for c in changed if c[5] == 1])
            checked += len(rows)
            after = rows[-1]["id"]
            await job.checkpoint({"after": after, "checked": checked})
            await job.progress(checked, None, f"{checked} files checked")
        tracks = await store.dup_candidates(self.db)
        groups = (
            await self.ctx.run_cpu(duplicates.find_groups, tracks)
            if len(tracks) > 2000
            else duplicates.find_groups(tracks)
        )
        await store.save_groups(self.db, groups)
        mark = await kv.get(self.db, MARK, None)
        ids = None if full or mark is None else await store.changed_since(self.db, mark)
        await store.derive(self.db, ids, self.low_score, self.min_px)
        await kv.set(self.db, MARK, started)
        await self.save_summary()
        self.ctx.events.publish("library.health", {"files_checked": checked})
        return {
            "files_checked": checked,
            "duplicate_groups": len(groups),
            "tracks_rederived": "all" if ids is None else len(ids),
        }

    async def refresh_ids(self, ids: list[int]) -> None:
        await store.derive(self.db, ids, self.low_score, self.min_px)
        await self.save_summary()

    async def save_summary(self) -> dict[str, Any]:
        """The health summary is derived data: computed after each pass (seconds at 100k tracks), served as is."""
        summary = await store.summary(self.db)
        summary["computed_at"] = await store.mark(self.db)
        await kv.set(self.db, SUMMARY, summary)
        return summary

    async def summary(self) -> dict[str, Any]:
        return await kv.get(self.db, SUMMARY, None) or await self.save_summary()

    # -- fixes ------------------------------------------------------------------------------------------
    async def preview(
        self, kind: str, ids: list[int] | None, options: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if kind == "relocate":
            return await self._relocate_plan(ids, options.get("folders") or [])
        if kind == "fill_analysis":
            return await self._analysis_plan(ids)
        if kind == "fill_musicbrainz":
            return await self._mb_plan(ids)
        if kind == "merge_duplicates":
            return await self._merge_plan(options.get("group_ids"))
        if kind == "embed_artwork":
            return await self._artwork_plan(ids)
        if kind == "unaccept":
            issue = options.get("issue")
            return [{"track_id": i, "unaccept": issue} for i in await store.accepted_ids(self.db, issue, ids)]
        if kind == "accept":
            issue = options.get("issue")
            return [{"track_id": i, "accept": issue} for i in await store.issue_ids(self.db, issue, ids)]
        raise PermanentError(f"unknown fix {kind!r}")

    async def apply(self, job: JobContext) -> dict[str, Any]:
        p = job.payload
        plan = await self.preview(p["kind"], p.get("track_ids"), p)
        if not plan:
            return {"kind": p["kind"], "applied": 0, "plan": []}
        if p["kind"] == "embed_artwork":
            return await self._embed_artwork(job, plan)
        if p["kind"] == "unaccept":
            await store.unaccept(self.db, p["issue"], [x["track_id"] for x in plan])
            await self.refresh_ids([x["track_id"] for x in plan])
            return {"kind": "unaccept", "applied": len(plan), "plan": plan}
        if p["kind"] == "accept":
            n = await store.accept(self.db, p["issue"], [x["track_id"] for x in plan])
            await self.save_summary()
            return {"kind": "accept", "applied": n, "plan": plan}
        edits: list[dict[str, Any]] = []
        for x in plan:
            edits.extend(x["edits"])
        from musictool.tags.service import TagJobs

        write = await TagJobs(self.ctx)._submit_nml(
            edits, f"{p['kind'].replace('_', ' ')}: {len(plan)} tracks"
        )
        if write.get("status") == "failed":
            raise PermanentError(write.get("error") or "collection.nml was not changed")
        out = {"kind": p["kind"], "applied": len(plan), "plan": plan, "nml_write": write}
        if p["kind"] == "merge_duplicates" and p.get("delete_files"):
            out["trashed"], out["kept"] = await self._trash_copies(plan, write)
        await request_pass(self.ctx)
        return out

    async def _trash_copies(
        self, plan: list[dict[str, Any]], write: dict[str, Any]
    ) -> tuple[list[str], list[dict]]:
        """Asked to: the merged copies' files go to the system trash (never deleted outright), and only once
        collection.nml no longer names them (not while the change waits for Traktor to quit)."""
        if write.get("status") != "applied":
            return [], [{"error": "the collection change waits for Traktor to quit, so the files were kept"}]
        import send2trash

        brief = await store.tracks_brief(self.db, [i for x in plan for i in x["remove"]])
        trashed, kept = [], []
        for t in brief.values():
            path = t["location"]
            try:
                await asyncio.to_thread(send2trash.send2trash, path)
                trashed.append(path)
            except (OSError, send2trash.TrashPermissionError) as exc:
                kept.append({"path": path, "error": str(exc)})
        return trashed, kept

    async def _artwork_plan(self, ids: list[int] | None) -> list[dict[str, Any]]:
        want = sorted(
            set(await store.issue_ids(self.db, "no_artwork", ids))
            | set(await store.issue_ids(self.db, "small_artwork", ids))
        )
        cfg = self.ctx.config.section("tags")
        base = cfg["coverart_base_url"].rstrip("/")
        return [
            {"track_id": tid, "path": r["path"], "release": r["release"],
             "url": f"{base}/release/{r['release']}/front-{cfg['artwork_size']}"}
            for tid, r in sorted((await store.release_ids(self.db, want)).items())
        ]  # fmt: skip

    async def _embed_artwork(self, job: JobContext, plan: list[dict[str, Any]]) -> dict[str, Any]:
        """Fetch each front cover and embed it through the tag writer: backed up, undone by `tags undo`."""
        import aiohttp

        from musictool.store import tags as tag_store
        from musictool.tags import blocks, safe

        state = dict(job.state)
        if "batch_id" not in state:
            state["batch_id"] = await tag_store.start_batch(
                self.db, "fix", f"embed artwork in {len(plan)} files", job.job_id
            )
            await job.checkpoint(state)
        batch_id = state["batch_id"]
        done, failed = 0, []
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for i, x in enumerate(plan):
                try:
                    async with http.get(x["url"]) as resp:
                        if resp.status != 200:
                            raise formats.TagError(
                                f"{x['url']}: the Cover Art Archive answered {resp.status}"
                            )
                        data = await resp.read()
                    mime = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
                    backup = Path(self.ctx.home.backups) / "tags" / str(batch_id) / f"{x['track_id']}.bin"
                    res = await asyncio.to_thread(
                        safe.write_file, x["path"], {}, backup, artwork=(data, mime)
                    )
                except (
                    aiohttp.ClientError,
                    TimeoutError,
                    formats.TagError,
                    blocks.BackupError,
                    OSError,
                ) as exc:
                    await tag_store.record_file(
                        self.db, batch_id, x["path"], x["track_id"], "failed", error=str(exc)
                    )
                    failed.append({"track_id": x["track_id"], "error": str(exc)})
                else:
                    await tag_store.record_file(
                        self.db, batch_id, x["path"], x["track_id"], "written", backup_path=str(res.backup),
                        backup_sha256=res.backup_sha256, old_sha256=res.old_sha256, new_sha256=res.new_sha256,
                    )  # fmt: skip
                    await store.forget_files(self.db, [x["track_id"]])
                    done += 1
                await job.progress(i + 1, len(plan), f"{i + 1} of {len(plan)} covers")
        await tag_store.finish_batch(self.db, batch_id)
        await request_pass(self.ctx)
        return {
            "kind": "embed_artwork",
            "applied": done,
            "failed": failed,
            "batch_id": batch_id,
            "plan": plan,
        }

    async def _relocate_plan(self, ids: list[int] | None, folders: list[str]) -> list[dict[str, Any]]:
        missing = await store.issue_ids(self.db, "missing_file", ids)
        if not missing:
            return []
        brief = await store.tracks_brief(self.db, missing)
        roots = [*folders, *self.extra_folders, *await store.library_folders(self.db)]
        by_name = await asyncio.to_thread(_index_folders, roots)
        plan = []
        for tid in missing:
            t = brief[tid]
            name = Path(str(t["location"] or "").replace("\\", "/")).name
            candidates = by_name.get(name.casefold(), [])
            found = await self._prove(tid, t, candidates, by_name)
            if found:
                path, proof = found
                from musictool.integrations.traktor.paths import from_path

                loc = from_path(path)
                plan.append(
                    {
                        "track_id": tid,
                        "from": t["location"],
                        "to": path,
                        "proof": proof,
                        "edits": [
                            {
                                "location_key": t["location_key"],
                                "fields": {
                                    "location": {"volume": loc.volume, "dir": loc.dir, "file": loc.file}
                                },
                            }
                        ],
                    }
                )
        return plan

    async def _prove(
        self, tid: int, t: dict[str, Any], same_name: list[str], by_name: dict[str, list[str]]
    ) -> tuple[str, str] | None:
        """A file that is this track: same fingerprint first, then same name and size (what Traktor's relocate
        looks at), with the evidence."""
        fp = await store.fingerprint_of(self.db, tid)
        if fp:
            from musictool.integrations.acoustid.fingerprint import FingerprintError, fingerprint_file

            mine = duplicates.decode(fp)
            pool = same_name or [c for cs in by_name.values() for c in cs]
            for c in pool[:200]:
                try:
                    other = await fingerprint_file(c)
                except FingerprintError:
                    continue
                theirs = duplicates.decode(other.fingerprint)
                if mine is not None and theirs is not None:
                    s = duplicates.similarity(mine, theirs)
                    if s >= duplicates.SIMILAR:
                        return c, f"same fingerprint ({s:.2f} bit agreement)"
        size_kb = t.get("filesize_kb")
        for c in same_name:
            try:
                size = os.stat(c).st_size
            except OSError:
                continue
            if size_kb and abs(size / 1024 - size_kb) <= 1:
                return c, f"same file name and size ({size} bytes)"
        return None

    async def _analysis_plan(self, ids: list[int] | None) -> list[dict[str, Any]]:
        want = sorted(
            set(await store.issue_ids(self.db, "no_bpm", ids))
            | set(await store.issue_ids(self.db, "no_key", ids))
        )
        plan = []
        for tid, a in (await store.analysis_values(self.db, want)).items():
            fields: dict[str, Any] = {}
            brief = (await store.tracks_brief(self.db, [tid]))[tid]
            if not (brief["bpm"] or 0) > 0 and a["bpm"]:
                fields["bpm"] = round(float(a["bpm"]), 3)
            if not brief["key"] and a["key"]:
                fields["key"] = a["key"]
            if fields and not a.get("lock"):
                plan.append(
                    {
                        "track_id": tid,
                        "set": fields,
                        "edits": [{"location_key": a["location_key"], "fields": fields}],
                    }
                )
        return plan

    async def _mb_plan(self, ids: list[int] | None) -> list[dict[str, Any]]:
        if ids is None:
            ids = [r for r in await store.issue_ids(self.db, "tags_disagree")] or []
        plan = []
        for tid, r in (await store.mb_names(self.db, ids)).items():
            fields = {}
            if r["title"] and not r["have_title"]:
                fields["title"] = r["title"]
            if r["artist"] and not r["have_artist"]:
                fields["artist"] = r["artist"]
            if fields:
                plan.append(
                    {
                        "track_id": tid,
                        "set": fields,
                        "edits": [{"location_key": r["location_key"], "fields": fields}],
                    }
                )
        return plan

    async def _merge_plan(self, group_ids: list[int] | None) -> list[dict[str, Any]]:
        groups, _ = await store.groups(self.db, 10_000, 0)
        if group_ids:
            groups = [g for g in groups if g["id"] in set(group_ids)]
        plan = []
        for g in groups:
            brief = await store.tracks_brief(self.db, g["track_ids"])
            keep = brief[g["keep"]]
            others = [brief[i] for i in g["track_ids"] if i != g["keep"] and i in brief]
            fields: dict[str, Any] = {}
            if not keep["cue_count"]:
                donor = max(others, key=lambda t: t["cue_count"] or 0)
                if donor["cue_count"]:
                    fields["cues"] = _cues(donor["cues_json"])
            plays = (keep["play_count"] or 0) + sum(t["play_count"] or 0 for t in others)
            if plays != (keep["play_count"] or 0):
                fields["play_count"] = plays
            edits: list[dict[str, Any]] = []
            if fields:
                edits.append({"location_key": keep["location_key"], "fields": fields})
            # the copies leave the collection; in playlists the keeper takes their place
            edits.extend(
                {"remove_entry": t["location_key"], "replace_with": keep["location_key"]} for t in others
            )
            plan.append(
                {"group_id": g["id"], "keep": g["keep"], "remove": [t["id"] for t in others], "edits": edits}
            )
        return plan


def _cues(raw: str | None) -> list[dict[str, Any]]:
    import json

    keys = ("name", "displ_order", "type", "start", "length", "repeats", "hotcue", "color", "grid_bpm")
    return [dict(zip(keys, c, strict=False)) for c in json.loads(raw or "[]")]


def _index_folders(roots: list[str], limit: int = 200_000) -> dict[str, list[str]]:
    """file name (casefolded) -> paths, for the audio files under the given folders."""
    out: dict[str, list[str]] = {}
    seen = 0
    for root in dict.fromkeys(roots):
        if not os.path.isdir(root):
            continue
        for dirpath, _dirs, files in os.walk(root):
            for f in files:
                if os.path.splitext(f)[1].lower() in AUDIO_EXT:
                    out.setdefault(f.casefold(), []).append(os.path.join(dirpath, f))
                    seen += 1
            if seen > limit:
                return out
    return out
