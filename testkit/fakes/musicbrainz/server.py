"""A MusicBrainz WS/2 fake: the real XML bodies from ../shared/fixtures/musicbrainz and generated ones of
the same shape, with the real rules.

Rules kept (../shared/research/apis.md section 2):
- 1 request per second per client address (the live service limits per source IP, whatever the
  User-Agent); a faster request gets HTTP 503 with the rate-limit error body, and every request counts,
  so a client that keeps hammering keeps getting 503.
- A User-Agent is required (403 without one).
- Unknown ids: 404 with the XML error body; a malformed MBID: 400 "Invalid mbid.".
- Search (`/ws/2/recording/?query=...`) answers a <recording-list> with ext:score.
Error bodies follow the server's WS/2 error envelope (<error><text>...</text><text>For usage...</text>);
the 503 text is the one clients quote from the live service.

Tests register recordings (`add_recording`) so that tracks of their own can be identified; `fail_next`
makes the next requests answer 503 as an overloaded server does. `requests` logs every request.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from testkit.fixtures_path import SHARED

FIXTURES = SHARED / "fixtures" / "musicbrainz"
NS = "http://musicbrainz.org/ns/mmd-2.0#"
EXT = "http://musicbrainz.org/ns/ext#-2.0"
USAGE = "For usage, please see: https://musicbrainz.org/development/mmd"
RATE_TEXT = (
    "Your requests are exceeding the allowable rate limit. Please see "
    "https://musicbrainz.org/doc/XML_Web_Service/Rate_Limiting for more information."
)
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_FIELD = re.compile(r'(\w+):(?:\(((?:\\.|[^)])*)\)|"((?:\\.|[^"])*)")')

# request path -> fixture file, for the real bodies
FIXTURE_LOOKUPS = {
    "recording/f606f733-c1eb-43f3-93c1-71994ea611e3": "recording_lookup_inc_artist-rels.xml",
    "isrc/JPA600102460": "isrc_lookup_inc_releases.xml",
    "release/833d4c3a-2635-4b7a-83c4-4e560588f23a": "release_lookup_inc_recordings+artist-credits.xml",
    "release/b66ebe6d-a577-4af8-9a2e-a029b2147716": "release_lookup_inc_recordings.small.xml",
    "release-group/f52bc6a1-c848-49e6-85de-f8f53459a624": "release_group_lookup.xml",
    "artist/0e43fe9d-c472-4b62-be9e-55f971a023e1": "artist_lookup_inc_aliases.xml",
    "artist/b3785a55-2cf6-497d-b8e3-cfa21a36f997": "artist_lookup_inc_artist-rels.xml",
}
# search words that answer the stored real search bodies
FIXTURE_SEARCHES = {
    ("recording", "thief of hearts"): "recording_search.xml",
    ("release", "the clash"): "release_search.xml",
}


def error_body(*texts: str) -> str:
    inner = "".join(f"<text>{escape(t)}</text>" for t in (*texts, USAGE))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<error>{inner}</error>'


def _xml(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body, content_type="application/xml", charset="utf-8")


@dataclass
class Release:
    id: str
    title: str
    date: str = "2010-05-03"
    country: str = "GB"
    status: str = "Official"
    group_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    group_type: str = "Single"
    group_title: str | None = None


@dataclass
class Recording:
    id: str
    title: str
    artists: list[tuple[str, str]]  # (mbid, name)
    length_ms: int | None = None
    isrcs: list[str] = field(default_factory=list)
    tags: list[tuple[str, int]] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)


def _artist_credit(artists: list[tuple[str, str]]) -> str:
    parts = []
    for i, (aid, name) in enumerate(artists):
        join = ' joinphrase=" &amp; "' if i < len(artists) - 1 else ""
        parts.append(
            f"<name-credit{join}><artist id={quoteattr(aid)}><name>{escape(name)}</name>"
            f"<sort-name>{escape(name)}</sort-name></artist></name-credit>"
        )
    return f"<artist-credit>{''.join(parts)}</artist-credit>"


def _release_xml(rel: Release, with_group: bool = True) -> str:
    group = ""
    if with_group:
        group = (
            f"<release-group id={quoteattr(rel.group_id)} type={quoteattr(rel.group_type)}>"
            f"<title>{escape(rel.group_title or rel.title)}</title>"
            f"<first-release-date>{escape(rel.date)}</first-release-date>"
            f"<primary-type>{escape(rel.group_type)}</primary-type></release-group>"
        )
    return (
        f"<release id={quoteattr(rel.id)}><title>{escape(rel.title)}</title>"
        f"<status>{escape(rel.status)}</status><quality>normal</quality>{group}"
        f"<date>{escape(rel.date)}</date><country>{escape(rel.country)}</country></release>"
    )


def recording_xml(rec: Recording, inc: set[str], score: int | None = None) -> str:
    """One <recording> element as WS/2 writes it for a lookup (inc decides the parts) or a search hit."""
    attrs = f"id={quoteattr(rec.id)}"
    if score is not None:
        attrs = f'ext:score="{score}" ' + attrs
    parts = [f"<title>{escape(rec.title)}</title>"]
    if rec.length_ms:
        parts.append(f"<length>{rec.length_ms}</length>")
    search = score is not None
    if search or inc & {"artists", "artist-credits"}:
        parts.append(_artist_credit(rec.artists))
    if (search or "releases" in inc) and rec.releases:
        rels = "".join(_release_xml(r, with_group=search) for r in rec.releases)
        parts.append(f'<release-list count="{len(rec.releases)}">{rels}</release-list>')
    if (search or "isrcs" in inc) and rec.isrcs:
        isrcs = "".join(f"<isrc id={quoteattr(i)}/>" for i in rec.isrcs)
        parts.append(f'<isrc-list count="{len(rec.isrcs)}">{isrcs}</isrc-list>')
    if (search or "tags" in inc) and rec.tags:
        tags = "".join(f'<tag count="{c}"><name>{escape(n)}</name></tag>' for n, c in rec.tags)
        parts.append(f"<tag-list>{tags}</tag-list>")
    return f"<recording {attrs}>{''.join(parts)}</recording>"


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


class FakeMusicBrainz:
    """State of one fake server: registered data, the request log and the rate-limit rule."""

    def __init__(self, min_interval: float = 1.0, tolerance: float = 0.05) -> None:
        self.min_interval = min_interval
        self.tolerance = tolerance  # loopback scheduling jitter we forgive
        self.recordings: dict[str, Recording] = {}
        self.releases: dict[str, Release] = {}
        self.isrcs: dict[str, list[str]] = {}
        self.requests: list[dict[str, Any]] = []
        self._last: dict[str, float] = {}
        self._fail: list[int] = []
        self._stall = 0.0

    # test controls -----------------------------------------------------------------------------------
    def add_recording(
        self,
        title: str,
        artist: str,
        length_ms: int | None = None,
        *,
        isrcs: list[str] | None = None,
        tags: list[tuple[str, int]] | None = None,
        release: str | None = None,
        release_date: str = "2010-05-03",
        mbid: str | None = None,
    ) -> Recording:
        rel = Release(id=str(uuid.uuid4()), title=release or title, date=release_date)
        rec = Recording(
            id=mbid or str(uuid.uuid4()),
            title=title,
            artists=[(str(uuid.uuid5(uuid.NAMESPACE_URL, artist)), artist)],
            length_ms=length_ms,
            isrcs=list(isrcs or []),
            tags=list(tags or []),
            releases=[rel],
        )
        self.recordings[rec.id] = rec
        self.releases[rel.id] = rel
        for isrc in rec.isrcs:
            self.isrcs.setdefault(isrc, []).append(rec.id)
        return rec

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """The next `count` requests answer `status` (503: the server is overloaded)."""
        self._fail.extend([status] * count)

    def stall_next(self, seconds: float) -> None:
        """The next request is answered only after `seconds` (a server that hangs)."""
        self._stall = seconds

    def served(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["status"] == 200]

    # the app -----------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._rules])
        app.router.add_get("/ws/2/{entity}/", self._search)
        app.router.add_get("/ws/2/{entity}/{id}", self._lookup)
        return app

    @web.middleware
    async def _rules(self, request: web.Request, handler: Any) -> web.StreamResponse:
        now = time.monotonic()
        ua = request.headers.get("User-Agent", "")
        entry = {"t": now, "path": request.path_qs, "ua": ua, "status": 0}
        self.requests.append(entry)
        if not ua:
            entry["status"] = 403
            return _xml(403, error_body("A User-Agent header is required."))
        if self._stall:
            stall, self._stall = self._stall, 0.0
            await asyncio.sleep(stall)
        key = request.remote or ""
        last = self._last.get(key)
        self._last[key] = now
        if self._fail:
            entry["status"] = self._fail.pop(0)
            return _xml(entry["status"], error_body(RATE_TEXT))
        if last is not None and now - last < self.min_interval - self.tolerance:
            entry["status"] = 503
            return _xml(503, error_body(RATE_TEXT))
        response = await handler(request)
        entry["status"] = response.status
        return response

    async def _lookup(self, request: web.Request) -> web.Response:
        entity, ident = request.match_info["entity"], request.match_info["id"]
        inc = set(request.query.get("inc", "").split())
        fixture = FIXTURE_LOOKUPS.get(f"{entity}/{ident}")
        if fixture:
            return _xml(200, (FIXTURES / fixture).read_text(encoding="utf-8"))
        if entity == "isrc":
            ids = self.isrcs.get(ident.upper())
            if not ids:
                return _xml(404, error_body("Not Found"))
            recs = "".join(recording_xml(self.recordings[i], inc) for i in ids)
            return self._metadata(
                f'<isrc id={quoteattr(ident.upper())}><recording-list count="{len(ids)}">{recs}'
                "</recording-list></isrc>"
            )
        if not _MBID.match(ident):
            return _xml(400, error_body("Invalid mbid."))
        if entity == "recording" and ident in self.recordings:
            return self._metadata(recording_xml(self.recordings[ident], inc))
        if entity == "release" and ident in self.releases:
            return self._metadata(_release_xml(self.releases[ident], with_group="release-groups" in inc))
        return _xml(404, error_body("Not Found"))

    async def _search(self, request: web.Request) -> web.Response:
        entity = request.match_info["entity"]
        query = request.query.get("query", "")
        fields = {}
        for m in _FIELD.finditer(query):
            fields[m.group(1)] = re.sub(r"\\(.)", r"\1", m.group(2) or m.group(3) or "")
        if not fields and query:
            fields["recording" if entity == "recording" else entity] = query
        limit = int(request.query.get("limit", "25"))
        for (kind, words), fixture in FIXTURE_SEARCHES.items():
            if kind == entity and _words(words) <= _words(" ".join(fields.values())):
                return _xml(200, (FIXTURES / fixture).read_text(encoding="utf-8"))
        if entity != "recording":
            return self._metadata(f'<{entity}-list count="0" offset="0"/>', ext=True)
        hits = []
        want_title = _words(fields.get("recording", ""))
        want_artist = _words(fields.get("artist", "") or fields.get("artistname", ""))
        for rec in self.recordings.values():
            title_words = _words(rec.title)
            artist_words = _words(" ".join(n for _, n in rec.artists))
            parts = []
            if want_title:
                parts.append(len(want_title & title_words) / len(want_title | title_words))
            if want_artist:
                parts.append(len(want_artist & artist_words) / len(want_artist | artist_words))
            score = int(round(100 * sum(parts) / len(parts))) if parts else 0
            if score >= 40:
                hits.append((score, rec))
        hits.sort(key=lambda h: -h[0])
        body = "".join(recording_xml(rec, set(), score) for score, rec in hits[:limit])
        return self._metadata(
            f'<recording-list count="{len(hits)}" offset="0">{body}</recording-list>', ext=True
        )

    @staticmethod
    def _metadata(inner: str, ext: bool = False) -> web.Response:
        ns = f' xmlns:ext="{EXT}"' if ext else ""
        return _xml(
            200, f'<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="{NS}"{ns}>{inner}</metadata>'
        )
