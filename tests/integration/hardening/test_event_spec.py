"""Every event type the daemon publishes is in api-spec's Event schema (issue 11, item 10): the types are
read from the code (each publish() call names its type as a literal), and a live daemon's stream conforms."""

from __future__ import annotations

import ast
import json
import shutil
import socket
import time
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from testkit.daemon import Daemon
from testkit.fixtures_path import REPO
from tests.unit.traktor.nmlfixtures import fx

SPEC = yaml.safe_load((REPO / "api-spec" / "openapi.yaml").read_text(encoding="utf-8"))
EVENT = SPEC["components"]["schemas"]["Event"]
PUBLISHERS = ("publish", "publish_threadsafe")


def published() -> dict[str, list[tuple[str, set[str] | None]]]:
    """type -> [(where, the payload's keys when it is a dict literal)] for every publish call in the daemon."""
    found: dict[str, list[tuple[str, set[str] | None]]] = {}
    for path in sorted((REPO / "daemon" / "musictool").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in PUBLISHERS or not node.args:
                continue
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            first = node.args[0]
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{where}: publish() must name its event type as a string literal so it can be checked"
            )
            keys = None
            if len(node.args) > 1 and isinstance(node.args[1], ast.Dict):
                keys = {k.value for k in node.args[1].keys if isinstance(k, ast.Constant)}
            elif len(node.args) == 1:
                keys = set()
            found.setdefault(first.value, []).append((where, keys))
    return found


def test_the_scan_finds_the_publishers() -> None:
    types = published()
    assert {"job.queued", "job.retrying", "job.finished", "notification", "traktor.ingested"} <= set(types)


def test_every_published_type_is_in_the_spec_and_nothing_else() -> None:
    in_spec = set(EVENT["properties"]["type"]["enum"])
    variants = {v["properties"]["type"]["const"] for v in EVENT["oneOf"]}
    in_code = set(published())
    assert in_code - in_spec == set(), f"published but not in api-spec Event: {sorted(in_code - in_spec)}"
    assert in_spec - in_code == set(), f"in api-spec Event but never published: {sorted(in_spec - in_code)}"
    assert variants == in_spec


def test_literal_payload_keys_are_described_and_required_keys_are_always_sent() -> None:
    variants = {v["properties"]["type"]["const"]: v for v in EVENT["oneOf"]}
    for type_, calls in published().items():
        described = set(variants[type_]["properties"]) - {"type"}
        for where, keys in calls:
            if keys is None:
                continue  # a payload built elsewhere (a result dict): covered by the live check
            assert keys <= described, f"{where}: {type_} sends {sorted(keys - described)} the spec lacks"
    required = {t: set(v.get("required", [])) for t, v in variants.items()}
    for type_, calls in published().items():
        for where, keys in calls:
            if keys is not None and type_ not in ("job.finished", "error"):  # those two vary by cause
                assert required[type_] <= keys, f"{where}: {type_} omits {sorted(required[type_] - keys)}"


def _read_events(d: Daemon, until: float) -> list[dict[str, Any]]:
    s = socket.create_connection(("127.0.0.1", d.port), timeout=2)
    s.sendall(
        f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{d.port}\r\nAuthorization: Bearer {d.token}\r\n"
        "Last-Event-ID: from-before-this-boot\r\n\r\n".encode()  # an unknown id replays every kept event
    )
    data = b""
    try:
        while time.monotonic() < until:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return [json.loads(line[6:]) for line in data.decode().splitlines() if line.startswith("data: ")]


def test_a_live_daemons_events_conform(daemon_factory: Any, tmp_path: Path) -> None:
    coll = tmp_path / "collection.nml"
    shutil.copy(fx("TravestyAudio__Collection/collection.nml"), coll)
    d: Daemon = daemon_factory(config={"traktor": {"collection": str(coll)}})
    d.wait_for(lambda: d.api().get("/tracks")["total"] == 1978, timeout=60, what="ingest")
    api = d.api()
    api.post("/jobs/pause")
    api.post("/jobs/resume")
    events = _read_events(d, time.monotonic() + 3)
    validator = jsonschema.Draft202012Validator({**SPEC, "$ref": "#/components/schemas/Event"})
    seen = {e["type"] for e in events}
    assert {"job.queued", "job.started", "job.finished", "traktor.ingested", "jobs.paused"} <= seen, seen
    for event in events:
        errors = [e.message for e in validator.iter_errors(event)]
        assert not errors, (event, errors)
