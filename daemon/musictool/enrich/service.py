"""The enrichment service of one daemon: job handlers, the NML provenance follower, /status.

Job kinds:
- `enrich.batch` (resource "default"): POST /enrich and `musictool enrich`; walks the given tracks or the
  whole library in id order with progress and a checkpoint per track, running the whole chain per track.
- `enrich.musicbrainz` (resource "musicbrainz"): one track, by recording id (from AcoustID) or else by
  ISRC / search.
- `enrich.acoustid` (resource "acoustid"): fingerprint + lookup of one track, then queues
  `enrich.musicbrainz` for the best recording (or for an ISRC / search attempt when there is none).
- `enrich.nml` (resource "io"): records the NML values of tracks changed since the last run as provenance
  (source "nml"); queued on every `traktor.ingested` event and once at start.
- `enrich.discogs` (resource "io"): the matched vinyl track's values as provenance (source "discogs");
  queued on every `matches.updated` event.
All web requests share the process-wide limiters of the two clients, whatever job makes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

from musictool.enrich import discogs_values
from musictool.enrich.pipeline import Enricher, Settings, TrackMissing
from musictool.integrations.acoustid.client import AcoustIDClient, AcoustIDKeyError, AcoustIDUnavailable
from musictool.integrations.acoustid.fingerprint import FingerprintError
from musictool.integrations.musicbrainz.client import (
    MusicBrainzClient,
    MusicBrainzError,
    MusicBrainzUnavailable,
)
from musictool.jobs import PermanentError, RetryableError
from musictool.model.policy import Policy, PolicyError
from musictool.store import enrichment as store
from musictool.store import kv, provenance

log = logging.getLogger(__name__)

NML_MARK = "enrich.nml.mark"
NML_CHUNK = 200  # tracks per transaction: each holds the writer ~0.1 s, so a live Traktor change never waits long
BATCH_PAGE = 200
PER_TRACK_JOBS_UP_TO = 200  # more new tracks than this: one library enrich.batch instead
_services: dict[int, EnrichService] = {}


def service_of(ctx: Any) -> EnrichService:
    """The EnrichService of this AppContext, made on first use (components set up in name order)."""
    svc = _services.get(id(ctx))
    if svc is None:
        svc = _services[id(ctx)] = EnrichService(ctx)
    return svc


def forget(ctx: Any) -> None:
    _services.pop(id(ctx), None)


class EnrichService:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        mb_cfg = ctx.config.section("musicbrainz")
        ac_cfg = ctx.config.section("acoustid")
        self.policy_error: str | None = None
        try:
            self.policy = Policy.from_config(ctx.config.section("provenance"))
        except PolicyError as exc:
            self.policy_error = f"{ctx.config.path}: {exc}; using the default order"
            log.error("%s", self.policy_error)
            self.policy = Policy()
        provenance.set_policy(self.policy)
        self.auto = bool(mb_cfg.get("auto"))
        self._generation: dict[str, int] = defaultdict(int)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.mb = MusicBrainzClient(mb_cfg["base_url"], ctx.version, mb_cfg["contact"])
        self.acoustid = (
            AcoustIDClient(ac_cfg["base_url"], ac_cfg["api_key"]) if ac_cfg.get("api_key") else None
        )
        self.acoustid_problem: str | None = None if self.acoustid else "no [acoustid] api_key configured"
        self.enricher = Enricher(
            ctx.db,
            self.mb,
            self.acoustid,
            Settings(mb_min_score=float(mb_cfg["min_score"]), acoustid_min_score=float(ac_cfg["min_score"])),
        )

    # status ------------------------------------------------------------------------------------------
    async def status(self) -> dict[str, Any]:
        counts = await store.status_counts(self.ctx.db)
        conflicts = await provenance.conflict_count(self.ctx.db)
        return {
            "identified": counts.get("matched", 0),
            "not_found": counts.get("no_match", 0),
            "errors": counts.get("error", 0),
            "conflicts": int(conflicts or 0),
            "acoustid": self.acoustid_problem or "ready",
            "policy_error": self.policy_error,
        }

    # errors ------------------------------------------------------------------------------------------
    async def _acoustid_key_problem(self, exc: AcoustIDKeyError) -> None:
        self.acoustid_problem = str(exc)
        self.enricher.acoustid = None  # no point sending a rejected key again in this process
        await self.ctx.notify(
            "enrich.acoustid_key",
            "AcoustID rejected the API key",
            f"{exc}. Fingerprint lookups are off until the key in config.toml is fixed and the daemon restarts.",
            dedupe_key=f"acoustid.key:{exc}",
        )

    # handlers ----------------------------------------------------------------------------------------
    async def handle_musicbrainz(self, job: Any) -> dict[str, Any]:
        p = job.payload
        track_id = _track_id(p)
        try:
            outcome = await self.enricher.enrich(
                track_id,
                recording_id=p.get("recording_id"),
                confidence=p.get("confidence"),
                method=p.get("method"),
                use_acoustid=False,
            )
            if outcome["status"] == "matched":
                self.ctx.events.publish("enrich.done", {"track_ids": [track_id], "matched": 1})
            return outcome
        except TrackMissing as exc:
            raise PermanentError(str(exc)) from exc
        except MusicBrainzUnavailable as exc:
            raise RetryableError(str(exc), retry_after=exc.retry_after) from exc
        except MusicBrainzError as exc:
            raise PermanentError(str(exc)) from exc

    async def handle_acoustid(self, job: Any) -> dict[str, Any]:
        track_id = _track_id(job.payload)
        track = await store.track(self.ctx.db, track_id)
        if track is None:
            raise PermanentError(f"no track {track_id}")
        if self.enricher.acoustid is None:
            raise PermanentError(f"AcoustID lookups are off: {self.acoustid_problem}")
        problem = None
        try:
            found = await self.enricher.acoustid_lookup(track)
        except FingerprintError as exc:
            # the file cannot be fingerprinted; the ISRC or a search may still identify the track
            await store.save_outcome(self.ctx.db, track_id, status="error", method="acoustid", error=str(exc))
            found, problem = None, str(exc)
        except AcoustIDKeyError as exc:
            await self._acoustid_key_problem(exc)
            found, problem = None, str(exc)
        except AcoustIDUnavailable as exc:
            raise RetryableError(str(exc), retry_after=exc.retry_after) from exc
        if found is None:
            follow = {"track_id": track_id}
        else:
            follow = {
                "track_id": track_id,
                "recording_id": found[0],
                "confidence": found[1],
                "method": "acoustid",
            }
        next_id = await self.ctx.queue.enqueue(
            "enrich.musicbrainz", follow, dedupe_key=f"enrich.musicbrainz:{track_id}"
        )
        result = {"track_id": track_id, "recording_id": found[0] if found else None, "next_job": next_id}
        if problem:
            result["error"] = problem
        return result

    async def handle_batch(self, job: Any) -> dict[str, Any]:
        """Walk tracks in id order; resumable (checkpoint after every track)."""
        p = job.payload
        ids = p.get("track_ids")
        force = bool(p.get("force", ids is not None))  # named tracks are redone unless force is false
        state = dict(job.state or {})
        after = int(state.get("after", 0))
        counts = {k: int(state.get(k, 0)) for k in ("matched", "no_match", "error", "skipped")}
        total = await store.count_tracks(self.ctx.db, ids)
        done = sum(counts.values())
        warnings: list[str] = list(state.get("warnings", []))
        await job.progress(done, total, "identifying tracks")
        matched_ids: list[int] = []
        try:
            await self._walk(job, ids, force, after, counts, done, total, warnings, matched_ids)
        finally:
            # identifiers found so far are news for the matcher even if the run stops early
            if matched_ids:
                self.ctx.events.publish(
                    "enrich.done", {"track_ids": matched_ids[:1000], "matched": len(matched_ids)}
                )
        return {"total": total, **counts, "warnings": warnings}

    async def _walk(
        self,
        job: Any,
        ids: list[int] | None,
        force: bool,
        after: int,
        counts: dict[str, int],
        done: int,
        total: int,
        warnings: list[str],
        matched_ids: list[int],
    ) -> None:
        while True:
            page = await store.tracks_after(self.ctx.db, after, BATCH_PAGE, ids)
            if not page:
                break
            for track in page:
                job.raise_if_cancelled()
                tid = track["id"]
                known = None if force else await store.outcome(self.ctx.db, tid)
                if known and known["status"] in ("matched", "no_match"):
                    counts["skipped"] += 1
                else:
                    status = await self._enrich_one(tid, warnings)
                    counts[status] += 1
                    if status == "matched":
                        matched_ids.append(tid)
                after = tid
                done += 1
                await job.checkpoint({"after": after, **counts, "warnings": warnings})
                label = (
                    " - ".join(x for x in (track.get("artist"), track.get("title")) if x) or f"track {tid}"
                )
                await job.progress(done, total, label)

    async def _enrich_one(self, track_id: int, warnings: list[str]) -> str:
        try:
            outcome = await self.enricher.enrich(track_id, use_acoustid=self.enricher.acoustid is not None)
            return outcome["status"]
        except TrackMissing:
            return "error"
        except AcoustIDKeyError as exc:
            await self._acoustid_key_problem(exc)
            warnings.append(str(exc))
            return await self._enrich_one(track_id, warnings)  # again, without AcoustID
        except (FingerprintError, AcoustIDUnavailable) as exc:
            # this track's file or AcoustID failed: still try MusicBrainz by ISRC / search
            try:
                outcome = await self.enricher.enrich(track_id, use_acoustid=False)
            except (MusicBrainzError, TrackMissing) as exc2:
                await store.save_outcome(self.ctx.db, track_id, status="error", error=f"{exc}; {exc2}")
                return "error"
            if outcome["status"] != "matched":
                await store.save_outcome(self.ctx.db, track_id, status="error", error=str(exc))
                return "error"
            return "matched"
        except MusicBrainzUnavailable as exc:
            raise RetryableError(str(exc), retry_after=exc.retry_after) from exc
        except MusicBrainzError as exc:
            await store.save_outcome(self.ctx.db, track_id, status="error", error=str(exc))
            return "error"

    async def request(self, kind: str) -> int:
        """Queue a follow-up run of enrich.nml / enrich.discogs. Requests coalesce while a run is queued;
        once a run has started a new request queues the next one (the key carries the generation), so a
        change that lands during a run is never missed."""
        return await self.ctx.queue.enqueue(kind, {}, dedupe_key=f"{kind}:{self._generation[kind]}")

    async def request_nml(self) -> int:
        return await self.request("enrich.nml")

    async def handle_nml(self, job: Any) -> dict[str, Any]:
        self._generation["enrich.nml"] += 1
        async with self._locks["enrich.nml"]:  # runs of different generations never overlap
            return await self._record_nml_changes(job)

    async def handle_discogs(self, job: Any) -> dict[str, Any]:
        """Discogs values of matched tracks as provenance (see enrich/discogs_values.py)."""
        self._generation["enrich.discogs"] += 1
        async with self._locks["enrich.discogs"]:
            return await discogs_values.sync(self.ctx.db)

    async def _record_nml_changes(self, job: Any) -> dict[str, Any]:
        """Record the NML values of every track changed since the mark, in chunks, as provenance."""
        mark = await kv.get(self.ctx.db, NML_MARK, ["", 0])
        changed_pairs = 0
        seen = 0
        new_ids: list[int] = []
        while True:
            job.raise_if_cancelled()
            rows = await store.changed_tracks(self.ctx.db, (mark[0], mark[1]), NML_CHUNK)
            if not rows:
                break
            changed_pairs += await self.enricher.record_nml(rows)
            seen += len(rows)
            if self.auto:
                new_ids.extend(r["id"] for r in rows if r["removed_at"] is None)
            mark = [rows[-1]["updated_at"], rows[-1]["id"]]
            await kv.set(self.ctx.db, NML_MARK, mark)
            await job.progress(seen, None, "recording NML values")
        queued = await self.queue_new(new_ids) if new_ids else 0
        return {"tracks": seen, "changed_fields": changed_pairs, "queued": queued}

    async def queue_new(self, ids: list[int]) -> int:
        """Identify tracks never identified before (a play count change must not cost web requests):
        one job per track on the service's own resource for a few, one batch job for many."""
        known = await store.outcomes_of(self.ctx.db, ids)
        fresh = [i for i in ids if i not in known]
        if len(fresh) > PER_TRACK_JOBS_UP_TO:
            # many (a first ingest): one library run over every track not identified yet
            await self.ctx.queue.enqueue(
                "enrich.batch", {"library": True, "force": False}, dedupe_key="enrich.library", priority=-1
            )
            return len(fresh)
        for tid in fresh:
            kind = "enrich.acoustid" if self.enricher.acoustid is not None else "enrich.musicbrainz"
            await self.ctx.queue.enqueue(kind, {"track_id": tid}, dedupe_key=f"{kind}:{tid}", priority=-1)
        return len(fresh)

    async def on_ingested(self, event: Any) -> None:
        await self.request_nml()

    async def on_matches(self, event: Any) -> None:
        await self.request("enrich.discogs")


def _track_id(payload: dict[str, Any]) -> int:
    tid = payload.get("track_id")
    if not isinstance(tid, int) or isinstance(tid, bool):
        raise PermanentError(f"payload needs an integer track_id, not {tid!r}")
    return tid
