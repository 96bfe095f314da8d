"""Pairing and the extension's calls over real HTTP against a real daemon process: codes are single use and
only an extension origin can redeem one; the extension's token works only from its origin and cannot manage
pairings; revoking stops the token and the origin at once; pairings survive a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

from testkit.fixtures_path import REPO

EXT = "chrome-extension://" + "a" * 32
OTHER_EXT = "moz-extension://0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
EVIL = "https://evil.example"


def call(
    d: Any, method: str, path: str, body: Any = None, token: str | None = None, origin: str | None = None
):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(d.base_url + path, method=method, data=data)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if origin:
        req.add_header("Origin", origin)
    try:
        with urllib.request.urlopen(req) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None), r.headers
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None), e.headers


def new_code(d: Any) -> str:
    status, body, _ = call(d, "POST", "/pairings/codes", {}, token=d.token)
    assert status == 201
    return body["code"]


def test_pairing_rules(daemon: Any) -> None:
    d = daemon
    code = new_code(d)

    # a web page cannot pair, even with the live code, and its attempt does not use the code up
    status, body, headers = call(d, "POST", "/pair", {"code": code}, origin=EVIL)
    assert status == 403 and body["title"] == "Forbidden origin"
    assert "Access-Control-Allow-Origin" not in headers
    # no Origin at all (curl, a script): not an extension either
    status, body, _ = call(d, "POST", "/pair", {"code": code})
    assert status == 403 and "only a browser extension can pair" in body["detail"]
    assert call(d, "POST", "/pair", {}, origin=EXT)[0] == 422

    # the CORS preflight of an extension not yet paired is answered for /pair only
    status, _, headers = call(d, "OPTIONS", "/pair", origin=EXT)
    assert status == 204 and headers["Access-Control-Allow-Origin"] == EXT
    assert call(d, "OPTIONS", "/status", origin=EXT)[0] == 403

    status, body, headers = call(d, "POST", "/pair", {"code": code.lower().replace("-", " ")}, origin=EXT)
    assert status == 201, body
    token, pairing = body["token"], body["pairing"]
    assert headers["Access-Control-Allow-Origin"] == EXT
    assert pairing["origin"] == EXT and pairing["revoked_at"] is None
    assert token != d.token and len(token) >= 40

    # single use
    status, body, _ = call(d, "POST", "/pair", {"code": code}, origin=OTHER_EXT)
    assert status == 403 and "wrong, used or expired" in body["detail"]

    # the extension's token works from its origin (with CORS), and not from any other
    status, _, headers = call(d, "GET", "/status", token=token, origin=EXT)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == EXT
    assert call(d, "GET", "/wishlist", token=token)[0] == 200  # a background fetch may send no Origin
    assert call(d, "GET", "/status", token=token, origin=EVIL)[0] == 403
    assert call(d, "GET", "/status", token=token, origin=d.base_url.rsplit("/api", 1)[0])[0] == 401
    assert call(d, "GET", "/status", token="x" + token[1:], origin=EXT)[0] == 401

    # pairing management is the user's, not the extension's
    assert call(d, "POST", "/pairings/codes", {}, token=token, origin=EXT)[0] == 403
    assert call(d, "GET", "/pairings", token=token, origin=EXT)[0] == 403
    status, listed, _ = call(d, "GET", "/pairings", token=d.token)
    assert status == 200 and listed["total"] == 1 and "token_hash" not in listed["items"][0]
    assert listed["items"][0]["last_used_at"] is not None  # the extension's calls above
    assert token not in json.dumps(listed)

    # a second extension pairs with its own code; one cannot revoke the other
    status, body, _ = call(d, "POST", "/pair", {"code": new_code(d)}, origin=OTHER_EXT)
    assert status == 201
    other_token, other_id = body["token"], body["pairing"]["id"]
    assert call(d, "GET", "/status", token=other_token, origin=EXT)[0] == 401  # tokens are bound to origins
    assert call(d, "DELETE", f"/pairings/{other_id}", token=token, origin=EXT)[0] == 403

    # pairings survive a restart (they live in SQLite, hashed)
    d.stop()
    d.start()
    assert call(d, "GET", "/status", token=token, origin=EXT)[0] == 200
    db_bytes = b"".join(p.read_bytes() for p in d.home.glob("musictool.db*"))
    assert db_bytes and token.encode() not in db_bytes and pairing["origin"].encode() in db_bytes
    assert token.encode() not in db_bytes

    # revoking stops the token and the origin at once
    assert call(d, "DELETE", f"/pairings/{pairing['id']}", token=d.token)[0] == 204
    assert call(d, "GET", "/status", token=token)[0] == 401
    status, body, headers = call(d, "GET", "/health", origin=EXT)
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    assert call(d, "DELETE", f"/pairings/{pairing['id']}", token=d.token)[0] == 404
    # an extension may unpair itself
    assert call(d, "DELETE", f"/pairings/{other_id}", token=other_token, origin=OTHER_EXT)[0] == 204
    items = call(d, "GET", "/pairings", token=d.token)[1]["items"]
    assert all(p["revoked_at"] for p in items) and len(items) == 2


def test_wrong_codes_void_every_open_code(daemon: Any) -> None:
    d = daemon
    code = new_code(d)
    for _ in range(10):
        status, body, _ = call(d, "POST", "/pair", {"code": "AAAA-AAAA"}, origin=EXT)
        assert status == 403
    assert "too many wrong codes" in body["detail"]
    assert call(d, "POST", "/pair", {"code": code}, origin=EXT)[0] == 403
    assert call(d, "POST", "/pair", {"code": new_code(d)}, origin=EXT)[0] == 201


def test_musictool_pair_prints_a_code(daemon: Any) -> None:
    env = {
        **os.environ,
        "MUSICTOOL_HOME": str(daemon.home),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-m", "musictool", "pair"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    code, help_line = out.stdout.splitlines()
    assert len(code) == 9 and code[4] == "-"
    assert f"port {daemon.port}" in help_line and "works once" in help_line
    status, body, _ = call(daemon, "POST", "/pair", {"code": code}, origin=EXT)
    assert status == 201
    listed = subprocess.run(
        [sys.executable, "-m", "musictool", "pair", "--list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0 and EXT in listed.stdout and "live" in listed.stdout
    pid = str(body["pairing"]["id"])
    revoked = subprocess.run(
        [sys.executable, "-m", "musictool", "pair", "--revoke", pid],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert revoked.returncode == 0 and f"pairing {pid} revoked" in revoked.stdout
    assert call(daemon, "GET", "/status", token=body["token"], origin=EXT)[0] == 403


def test_page_calls_check_their_input(daemon: Any) -> None:
    d = daemon
    bad = [
        ({"store": "amazon", "url": "https://x", "title": "t"}, "store"),
        ({"store": "juno", "url": "javascript:alert(1)", "title": "t"}, "url"),
        ({"store": "juno", "url": "https://x"}, "title"),
        ({"store": "juno", "url": "https://x", "title": "t", "price": -1}, "price"),
        ({"store": "juno", "url": "https://x", "title": "t", "currency": "euro"}, "currency"),
        ({"store": "juno", "url": "https://x", "title": "t", "tracks": [{"name": "x"}]}, "tracks[0]"),
        ({"store": "discogs", "url": "https://x", "release_id": "12"}, "release_id"),
    ]
    for body, field in bad:
        for path in ("/pages/lookup", "/pages/wishlist"):
            status, problem, _ = call(d, "POST", path, body, token=d.token)
            assert status == 422 and problem["field"] == field, (body, problem)
    assert call(d, "GET", "/wishlist", token=d.token)[1]["total"] == 0
    assert call(d, "GET", "/wishlist/99/prices", token=d.token)[0] == 404


def test_page_answers_follow_the_spec(daemon: Any) -> None:
    import jsonschema
    import yaml

    spec = yaml.safe_load((REPO / "api-spec" / "openapi.yaml").read_text(encoding="utf-8"))

    def check(instance: Any, name: str) -> None:
        jsonschema.Draft202012Validator({**spec, "$ref": f"#/components/schemas/{name}"}).validate(instance)

    d = daemon
    page = {
        "store": "bandcamp",
        "kind": "album",
        "url": "https://someone.bandcamp.com/album/an-album",
        "artist": "Someone",
        "title": "An Album",
        "tracks": [{"title": "One", "duration": 200.5}, {"title": "Two"}],
        "price": 7.0,
        "currency": "gbp",
    }
    status, looked, _ = call(d, "POST", "/pages/lookup", page, token=d.token)
    assert status == 200
    check(looked, "PageStatus")
    assert (looked["status"], looked["tracks_total"], looked["price_observed"]) == ("unknown", 2, None)
    status, added, _ = call(d, "POST", "/pages/wishlist", page, token=d.token)
    assert status == 201
    check(added, "PageWishlist")
    assert added["item"]["currency"] == "GBP" and added["price_observed"]["price"] == 7.0
    status, again, _ = call(d, "POST", "/pages/wishlist", {**page, "price": 6.5}, token=d.token)
    assert status == 200 and again["created"] is False and again["item"]["id"] == added["item"]["id"]
    status, looked, _ = call(d, "POST", "/pages/lookup", {**page, "price": 6.0}, token=d.token)
    check(looked, "PageStatus")
    assert looked["status"] == "wanted" and looked["price_observed"]["price"] == 6.0
    prices = call(d, "GET", f"/wishlist/{added['item']['id']}/prices", token=d.token)[1]
    assert [p["price"] for p in prices["items"]] == [6.0, 6.5, 7.0]
    for p in prices["items"]:
        check(p, "StorePrice")
    # no target price: no notification; the plan buys at the lowest price seen
    assert not [
        n for n in call(d, "GET", "/notifications", token=d.token)[1]["items"] if n["kind"] == "price_target"
    ]
    plan = call(d, "POST", "/wishlist/plan", {"budget": 100}, token=d.token)[1]
    assert plan["chosen"][0]["price"] == 6.0 and plan["chosen"][0]["price_estimated"] is False
    # deleting the item deletes its prices
    assert call(d, "DELETE", f"/wishlist/{added['item']['id']}", token=d.token)[0] == 204
    assert call(d, "GET", f"/wishlist/{added['item']['id']}/prices", token=d.token)[0] == 404
