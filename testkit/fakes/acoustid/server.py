"""An AcoustID web service fake (/v2/lookup) with the real bodies from ../shared/fixtures/acoustid.

Rules kept (../shared/research/apis.md section 3; acoustid-server api/v2 and api/errors.py):
- GET or POST; a POST form body may be gzip-compressed (`Content-Encoding: gzip`), as pyacoustid sends it.
- Parameters are checked in the server's order: format, client (missing: code 2; unknown key: code 4,
  the error_invalid_api_key.json body), then trackid or duration + fingerprint (missing or non-numeric
  duration: code 2 "duration"; negative: code 8; missing fingerprint: code 2; undecodable: code 3).
  Errors are HTTP 400 (internal: 500) with {"status": "error", "error": {code, message}}.
- At most 3 requests per second per client address: the 4th within a second gets HTTP 429, code 14,
  "rate limit (3.000000 requests per second) exceeded, try again later" (newer server versions; the
  wording as reimplementations of that server quote it).
- Answers only the meta parts asked for (recordings, recordingids, releasegroups).

Tests register what a fingerprint should return (`register`, `register_recording`); anything else gets
lookup_no_results.json. `fail_next` makes the next lookups answer the internal error.
"""

from __future__ import annotations

import base64
import binascii
import copy
import gzip
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from testkit.fixtures_path import SHARED

FIXTURES = SHARED / "fixtures" / "acoustid"
RATE = 3
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _error(code: int, message: str, status: int = 400) -> web.Response:
    return web.json_response({"status": "error", "error": {"code": code, "message": message}}, status=status)


def _fixture_error(name: str, status: int = 400) -> web.Response:
    return web.json_response(fixture(name), status=status)


def fingerprint_ok(value: str) -> bool:
    """A Chromaprint compressed fingerprint: base64url without padding; byte 0 is the algorithm, bytes
    1..3 the number of 32-bit items, which must be positive."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return False
    return len(raw) > 4 and int.from_bytes(raw[1:4], "big") > 0


class FakeAcoustID:
    def __init__(self, api_keys: tuple[str, ...] = ("test-key",), rate: int = RATE) -> None:
        self.api_keys = set(api_keys)
        self.rate = rate
        self.bodies: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self._recent: dict[str, list[float]] = {}
        self._fail = 0

    # test controls -----------------------------------------------------------------------------------
    def register(self, fingerprint: str, body: dict[str, Any]) -> None:
        """Answer this ok-body (e.g. a fixture) to lookups of this fingerprint."""
        self.bodies[fingerprint] = body

    def register_recording(
        self,
        fingerprint: str,
        recording_id: str,
        *,
        title: str,
        artist: str,
        duration: float | None = None,
        score: float = 0.97,
        track_id: str = "9ff43b6a-4f16-427c-93c2-92307ca505e0",
    ) -> None:
        """A body shaped like lookup_meta_recordings_releasegroups_compress.json for a generated track."""
        body = fixture("lookup_meta_recordings_releasegroups_compress.json")
        result = body["results"][0]
        result["id"], result["score"] = track_id, score
        rec = result["recordings"][0]
        rec.update({"id": recording_id, "title": title})
        rec["artists"] = [{"id": "6d7b7cd4-254b-4c25-83f6-dd20f98ceacd", "name": artist}]
        if duration is not None:
            rec["duration"] = int(round(duration))
        self.bodies[fingerprint] = body

    def fail_next(self, count: int = 1) -> None:
        self._fail += count

    # the app -----------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("GET", "/v2/lookup", self._lookup)
        app.router.add_route("POST", "/v2/lookup", self._lookup)
        return app

    async def _params(self, request: web.Request) -> dict[str, str]:
        params = dict(request.query)
        if request.method == "POST":
            raw = await request.read()
            # aiohttp's parser already inflates a `Content-Encoding: gzip` body; inflate here only if it
            # did not (the bytes still carry the gzip magic), so the fake does not depend on that
            if request.headers.get("Content-Encoding", "").lower() == "gzip" and raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        return params

    async def _lookup(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        entry: dict[str, Any] = {
            "t": now,
            "method": request.method,
            "content_encoding": request.headers.get("Content-Encoding"),
        }
        self.requests.append(entry)
        try:
            params = await self._params(request)
        except (OSError, EOFError, UnicodeDecodeError):
            entry["status"] = 400
            return _error(2, 'missing required parameter "fingerprint"')
        entry["params"] = params
        response = self._answer(request.remote or "", params, now)
        entry["status"] = response.status
        return response

    def _answer(self, who: str, params: dict[str, str], now: float) -> web.Response:
        fmt = params.get("format", "json")
        if fmt not in ("json", "xml", "jsonp"):
            return _error(1, f'unknown format "{fmt}"')
        client = params.get("client")
        if not client:
            return _error(2, 'missing required parameter "client"')
        if client not in self.api_keys:
            return _fixture_error("error_invalid_api_key.json")
        recent = [t for t in self._recent.get(who, []) if now - t < 1.0]
        recent.append(now)
        self._recent[who] = recent
        if len(recent) > self.rate:
            return _error(
                14, f"rate limit ({self.rate:f} requests per second) exceeded, try again later", 429
            )
        if self._fail:
            self._fail -= 1
            return _fixture_error("error_internal.json", 500)
        meta = set(params.get("meta", "").replace("+", " ").split())
        if "trackid" in params:
            if not _UUID.match(params["trackid"]):
                return _error(7, 'parameter "trackid" is not a valid UUID')
            return web.json_response(fixture("lookup_by_trackid_meta_recordingids.json"))
        try:
            duration = int(params.get("duration", "0"))
        except ValueError:
            duration = 0
        if duration < 0:
            return _fixture_error("error_invalid_duration.json")
        if not duration:
            return _error(2, 'missing required parameter "duration"')
        fp = params.get("fingerprint")
        if not fp:
            return _fixture_error("error_missing_parameter_fingerprint.json")
        if not fingerprint_ok(fp):
            return _fixture_error("error_invalid_fingerprint.json")
        body = copy.deepcopy(self.bodies.get(fp) or fixture("lookup_no_results.json"))
        for result in body.get("results", []):
            recs = result.get("recordings")
            if recs is None:
                continue
            if "recordings" in meta:
                if "releasegroups" not in meta:
                    for rec in recs:
                        rec.pop("releasegroups", None)
            elif "recordingids" in meta:
                result["recordings"] = [{"id": rec["id"]} for rec in recs]
            else:
                del result["recordings"]
        return web.json_response(body)
