"""A small synchronous API client for the CLI: finds the daemon's port and token in the home folder."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from musictool import token as api_token
from musictool.config import ConfigError, load_config
from musictool.home import Home


class DaemonNotRunning(Exception):
    """Nothing answers at the API address: the CLI says so and exits 1, the tray shows it in its title."""

    def __init__(self, url: str):
        super().__init__(
            f"the daemon is not running (nothing answers at {url}). Start it with `musictool serve`."
        )


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]):
        self.status = status
        self.body = body
        super().__init__(f"{status} {body.get('title', '')}: {body.get('detail', '')}".strip())


# The daemon is on loopback: a proxy from http_proxy (honoured even for 127.0.0.1 when no_proxy is unset)
# would receive every request with the Bearer token. An empty ProxyHandler means no proxy at all.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ApiClient:
    """Used by the CLI and the tray; always connects straight to the daemon, never through a proxy."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    @classmethod
    def from_home(cls, home: Home | None = None) -> ApiClient:
        home = home or Home.resolve()
        port = None
        try:
            port = json.loads(home.runtime.read_text(encoding="utf-8"))["port"]
        except (OSError, ValueError, KeyError):
            try:
                port = load_config(home.config).get("api", "port")
            except ConfigError as exc:
                print(f"musictool: configuration error: {exc}", file=sys.stderr)
                raise SystemExit(2) from None
        return cls(f"http://127.0.0.1:{port}/api/v1", api_token.read(home.token))

    @classmethod
    def from_args(cls, args: Any) -> ApiClient:
        return cls.from_home(Home.resolve(getattr(args, "home", None)))

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        url = self.base_url + path + (f"?{urllib.parse.urlencode(query, doseq=True)}" if query else "")
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if method != "GET" and method != "DELETE" or body is not None:
            data = json.dumps(body if body is not None else {}).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with _DIRECT.open(req, timeout=self.timeout) as resp:
                raw = resp.read()
                ctype = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = {"title": exc.reason, "detail": raw.decode(errors="replace")[:500]}
            raise ApiError(exc.code, payload) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            raise DaemonNotRunning(self.base_url) from None
        if "json" in ctype:
            return json.loads(raw) if raw else None
        return raw.decode("utf-8", errors="replace")

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self.request("POST", path, body if body is not None else {}, **params)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)
