"""Push (library -> files), pull (files -> library), sync (both, three-way), batch set and undo, each a
resumable job: the job's checkpoint holds its batch and the last track id done, so a crash or a restart
goes on after the last finished file, and a file is only ever replaced whole (tags/safe.py).

Provenance: what a file holds is recorded as source "tag", so a file that disagrees with the NML or the
user shows up as a conflict in GET /conflicts and is settled there (PUT /tracks/{id}/metadata/{field}).
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from musictool.integrations.traktor.writer import EDITABLE_FIELDS, EditError
from musictool.jobs.queue import JobContext, PermanentError
from musictool.store import health as health_store
from musictool.store import provenance
from musictool.store import tags as store

from . import blocks, formats, safe

log = logging.getLogger(__name__)
PAGE = 200
CHECKPOINT_FILES = 10
PREVIEW_MAX = 500
# tag field -> tracks column (the NML's value)
COLUMNS = {
    "title": "title",
    "artist": "artist",
    "album": "album",
    "genre": "genre",
    "comment": "comment",
    "label": "label",
    "catalog_no": "catalog_no",
    "bpm": "bpm",
    "key": "key",
    "rating": "rating",
    "year": "release_date",
    "isrc": "isrc",
}
# tag fields the safe NML writer can set
NML_WRITABLE = [f for f in COLUMNS if f in EDITABLE_FIELDS]


def _settings(ctx: Any) -> dict[str, Any]:
    cfg = ctx.config.section("tags")
    return {
        "key_notation": cfg["key_notation"],
        "keep_v23": cfg["keep_id3v23"],
        "fields": tuple(cfg["fields"] or formats.FIELDS),
    }


def _backup_dir(ctx: Any) -> Path:
    return Path(ctx.home.backups) / "tags"


def row_values(track: dict[str, Any]) -> dict[str, Any]:
    """The NML's values of the tag fields, in the form tag reads give (formats.normalize)."""
    out = {}
    for f, col in COLUMNS.items():
        v = formats.normalize(f, track.get(col))
        if f == "rating" and v == 0:
            v = None  # Traktor writes RANKING 0 for "no rating"
        out[f] = v
    return out


async def library_values(db: Any, track: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """What push writes: the effective value under the provenance policy, else the NML row's value.
    Fields without a library value are left out (push never deletes what a file holds)."""
    eff = await provenance.effective(db, track["id"])
    base = row_values(track)
    out = {}
    for f in fields:
        v = formats.normalize(f, eff[f]["value"]) if f in eff else base.get(f)
        if v is not None:
            out[f] = v
    return out


def _same(fmt: str, field: str, a: Any, b: Any) -> bool:
    return formats.stored_form(fmt, field, a) == formats.stored_form(fmt, field, b)


class TagJobs:
    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.db = ctx.db

    # -- the walk every job shares ------------------------------------------------------------------------
    async def _walk(self, job: JobContext, ids: list[int] | None, each: Any) -> dict[str, Any]:
        """Call each(track, state) for every track after the checkpoint; checkpoint every few files or second,
        so a crash repeats at most that much (and a repeated write finds the file already done)."""
        state = dict(job.state)
        counts = state.setdefault("counts", {})
        total = len(ids) if ids is not None else await store.count_live(self.db)
        after = state.get("after", 0)
        last = time.monotonic()
        pending = 0
        while True:
            rows = await store.tracks_after(self.db, after, PAGE, ids)
            if not rows:
                break
            for track in rows:
                job.raise_if_cancelled()
                outcome = await each(track, state)
                counts[outcome] = counts.get(outcome, 0) + 1
                after = track["id"]
                pending += 1
                if pending >= CHECKPOINT_FILES or time.monotonic() - last > 1.0:
                    state["after"] = after
                    await job.checkpoint(state)
                    await job.progress(
                        sum(counts.values()), total, f"{sum(counts.values())} of {total} tracks"
                    )
                    pending, last = 0, time.monotonic()
        state["after"] = after
        await job.checkpoint(state)
        await job.progress(sum(counts.values()), total, f"{sum(counts.values())} of {total} tracks")
        return state

    async def _batch(self, job: JobContext, kind: str, summary: str, state: dict[str, Any]) -> int:
        if "batch_id" not in state:
            state["batch_id"] = await store.start_batch(self.db, kind, summary, job.job_id)
            await job.checkpoint(state)
        job.state = state
        return int(state["batch_id"])

    async def _write(
        self, batch_id: int, track: dict[str, Any], values: dict[str, Any], state: dict[str, Any]
    ) -> str:
        """Write values into the track's file with a backup; records the outcome; returns the count key."""
        path = track.get("path")
        s = _settings(self.ctx)
        if not path:
            return "no_file"
        backup = _backup_dir(self.ctx) / str(batch_id) / f"{track['id']}.bin"
        try:
            res = await asyncio.to_thread(
                safe.write_file, path, values, backup, key_notation=s["key_notation"], keep_v23=s["keep_v23"]
            )
        except (formats.TagError, blocks.BackupError, OSError) as exc:
            reason = str(exc) if not isinstance(exc, OSError) else f"{path}: {exc.strerror or exc}"
            await store.record_file(self.db, batch_id, path, track["id"], "failed", error=reason)
            state.setdefault("errors", []).append(reason) if len(state.get("errors", [])) < 100 else None
            return "failed"
        if not res.changed:
            if backup.exists() and await asyncio.to_thread(_written_before_crash, path, backup):
                # written by this batch before a crash, whose record was lost: keep it undoable
                raw = await asyncio.to_thread(backup.read_bytes)
                meta = blocks.Backup.from_bytes(raw).meta
                await store.record_file(
                    self.db, batch_id, path, track["id"], "written", backup_path=str(backup),
                    backup_sha256=blocks.sha256(raw), old_sha256=meta["old_sha256"], new_sha256=meta["new_sha256"],
                )  # fmt: skip
                return "written"
            return "unchanged"
        await store.record_file(
            self.db,
            batch_id,
            path,
            track["id"],
            "written",
            backup_path=str(res.backup),
            backup_sha256=res.backup_sha256,
            old_sha256=res.old_sha256,
            new_sha256=res.new_sha256,
            error=None,
        )
        await provenance.record_many(self.db, [(track["id"], f, v, "tag", 1.0) for f, v in values.items()])
        await health_store.forget_files(self.db, [track["id"]])
        return "written"

    async def _read(self, track: dict[str, Any]) -> formats.TagInfo | str:
        path = track.get("path")
        if not path:
            return "no_file"
        try:
            return await asyncio.to_thread(formats.read, path)
        except formats.TagError as exc:
            return str(exc)

    # -- push ---------------------------------------------------------------------------------------------
    async def push(self, job: JobContext) -> dict[str, Any]:
        ids = job.payload.get("track_ids")
        dry = bool(job.payload.get("dry_run"))
        fields = _settings(self.ctx)["fields"]
        state = dict(job.state)
        batch_id = None if dry else await self._batch(job, "push", self._summary("push", ids), state)
        preview: list[dict[str, Any]] = state.setdefault("preview", [])

        async def each(track: dict[str, Any], st: dict[str, Any]) -> str:
            values = await library_values(self.db, track, fields)
            if dry:
                info = await self._read(track)
                if not isinstance(info, formats.TagInfo):
                    return "failed"
                diff = {
                    f: {"file": info.values.get(f), "library": v}
                    for f, v in values.items()
                    if not _same(info.format, f, info.values.get(f), v)
                }
                if not diff:
                    return "unchanged"
                if len(preview) < PREVIEW_MAX:
                    preview.append({"track_id": track["id"], "path": track["path"], "changes": diff})
                return "would_write"
            outcome = await self._write(batch_id, track, values, st)
            if outcome in ("written", "unchanged"):
                await store.save_sync_state(self.db, track["id"], values)
            return outcome

        job.state = state
        state = await self._walk(job, ids, each)
        if batch_id is not None:
            await store.finish_batch(self.db, batch_id)
            await self._recheck()
        return self._result(state, dry_run=dry)

    # -- batch set ----------------------------------------------------------------------------------------
    async def set(self, job: JobContext) -> dict[str, Any]:
        values = {k: formats.normalize(k, v) for k, v in job.payload["fields"].items()}
        ids = job.payload["track_ids"]
        state = dict(job.state)
        batch_id = await self._batch(
            job, "set", f"set {', '.join(sorted(values))} on {len(ids)} tracks", state
        )
        nml: list[dict[str, Any]] = state.setdefault("nml_edits", [])

        async def each(track: dict[str, Any], st: dict[str, Any]) -> str:
            outcome = await self._write(batch_id, track, values, st)
            if job.payload.get("write_nml"):
                fields = {f: _nml_value(f, v) for f, v in values.items() if f in NML_WRITABLE}
                if fields:
                    nml.append({"location_key": track["location_key"], "fields": fields})
            return outcome

        job.state = state
        state = await self._walk(job, ids, each)
        await store.finish_batch(self.db, batch_id)
        await self._recheck()
        result = self._result(state)
        if nml:
            result["nml_write"] = await self._submit_nml(nml, f"batch tag edit on {len(nml)} tracks")
        return result

    # -- pull ---------------------------------------------------------------------------------------------
    async def pull(self, job: JobContext) -> dict[str, Any]:
        ids = job.payload.get("track_ids")
        write_nml = bool(job.payload.get("write_nml"))
        state = dict(job.state)
        nml: list[dict[str, Any]] = state.setdefault("nml_edits", [])
        differences = state.setdefault("differences", [])

        async def each(track: dict[str, Any], st: dict[str, Any]) -> str:
            info = await self._read(track)
            if not isinstance(info, formats.TagInfo):
                st.setdefault("errors", []).append(info) if len(st.get("errors", [])) < 100 else None
                return "failed"
            rows = [(track["id"], f, info.values.get(f), "tag", 1.0) for f in formats.FIELDS]
            await provenance.record_many(self.db, rows)
            base = row_values(track)
            diff = {
                f: {"file": info.values[f], "library": base.get(f)}
                for f in NML_WRITABLE
                if f in info.values and not _same(info.format, f, info.values[f], base.get(f))
            }
            if diff and len(differences) < PREVIEW_MAX:
                differences.append({"track_id": track["id"], "changes": diff})
            if write_nml and diff:
                nml.append(
                    {
                        "location_key": track["location_key"],
                        "fields": {f: _nml_value(f, d["file"]) for f, d in diff.items()},
                    }
                )
            await store.save_sync_state(self.db, track["id"], info.values if write_nml or not diff else {})
            return "differs" if diff else "same"

        job.state = state
        state = await self._walk(job, ids, each)
        result = self._result(state)
        result["differences"] = differences
        if nml:
            result["nml_write"] = await self._submit_nml(nml, f"tags of {len(nml)} files into collection.nml")
        return result

    # -- sync ---------------------------------------------------------------------------------------------
    async def sync(self, job: JobContext) -> dict[str, Any]:
        """Per field: equal -> nothing; only the library changed since the last sync -> file; only the
        file changed -> collection.nml (safe writer); both changed -> a conflict, nothing written."""
        ids = job.payload.get("track_ids")
        state = dict(job.state)
        batch_id = await self._batch(job, "sync", self._summary("sync", ids), state)
        nml: list[dict[str, Any]] = state.setdefault("nml_edits", [])
        conflicts: list[dict[str, Any]] = state.setdefault("conflicts", [])
        fields = [f for f in _settings(self.ctx)["fields"] if f in COLUMNS]

        async def each(track: dict[str, Any], st: dict[str, Any]) -> str:
            info = await self._read(track)
            if not isinstance(info, formats.TagInfo):
                return "failed"
            lib = await library_values(self.db, track, tuple(fields))
            last = await store.sync_state(self.db, track["id"])
            to_file, to_nml, settled = {}, {}, {}
            for f in fields:
                lv, fv = lib.get(f), info.values.get(f)
                if _same(info.format, f, lv, fv):
                    settled[f] = lv
                    continue
                had = f in last
                lib_changed = not had or not _same(info.format, f, lv, last[f])
                file_changed = not had or not _same(info.format, f, fv, last[f])
                if not had and fv is None:
                    to_file[f] = lv
                elif not had and lv is None:
                    to_nml[f] = fv
                elif lib_changed and not file_changed:
                    to_file[f] = lv
                elif file_changed and not lib_changed:
                    to_nml[f] = fv
                elif len(conflicts) < PREVIEW_MAX:
                    conflicts.append({"track_id": track["id"], "field": f, "library": lv, "file": fv})
            await provenance.record_many(
                self.db, [(track["id"], f, info.values.get(f), "tag", 1.0) for f in formats.FIELDS]
            )
            outcome = "same"
            if to_file:
                outcome = await self._write(
                    batch_id, track, {k: v for k, v in to_file.items() if v is not None}, st
                )
                if outcome == "written":
                    settled.update(to_file)
            nml_fields = {
                f: _nml_value(f, v) for f, v in to_nml.items() if f in NML_WRITABLE and v is not None
            }
            if nml_fields:
                nml.append({"location_key": track["location_key"], "fields": nml_fields})
                settled.update({f: to_nml[f] for f in nml_fields})
                outcome = "pulled" if outcome == "same" else outcome
            await store.save_sync_state(self.db, track["id"], settled)
            return outcome

        job.state = state
        state = await self._walk(job, ids, each)
        await store.finish_batch(self.db, batch_id)
        await self._recheck()
        result = self._result(state)
        result["conflicts"] = conflicts
        if nml:
            result["nml_write"] = await self._submit_nml(nml, f"tags of {len(nml)} files into collection.nml")
        return result

    # -- undo ---------------------------------------------------------------------------------------------
    async def undo(self, job: JobContext) -> dict[str, Any]:
        force = bool(job.payload.get("force"))
        batch_id = job.payload.get("batch_id") or job.state.get("batch_id")
        batch = await store.batch(self.db, batch_id) if batch_id else await store.last_undoable(self.db)
        if batch is None:
            raise PermanentError("there is no tag change to undo")
        await job.checkpoint({"batch_id": batch["id"]})
        files = await store.batch_files(self.db, batch["id"], ("written", "restore_failed"))
        restored, failed = 0, []
        for i, f in enumerate(files):
            job.raise_if_cancelled()
            try:
                await asyncio.to_thread(
                    safe.restore_file, f["path"], Path(f["backup_path"]), f["backup_sha256"], force=force
                )
            except (blocks.BackupError, formats.TagError, OSError) as exc:
                await store.record_file(
                    self.db, batch["id"], f["path"], f["track_id"], "restore_failed", error=str(exc)
                )
                failed.append({"path": f["path"], "error": str(exc)})
            else:
                await store.record_file(
                    self.db, batch["id"], f["path"], f["track_id"], "restored", error=None
                )
                restored += 1
            await job.progress(i + 1, len(files), f"{i + 1} of {len(files)} files")
        if not failed:
            await store.finish_batch(self.db, batch["id"], "undone")
        await self._recheck()
        return {"batch_id": batch["id"], "restored": restored, "failed": failed}

    # -- helpers ---------------------------------------------------------------------------------------------
    async def _recheck(self) -> None:
        """Files changed: the health pass re-reads them (artwork, readability) and re-derives their issues."""
        from musictool.library.health import request_pass

        await request_pass(self.ctx)

    async def _submit_nml(self, edits: list[dict[str, Any]], summary: str) -> dict[str, Any]:
        """Through the Traktor component's safe writer (backups, undo, waits while Traktor runs)."""
        from musictool.integrations.traktor.component import service_of

        svc = service_of(self.ctx)
        if svc is None or svc.collection is None:
            return {"status": "failed", "error": "no Traktor collection is configured or found"}
        try:
            row = await svc.submit_write({"edits": edits}, summary)
        except EditError as exc:
            return {"status": "failed", "error": str(exc)}
        return {"id": row["id"], "status": row["status"], "error": row.get("error")}

    @staticmethod
    def _summary(kind: str, ids: list[int] | None) -> str:
        return f"{kind} {len(ids)} tracks" if ids is not None else f"{kind} the whole library"

    @staticmethod
    def _result(state: dict[str, Any], **extra: Any) -> dict[str, Any]:
        out = {
            "batch_id": state.get("batch_id"),
            "counts": state.get("counts", {}),
            "errors": state.get("errors", []),
        }
        if state.get("preview") is not None and extra.get("dry_run"):
            out["preview"] = state["preview"]
        out.update(extra)
        return out


def _written_before_crash(path: str, backup: Path) -> bool:
    try:
        meta = blocks.Backup.from_bytes(backup.read_bytes()).meta
        return blocks.sha256(Path(path).read_bytes()) == meta["new_sha256"]
    except (OSError, blocks.BackupError, ValueError):
        return False


def _nml_value(field: str, value: Any) -> Any:
    if field == "key":
        from musictool.integrations.traktor import keys as keymod

        k = keymod.parse(str(value))
        return k.value if k else None
    if field == "rating":
        return int(value)
    return value
