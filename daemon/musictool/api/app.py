"""Builds the aiohttp application: error and security middleware, then every routes module under /api/v1."""

from __future__ import annotations

import importlib
import logging
import pkgutil

from aiohttp import web

from musictool.api import dashboard
from musictool.api import routes as routes_pkg
from musictool.api.security import add_cors_headers, guard
from musictool.api.util import API_PREFIX, CTX, PROBLEM_TYPE, problem
from musictool.store.jobs import QueueFull

log = logging.getLogger(__name__)


@web.middleware
async def problems(request: web.Request, handler):  # noqa: ANN001 - aiohttp's handler type
    """Every error leaves as application/problem+json, whoever raised it."""
    try:
        return await handler(request)
    except QueueFull as exc:
        wait = str(max(1, round(exc.retry_after)))
        raise problem(429, "Too many queued", str(exc), headers={"Retry-After": wait}) from None
    except web.HTTPException as exc:
        if exc.content_type == PROBLEM_TYPE or exc.status < 400:
            raise
        detail = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else None
        raise problem(exc.status, exc.reason, detail, headers=_keep_headers(exc)) from None
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        raise problem(500, "Internal error", "the daemon hit an unexpected error; see its log") from None


def _keep_headers(exc: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in exc.headers.items() if k in ("Allow", "WWW-Authenticate", "Retry-After")}


def route_modules() -> list[str]:
    return sorted(
        f"{routes_pkg.__name__}.{info.name}"
        for info in pkgutil.iter_modules(routes_pkg.__path__)
        if not info.ispkg
    )


def registered_routes(app: web.Application) -> set[tuple[str, str]]:
    """(METHOD, path relative to /api/v1) for every route: the contract test compares this with the spec."""
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if route.method in ("HEAD", "OPTIONS") or not path or not path.startswith(API_PREFIX):
            continue
        found.add((route.method, path[len(API_PREFIX) :]))
    return found


def create_app(ctx) -> web.Application:  # noqa: ANN001 - AppContext; avoids an import cycle
    app = web.Application(
        middlewares=[problems, guard],
        client_max_size=ctx.config.get("api", "max_body_bytes"),
    )
    app[CTX] = ctx
    app.on_response_prepare.append(add_cors_headers)
    for name in route_modules():
        module = importlib.import_module(name)
        for route in module.routes:
            app.router.add_route(route.method, API_PREFIX + route.path, route.handler, **route.kwargs)
    dashboard.add_routes(app)
    return app
