"""Identifying one track and recording what each source says about it.

Order, cheapest and surest first: a MusicBrainz recording id already in the tags (Picard), the ISRC
(from the NML or the tags), the audio fingerprint (AcoustID), and last a search by artist + title whose
hits are scored against the track (title and artist similarity, length). The chosen recording is then
read from MusicBrainz (cached per recording and release) and its values stored with source
"musicbrainz" and the confidence of the match; what AcoustID said is stored with source "acoustid".
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from musictool.enrich.sources import _EASY, nml_values, read_tags
from musictool.integrations.acoustid.client import AcoustIDClient, best_recording
from musictool.integrations.acoustid.fingerprint import fingerprint_file
from musictool.integrations.musicbrainz.client import MBRecording, MusicBrainzClient
from musictool.model.fields import normalize_text
from musictool.store import enrichment as store
from musictool.store import provenance

log = logging.getLogger(__name__)

TAG_FIELDS = (*_EASY, "key", "duration")
ISRC_CONFIDENCE = 0.95
TAG_MBID_CONFIDENCE = 0.9


MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")


def clean_isrc(value: Any) -> str | None:
    """ "US-TX1-87-00001" -> "USTX18700001"; None for anything that is not an ISRC ("N/A", "0")."""
    if not isinstance(value, str):
        return None
    text = value.replace("-", "").replace(" ", "").upper()
    return text if ISRC.match(text) else None


class TrackMissing(LookupError):
    """No such track in the database."""


@dataclass
class Settings:
    mb_min_score: float = 0.8  # accept a search hit from this match confidence on
    acoustid_min_score: float = 0.5


def _similarity(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return fuzz.token_set_ratio(normalize_text(a), normalize_text(b)) / 100.0


def score_hit(hit: MBRecording, artist: str | None, title: str | None, duration: float | None) -> float:
    """How sure we are that a search hit is this track: the weakest of MusicBrainz' own score, the title
    and the artist similarity, lowered when the lengths differ by more than a few seconds."""
    parts = [(hit.score if hit.score is not None else 100) / 100.0, _similarity(title, hit.title)]
    if artist:
        parts.append(_similarity(artist, hit.artist))
    confidence = min(parts)
    if duration and hit.duration:
        off = abs(duration - hit.duration)
        confidence *= max(0.0, 1.0 - max(0.0, off - 3.0) / 30.0)
    return round(confidence, 4)


class Enricher:
    def __init__(
        self, db: Any, mb: MusicBrainzClient, acoustid: AcoustIDClient | None, settings: Settings
    ) -> None:
        self.db = db
        self.mb = mb
        self.acoustid = acoustid
        self.settings = settings

    # local sources -----------------------------------------------------------------------------------
    async def record_nml(self, tracks: list[dict[str, Any]]) -> int:
        rows = []
        for t in tracks:
            for field, value in nml_values(t).items():
                rows.append((t["id"], field, value, "nml", 1.0))
        return await provenance.record_many(self.db, rows)

    async def record_tags(self, track: dict[str, Any]) -> dict[str, Any]:
        """Read the file's tags and store them (source "tag"); a vanished tag value is removed."""
        path = track.get("path")
        if not path or not await asyncio.to_thread(Path(path).is_file):
            return {}
        try:
            values = await asyncio.to_thread(read_tags, path)
        except Exception as exc:  # noqa: BLE001 - mutagen raises more than MutagenError on damaged files
            log.info("cannot read tags of %s: %s", path, exc)
            return {}
        rows = [(track["id"], f, values.get(f), "tag", 1.0) for f in TAG_FIELDS]
        await provenance.record_many(self.db, rows)
        return values

    # identification ----------------------------------------------------------------------------------
    async def fingerprint(self, track: dict[str, Any]) -> tuple[str, float] | None:
        """(fingerprint, duration) from the stored outcome or fpcalc; None when there is no file."""
        path = track.get("path")
        if not path or not await asyncio.to_thread(Path(path).is_file):
            return None
        known = await store.outcome(self.db, track["id"])
        if known and known.get("fingerprint"):
            return known["fingerprint"], known["fingerprint_duration"]
        fp = await fingerprint_file(path)
        await store.save_fingerprint(self.db, track["id"], fp.fingerprint, fp.duration)
        return fp.fingerprint, fp.duration

    async def acoustid_lookup(self, track: dict[str, Any]) -> tuple[str, float] | None:
        """Fingerprint + AcoustID; stores the AcoustID id, the fingerprint and what AcoustID says.
        Returns (recording MBID, score) of the best result, or None."""
        if self.acoustid is None:
            return None
        got = await self.fingerprint(track)
        if got is None:
            return None
        fingerprint, duration = got
        results = await self.acoustid.run(self.acoustid.lookup, fingerprint, duration)
        tid = track["id"]
        if not results:
            await store.save_outcome(self.db, tid, status="no_match", method="acoustid", error=None)
            return None
        top = results[0]
        await store.save_outcome(
            self.db, tid, status="no_match", acoustid_id=top.id, acoustid_score=top.score
        )
        rows: list[tuple[int, str, Any, str, float]] = [(tid, "acoustid_id", top.id, "acoustid", top.score)]
        best = best_recording(results, duration)
        if best is None or best[0].score < self.settings.acoustid_min_score:
            await provenance.record_many(self.db, rows)
            return None
        result, rec = best
        rows += [
            (tid, "mb_recording_id", rec.id, "acoustid", result.score),
            (tid, "title", rec.title, "acoustid", result.score),
            (tid, "artist", rec.artist, "acoustid", result.score),
            (tid, "duration", rec.duration, "acoustid", result.score),
        ]
        await provenance.record_many(self.db, rows)
        return rec.id, result.score

    async def by_isrc(self, track: dict[str, Any], isrc: str, title: str | None) -> tuple[str, float] | None:
        recs = await self.mb.run(self.mb.recordings_by_isrc, isrc)
        if not recs:
            return None
        if len(recs) == 1:
            return recs[0].id, ISRC_CONFIDENCE
        # an ISRC shared by several recordings (a mistake upstream, or edits): the closest title wins
        ranked = sorted(recs, key=lambda r: -_similarity(title, r.title))
        return ranked[0].id, round(ISRC_CONFIDENCE * max(0.5, _similarity(title, ranked[0].title)), 4)

    async def by_search(
        self, artist: str | None, title: str | None, duration: float | None
    ) -> tuple[str, float] | None:
        if not title:
            return None
        hits = await self.mb.run(self.mb.search, artist or "", title)
        scored = sorted(((score_hit(h, artist, title, duration), h) for h in hits), key=lambda x: -x[0])
        if scored and scored[0][0] >= self.settings.mb_min_score:
            return scored[0][1].id, scored[0][0]
        return None

    async def recording_details(self, track_id: int, mbid: str, confidence: float) -> bool:
        """Read the recording (and its best release) and store what MusicBrainz says. False if unknown."""
        rec = await store.cached_recording(self.db, mbid)
        if rec is None:
            rec = await self.mb.run(self.mb.recording, mbid)
            if rec is None:
                return False
            await store.cache_recording(self.db, rec)
        release = rec.best_release()
        if release is not None and release.release_group_id is None:
            full = await store.cached_release(self.db, release.id)
            if full is None:
                full = await self.mb.run(self.mb.release, release.id)
                if full is not None:
                    await store.cache_release(self.db, full)
            release = full or release
        c = confidence
        rows: list[tuple[int, str, Any, str, float]] = [
            (track_id, "mb_recording_id", rec.id, "musicbrainz", c),
            (track_id, "title", rec.title, "musicbrainz", c),
            (track_id, "artist", rec.artist, "musicbrainz", c),
            (track_id, "mb_artist_ids", rec.artist_ids or None, "musicbrainz", c),
            (track_id, "duration", rec.duration, "musicbrainz", c),
            (track_id, "isrcs", rec.isrcs or None, "musicbrainz", c),
            (track_id, "isrc", rec.isrcs[0] if len(rec.isrcs) == 1 else None, "musicbrainz", c),
            (track_id, "tags", [t["name"] for t in rec.tags] or None, "musicbrainz", c),
        ]
        # every field is written, None included, so a re-identification leaves nothing of the old match
        year = ((release.first_release_date or release.date or "") if release else "")[:4]
        rows += [
            (track_id, "album", release.title if release else None, "musicbrainz", c),
            (track_id, "year", int(year) if year.isdigit() else None, "musicbrainz", c),
            (track_id, "mb_release_id", release.id if release else None, "musicbrainz", c),
            (
                track_id,
                "mb_release_group_id",
                release.release_group_id if release else None,
                "musicbrainz",
                c,
            ),
            (track_id, "release_type", release.release_group_type if release else None, "musicbrainz", c),
            (track_id, "cover_art_url", release.cover_art_url if release else None, "musicbrainz", c),
        ]
        await provenance.record_many(self.db, rows)
        return True

    async def enrich(
        self,
        track_id: int,
        *,
        recording_id: str | None = None,
        confidence: float | None = None,
        method: str | None = None,
        use_acoustid: bool = True,
    ) -> dict[str, Any]:
        """The whole chain for one track; returns the outcome {status, method, recording_mbid, score}."""
        track = await store.track(self.db, track_id)
        if track is None:
            raise TrackMissing(f"no track {track_id}")
        await self.record_nml([track])
        tags = await self.record_tags(track)
        eff = await provenance.effective(self.db, track_id)

        def value(field: str) -> Any:
            entry = eff.get(field)
            return entry["value"] if entry else None

        found: tuple[str, float] | None = None
        if recording_id:
            found, method = (
                (recording_id, confidence if confidence is not None else 1.0),
                method or "recording",
            )
        tag_mbid = str(tags.get("mb_recording_id") or "").strip().lower()
        if found is None and MBID.match(tag_mbid):
            found, method = (tag_mbid, TAG_MBID_CONFIDENCE), "tag"
        isrc = clean_isrc(value("isrc"))
        if found is None and isrc:
            found = await self.by_isrc(track, isrc, value("title"))
            method = "isrc"
        if found is None and use_acoustid:
            found = await self.acoustid_lookup(track)
            method = "acoustid"
        if found is None:
            found = await self.by_search(value("artist"), value("title"), value("duration"))
            method = "search"
        if found is None:
            await store.save_outcome(
                self.db, track_id, status="no_match", method=None, recording_mbid=None, score=None, error=None
            )
            await provenance.forget_source(
                self.db, track_id, "musicbrainz"
            )  # an earlier match no longer holds
            return {"track_id": track_id, "status": "no_match"}
        mbid, score = found
        if not await self.recording_details(track_id, mbid, score):
            await store.save_outcome(
                self.db,
                track_id,
                status="no_match",
                method=method,
                recording_mbid=None,
                score=None,
                error=f"MusicBrainz does not know recording {mbid}",
            )
            return {"track_id": track_id, "status": "no_match"}
        await store.save_outcome(
            self.db, track_id, status="matched", method=method, recording_mbid=mbid, score=score, error=None
        )
        return {
            "track_id": track_id,
            "status": "matched",
            "method": method,
            "recording_mbid": mbid,
            "score": score,
        }
