"""Guards that keep web pages from driving the daemon: Host (DNS rebinding), Origin, token, JSON-only writes."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from musictool.api.dashboard import is_dashboard_path
from musictool.api.util import API_PREFIX, PARSED_BODY, ctx_of, json_body, problem
from musictool.extension.pairing import is_extension_origin

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PAIR_PATH = f"{API_PREFIX}/pair"
PUBLIC = {f"{API_PREFIX}/health", PAIR_PATH}  # pairing is paid for with a one-time code, not the token
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CORS: web.RequestKey[dict[str, str]] = web.RequestKey("cors", dict)
PAIRING: web.RequestKey[Any] = web.RequestKey("pairing", object)  # set when a paired extension's token was used
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="musictool"'}


def allowed_hosts(port: int) -> set[str]:
    return {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}


def own_origins(port: int) -> set[str]:
    """The daemon's own pages (the dashboard at GET /): its fetches carry one of these Origins."""
    return {f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://[::1]:{port}"}


def _cors_headers(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Vary": "Origin",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, Last-Event-ID",
        "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
        "Access-Control-Max-Age": "600",
    }


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    ctx = ctx_of(request)
    port = ctx.port or request.transport.get_extra_info("sockname")[1]
    host = request.headers.get("Host", "")
    if host.lower() not in allowed_hosts(port):
        log.warning("refused a request for Host %r (possible DNS rebinding)", host[:100])
        raise problem(
            403, "Forbidden host", "requests must address 127.0.0.1, localhost or [::1] with this port"
        )

    origin = request.headers.get("Origin")
    pairings = ctx.pairings
    paired = set(ctx.config.get("api", "paired_origins")) | (pairings.origins() if pairings else set())
    # an extension not paired yet may reach exactly one call: POST /pair with its one-time code
    pairing_call = request.path == PAIR_PATH and is_extension_origin(origin)
    if origin is not None and origin not in paired and origin not in own_origins(port) and not pairing_call:
        log.warning("refused a request from Origin %r", origin[:100])
        raise problem(403, "Forbidden origin", "this origin is not a paired extension")
    cors = _cors_headers(origin) if origin in paired or pairing_call else {}

    if request.method == "OPTIONS" and cors:
        return web.Response(status=204, headers=cors)

    if request.path not in PUBLIC and not (request.method in ("GET", "HEAD") and is_dashboard_path(request.path)):
        if "token" in request.query or "access_token" in request.query:
            raise problem(401, "Token in URL refused", "send the token in the Authorization header only")
        auth = request.headers.get("Authorization", "")
        scheme, _, supplied = auth.partition(" ")
        if scheme.lower() != "bearer" or not supplied:
            raise problem(
                401,
                "Unauthorized",
                "send Authorization: Bearer <token from the api-token file>",
                headers=CHALLENGE,
            )
        try:  # aiohttp keeps undecodable header bytes as surrogates: such a token cannot be ours
            presented = supplied.strip().encode("utf-8")
        except UnicodeEncodeError:
            presented = b""
        if not presented or not hmac.compare_digest(presented, ctx.current_token().encode()):
            # not the main token: perhaps a paired extension's own, from its own origin
            pairing = pairings.check(presented.decode(), origin) if pairings and presented else None
            if pairing is None:
                raise problem(401, "Unauthorized", "the token is wrong", headers=CHALLENGE)
            request[PAIRING] = pairing
            await pairings.seen(pairing)

    if request.match_info.http_exception is not None:  # no such route or method: 404/405, not a body error
        raise request.match_info.http_exception

    if request.method in WRITES:
        limit = ctx.config.get("api", "max_body_bytes")
        if request.content_length is not None and request.content_length > limit:
            raise problem(413, "Body too large", f"bodies are limited to {limit} bytes")
        has_body = request.can_read_body and request.content_length != 0
        if has_body and request.method != "DELETE" and request.content_type != "application/json":
            raise problem(415, "JSON required", "state-changing calls take Content-Type: application/json")
        if has_body and request.content_type == "application/json":
            # malformed JSON is a 400 before any handler runs; every body the API takes is an object
            await json_body(request, required=False)
            if await request.read() and not isinstance(request[PARSED_BODY], dict):
                raise problem(400, "Bad body", "the body must be a JSON object")

    request[CORS] = cors
    return await handler(request)


async def add_cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: also reaches streamed responses (SSE) and error responses."""
    for key, value in request.get(CORS, {}).items():
        response.headers[key] = value


def require_main_token(request: web.Request) -> None:
    """Pairing management is the user's, not an extension's: a paired extension's token cannot do it."""
    if PAIRING in request:
        raise problem(403, "Main token required", "use the token from the api-token file for this call")
