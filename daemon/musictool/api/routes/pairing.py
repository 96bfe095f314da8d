"""Pairing the browser extension: one-time codes, the pairing call itself, and the list to revoke from."""

from __future__ import annotations

from aiohttp import web

from musictool.api.security import PAIRING, require_main_token
from musictool.api.util import (
    ctx_of,
    json_object,
    json_response,
    list_response,
    no_fields,
    page_params,
    path_int,
    problem,
)
from musictool.extension.pairing import PairingError
from musictool.store import pairings as store

routes = web.RouteTableDef()


@routes.post("/pairings/codes")
async def new_code(request: web.Request) -> web.Response:
    """What `musictool pair` calls: a code valid once, for ten minutes."""
    require_main_token(request)
    await no_fields(request)
    code, expires_at = await ctx_of(request).pairings.new_code()
    return json_response({"code": code, "expires_at": expires_at}, status=201)


@routes.post("/pair")
async def pair(request: web.Request) -> web.Response:
    """{"code": …} from an extension's origin answers that extension's own token (shown this once)."""
    body = await json_object(request)
    code, name = body.get("code"), body.get("name", "")
    if not isinstance(code, str) or not code.strip():
        raise problem(422, "Invalid pairing", "code must be the text `musictool pair` printed", field="code")
    if not isinstance(name, str) or len(name) > 200:
        raise problem(422, "Invalid pairing", "name must be a string of at most 200 characters", field="name")
    origin = request.headers.get("Origin", "")
    try:
        row, token = await ctx_of(request).pairings.redeem(code, origin, name.strip())
    except PairingError as exc:
        raise problem(403, "Pairing refused", str(exc)) from None
    return json_response({"token": token, "pairing": row}, status=201)


@routes.get("/pairings")
async def list_pairings(request: web.Request) -> web.Response:
    require_main_token(request)
    limit, offset = page_params(request)
    items, total = await store.list_all(ctx_of(request).db, limit, offset)
    return list_response(items, total)


@routes.delete(r"/pairings/{id:\d+}")
async def revoke(request: web.Request) -> web.Response:
    """Revoke a pairing: its token and its origin stop working at once. An extension may unpair itself."""
    pairing_id = path_int(request, "id")
    own = request.get(PAIRING)
    if own is not None and own.id != pairing_id:
        raise problem(403, "Main token required", "an extension can revoke only its own pairing")
    if not await ctx_of(request).pairings.revoke(pairing_id):
        raise problem(404, "Not found", f"no live pairing {pairing_id}")
    return web.Response(status=204)
