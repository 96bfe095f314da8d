"""Small helpers every routes module uses, so that errors, paging and bodies look the same everywhere."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from musictool.redact import redact

if TYPE_CHECKING:
    from musictool.service import AppContext

PROBLEM_TYPE = "application/problem+json"
CTX: web.AppKey[Any] = web.AppKey("ctx")
PARSED_BODY: web.RequestKey[Any] = web.RequestKey("parsed_body", object)
API_PREFIX = "/api/v1"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what SQLite can store: every integer we accept fits
MAX_JSON_DEPTH = 32  # our bodies nest 3 deep; thousands would exhaust the parser's stack


def problem(
    status: int, title: str, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
) -> web.HTTPException:
    """An RFC 9457 problem to raise: `raise problem(404, "Not found", "no job 7")`."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = redact(detail)
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


_WHOLE = re.compile(r"([+-]?\d+)(?:\.0*)?")


def int_param(
    request: web.Request,
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    whole = _WHOLE.fullmatch(raw)  # "12" and "12.0" (a whole number, as JSON Schema counts it)
    try:
        value = int(whole.group(1)) if whole and len(whole.group(1)) <= 20 else None  # no 5,000-digit int()
    except ValueError:
        value = None
    if value is None:
        raise problem(400, "Bad parameter", f"{name} must be a whole number, not {raw[:40]!r}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise problem(400, "Bad parameter", f"{name} is out of range (a 64-bit integer)")
    if minimum is not None and value < minimum:
        raise problem(400, "Bad parameter", f"{name} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise problem(400, "Bad parameter", f"{name} must be at most {maximum}")
    return value


def float_param(request: web.Request, name: str, default: float | None = None) -> float | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise problem(400, "Bad parameter", f"{name} must be a number, not {raw!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise problem(400, "Bad parameter", f"{name} must be a finite number")
    return value


def bool_param(request: web.Request, name: str, default: bool = False) -> bool:
    """true/false (also 1/0, yes/no); anything else is a 400, not silently false."""
    raw = request.query.get(name)
    if raw is None:
        return default
    value = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(raw.lower())
    if value is None:
        raise problem(400, "Bad parameter", f"{name} must be true or false, not {raw[:40]!r}")
    return value


def page_params(request: web.Request, default_limit: int = 50, max_limit: int = 1000) -> tuple[int, int]:
    limit = int_param(request, "limit", default_limit, minimum=1, maximum=max_limit)
    offset = int_param(request, "offset", 0, minimum=0, maximum=2**31)
    return limit, offset  # type: ignore[return-value]


def path_int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    try:
        value = int(raw) if len(raw) <= 20 else None
    except ValueError:
        value = None
    if value is None:
        raise problem(404, "Not found", f"{name} must be a whole number, not {raw[:40]!r}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise problem(404, "Not found", f"no such {name}")
    return value


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class _Refused(ValueError):
    """A JSON value we do not accept although it parses: the message is the 422's detail."""


def _bounded_int(text: str) -> int | float:
    """An integer SQLite can hold; a larger one is read as the float it approximates (so no field that wants
    an integer accepts it, and an ignored field does not matter), or refused when even that overflows."""
    value = int(text) if len(text) <= 20 else INT64_MAX + 1
    if INT64_MIN <= value <= INT64_MAX:
        return value
    approx = float(text) if len(text) <= 400 else math.inf
    if not math.isfinite(approx):
        raise _Refused(f"the number {text[:24]}… is out of range")
    return approx


def _finite_float(text: str) -> float | int:
    """A finite float; a whole one within int64 (2.0, 1e3) is that integer, as JSON Schema counts it."""
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:24]} is out of range")
    if value.is_integer() and INT64_MIN <= value < INT64_MAX:
        return int(value)
    return value


def _no_constant(text: str) -> float:
    raise _Refused(f"{text} is not a number JSON allows")


def _json_depth(raw: bytes | str) -> int:
    """How deep brackets nest outside strings; checked before parsing so the parser never recurses far.
    Done with C-speed passes (count, regex, accumulate) so a 1 MB body does not stall the event loop."""
    data = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if data.count("[") + data.count("{") <= MAX_JSON_DEPTH:
        return 0
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", data))
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)


def parse_json(raw: bytes | str) -> Any:
    """JSON as the API accepts it: 400 when malformed or nested deeper than MAX_JSON_DEPTH; 422 for NaN,
    Infinity and numbers that overflow a float. Integers SQLite cannot hold arrive as floats, which every
    field that takes an integer refuses (a 400/422 naming the field)."""
    if _json_depth(raw) > MAX_JSON_DEPTH:
        raise problem(400, "Malformed JSON", f"the body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(
            raw, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant
        )
    except _Refused as exc:
        raise problem(422, "Number out of range", str(exc)) from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise problem(400, "Malformed JSON", f"the body is not valid JSON: {str(exc)[:200]}") from None


async def json_body(request: web.Request, *, required: bool = True) -> Any:
    """The parsed JSON body (None when empty); 400 for malformed JSON. Parsed once per request: the guard
    middleware calls this for every write, handlers get the same object."""
    if PARSED_BODY not in request:
        try:  # a body trickled in byte by byte must not hold the connection for ever
            async with asyncio.timeout(ctx_of(request).config.get("api", "request_timeout")):
                raw = await request.read()
        except TimeoutError:
            raise problem(408, "Request timeout", "the body did not arrive in time") from None
        request[PARSED_BODY] = parse_json(raw) if raw else None
    body = request[PARSED_BODY]
    if body is None:
        if required:
            raise problem(400, "Missing body", "this call needs a JSON body")
        return {}
    return body


async def no_fields(request: web.Request) -> None:
    """Calls that take no body fields refuse any, so a misspelt option is not silently ignored."""
    if await json_object(request, required=False):
        raise problem(400, "Bad body", "this call takes no fields; send {} or no body")


async def json_object(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    body = await json_body(request, required=required)
    if not isinstance(body, dict):
        raise problem(400, "Bad body", "the body must be a JSON object")
    return body
