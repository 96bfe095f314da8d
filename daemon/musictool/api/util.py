"""Small helpers every routes module uses, so that errors, paging and bodies look the same everywhere."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from musictool.service import AppContext

PROBLEM_TYPE = "application/problem+json"
CTX: web.AppKey[Any] = web.AppKey("ctx")
PARSED_BODY: web.RequestKey[Any] = web.RequestKey("parsed_body", object)
API_PREFIX = "/api/v1"


def problem(
    status: int, title: str, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
) -> web.HTTPException:
    """An RFC 9457 problem to raise: `raise problem(404, "Not found", "no job 7")`."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    exc = web.HTTPException(text=json.dumps(body), content_type=PROBLEM_TYPE, headers=headers)
    exc.set_status(status)
    return exc


def ctx_of(request: web.Request) -> AppContext:
    return request.app[CTX]


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, default=str))


def list_response(items: list[Any], total: int) -> web.Response:
    return json_response({"items": items, "total": total})


def int_param(
    request: web.Request,
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise problem(400, "Bad parameter", f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise problem(400, "Bad parameter", f"{name} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise problem(400, "Bad parameter", f"{name} must be at most {maximum}")
    return value


def float_param(request: web.Request, name: str, default: float | None = None) -> float | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise problem(400, "Bad parameter", f"{name} must be a number, not {raw!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise problem(400, "Bad parameter", f"{name} must be a finite number")
    return value


def page_params(request: web.Request, default_limit: int = 50, max_limit: int = 1000) -> tuple[int, int]:
    limit = int_param(request, "limit", default_limit, minimum=1, maximum=max_limit)
    offset = int_param(request, "offset", 0, minimum=0, maximum=2**31)
    return limit, offset  # type: ignore[return-value]


def path_int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    try:
        value = int(raw)
    except ValueError:
        raise problem(404, "Not found", f"{name} must be a whole number, not {raw!r}") from None
    if not -(2**63) <= value < 2**63:
        raise problem(404, "Not found", f"no such {name}")
    return value


async def json_body(request: web.Request, *, required: bool = True) -> Any:
    """The parsed JSON body (None when empty); 400 for malformed JSON. Parsed once per request: the guard
    middleware calls this for every write, handlers get the same object."""
    if PARSED_BODY not in request:
        raw = await request.read()
        try:
            request[PARSED_BODY] = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise problem(400, "Malformed JSON", f"the body is not valid JSON: {exc}") from None
    body = request[PARSED_BODY]
    if body is None:
        if required:
            raise problem(400, "Missing body", "this call needs a JSON body")
        return {}
    return body


async def json_object(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    body = await json_body(request, required=required)
    if not isinstance(body, dict):
        raise problem(400, "Bad body", "the body must be a JSON object")
    return body
