"""The API's guards against a real daemon over real HTTP: Host, Origin, token, JSON, body size, problem+json."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

from testkit.daemon import Daemon

PAIRED = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    d = Daemon(
        tmp_path_factory.mktemp("sec") / "home", {"api": {"paired_origins": [PAIRED], "max_body_bytes": 4096}}
    )
    d.start()
    yield d
    d.stop()


def raw(
    d: Daemon,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    auth: bool = True,
) -> tuple[int, dict[str, str], dict]:
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    h = {"Host": f"127.0.0.1:{d.port}"}
    if auth:
        h["Authorization"] = f"Bearer {d.token}"
    h.update(headers or {})
    conn.request(method, "/api/v1" + path, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    parsed = json.loads(data) if data and "json" in resp.getheader("Content-Type", "") else {}
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed


def assert_problem(headers: dict[str, str], body: dict, status: int) -> None:
    assert headers["content-type"].startswith("application/problem+json")
    assert body["status"] == status and body["title"]


def test_health_needs_no_token(guarded: Daemon) -> None:
    status, _, body = raw(guarded, "GET", "/health", auth=False)
    assert status == 200 and body["status"] == "ok"


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example",
        "attacker.example:{port}",
        "127.0.0.1:1",
        "localhost",
        "127.0.0.1.nip.io:{port}",
        "",
    ],
)
def test_foreign_host_is_refused_even_with_a_token(guarded: Daemon, host: str) -> None:
    status, headers, body = raw(guarded, "GET", "/status", {"Host": host.format(port=guarded.port)})
    assert status == 403
    assert_problem(headers, body, 403)


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}"])
def test_loopback_hosts_are_accepted(guarded: Daemon, host: str) -> None:
    status, _, _ = raw(guarded, "GET", "/status", {"Host": host.format(port=guarded.port)})
    assert status == 200


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://127.0.0.1:1", "chrome-extension://other"]
)
def test_foreign_origin_is_refused(guarded: Daemon, origin: str) -> None:
    status, headers, body = raw(guarded, "GET", "/status", {"Origin": origin})
    assert status == 403
    assert_problem(headers, body, 403)
    assert "access-control-allow-origin" not in headers


def test_paired_origin_gets_cors_and_preflight(guarded: Daemon) -> None:
    status, headers, _ = raw(guarded, "GET", "/status", {"Origin": PAIRED})
    assert status == 200
    assert headers["access-control-allow-origin"] == PAIRED
    status, headers, _ = raw(
        guarded,
        "OPTIONS",
        "/jobs/pause",
        {"Origin": PAIRED, "Access-Control-Request-Method": "POST"},
        auth=False,
    )
    assert status == 204 and headers["access-control-allow-origin"] == PAIRED


def test_own_origin_is_allowed(guarded: Daemon) -> None:
    status, headers, _ = raw(guarded, "GET", "/status", {"Origin": f"http://127.0.0.1:{guarded.port}"})
    assert status == 200 and "access-control-allow-origin" not in headers


def test_missing_and_wrong_tokens(guarded: Daemon) -> None:
    status, headers, body = raw(guarded, "GET", "/status", auth=False)
    assert status == 401 and headers["www-authenticate"].startswith("Bearer")
    assert_problem(headers, body, 401)
    status, _, _ = raw(guarded, "GET", "/status", {"Authorization": "Bearer " + "x" * 43})
    assert status == 401
    status, _, _ = raw(guarded, "GET", "/status", {"Authorization": f"Basic {guarded.token}"})
    assert status == 401


def test_token_in_query_string_or_cookie_is_not_accepted(guarded: Daemon) -> None:
    status, _, body = raw(guarded, "GET", f"/status?token={guarded.token}", auth=False)
    assert status == 401 and "header" in body["detail"]
    status, _, _ = raw(guarded, "GET", "/status", {"Cookie": f"token={guarded.token}"}, auth=False)
    assert status == 401


def test_writes_require_json_content_type(guarded: Daemon) -> None:
    status, headers, body = raw(
        guarded, "POST", "/jobs/pause", {"Content-Type": "application/x-www-form-urlencoded"}, b"a=1"
    )
    assert status == 415
    assert_problem(headers, body, 415)
    status, _, _ = raw(guarded, "POST", "/jobs/pause", {"Content-Type": "text/plain"}, b"{}")
    assert status == 415


def test_malformed_json_is_a_400_problem(guarded: Daemon) -> None:
    status, headers, body = raw(
        guarded, "POST", "/jobs/pause", {"Content-Type": "application/json"}, b"{not json"
    )
    assert status == 400
    assert_problem(headers, body, 400)
    assert "JSON" in body["title"]


def test_oversized_body_is_413(guarded: Daemon) -> None:
    status, headers, body = raw(
        guarded,
        "POST",
        "/jobs/pause",
        {"Content-Type": "application/json"},
        b'{"x": "' + b"a" * 10_000 + b'"}',
    )
    assert status == 413
    assert_problem(headers, body, 413)


def test_unknown_route_and_bad_ids_are_problems(guarded: Daemon) -> None:
    status, headers, body = raw(guarded, "GET", "/no/such/route")
    assert status == 404
    assert_problem(headers, body, 404)
    status, headers, body = raw(guarded, "GET", "/jobs/abc")
    assert status == 404
    status, headers, body = raw(guarded, "GET", "/jobs?limit=-5")
    assert status == 400
    assert_problem(headers, body, 400)


def test_pause_and_resume_round_trip(guarded: Daemon) -> None:
    api = guarded.api()
    assert api.post("/jobs/pause") == {"paused": True}
    assert api.get("/status")["jobs"]["paused"] is True
    assert api.post("/jobs/resume") == {"paused": False}


def test_token_rotation_takes_effect_without_restart(guarded: Daemon) -> None:
    from musictool import token as api_token

    old = guarded.token
    api_token.rotate(guarded.home / "api-token")
    assert raw(guarded, "GET", "/status", {"Authorization": f"Bearer {old}"})[0] == 401
    assert raw(guarded, "GET", "/status")[0] == 200


def test_secrets_never_reach_the_log(guarded: Daemon) -> None:
    raw(guarded, "GET", f"/status?token={guarded.token}", auth=False)
    raw(guarded, "GET", "/status", {"Authorization": "Bearer leaked-secret-value-123"})
    log_text = (guarded.home / "logs" / "musictool.log").read_text()
    assert guarded.token not in log_text
    assert "leaked-secret-value-123" not in log_text
