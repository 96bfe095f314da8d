"""api-spec/openapi.yaml is the contract: every route is in it, it names no route that does not exist,
and a live daemon's answers (to schemathesis' generated requests too) conform to it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from musictool.api.app import create_app, registered_routes
from musictool.config import load_config
from testkit.daemon import Daemon
from testkit.fixtures_path import REPO

SPEC_PATH = REPO / "api-spec" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


def spec_routes() -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, item in spec()["paths"].items() for m in item if m in METHODS}


def app_routes(tmp_path: Path) -> set[tuple[str, str]]:
    config = load_config(tmp_path / "absent.toml")
    return registered_routes(create_app(SimpleNamespace(config=config)))


def test_every_registered_route_is_in_the_spec(tmp_path: Path) -> None:
    missing = app_routes(tmp_path) - spec_routes()
    assert not missing, f"routes missing from api-spec/openapi.yaml: {sorted(missing)}"


def test_the_spec_names_no_route_that_does_not_exist(tmp_path: Path) -> None:
    extra = spec_routes() - app_routes(tmp_path)
    assert not extra, f"api-spec/openapi.yaml describes routes the daemon lacks: {sorted(extra)}"


def test_every_operation_declares_security_and_problem_errors() -> None:
    doc = spec()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            assert op.get("responses"), f"{method.upper()} {path} has no responses"
            codes = {str(c) for c in op["responses"]}
            if path != "/health":
                assert "401" in codes, f"{method.upper()} {path} does not document 401"
                if path != "/pair":  # paid for with a one-time code instead of the token (api/security.py)
                    assert op.get("security", doc["security"]), f"{method.upper()} {path} is not secured"
            if method in ("post", "put", "patch"):  # what the guard answers before any handler runs
                missing = {"400", "413", "415"} - codes
                assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"


def test_the_spec_is_valid_openapi() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_path(SPEC_PATH)
    assert len(list(schema.get_all_operations())) == len(spec_routes())


LARGEST_NML = "shishoi__MusicAnalyzer/collection.nml"  # 4,699 entries: the largest real collection we hold


@pytest.mark.slow
def test_schemathesis_finds_no_failure_of_any_kind(daemon_factory, fixtures: Path, tmp_path: Path) -> None:
    """Every schemathesis check (server errors, status codes, headers, schemas, negative data rejected,
    positive data accepted, 405 for undeclared methods...) against a live daemon holding the largest real
    collection. /events is an endless stream; its events are checked by hardening/test_event_spec.py."""
    nml = tmp_path / "collection.nml"
    shutil.copy(fixtures / "nml" / LARGEST_NML, nml)
    d: Daemon = daemon_factory(
        config={"jobs": {"concurrency": {"cpu": 1}}, "traktor": {"collection": str(nml)}}
    )
    d.wait_for(lambda: d.api().get("/tracks")["total"] == 4699, timeout=120, what="the collection's ingest")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            str(SPEC_PATH),
            "--url",
            d.base_url,
            "--header",
            f"Authorization: Bearer {d.token}",
            "--header",
            f"Host: 127.0.0.1:{d.port}",
            "--checks",
            "all",
            "--exclude-path",
            "/events",
            "--max-examples",
            os.environ.get("SCHEMATHESIS_EXAMPLES", "5"),
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--seed",
            "1",
            "--no-shrink",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:] + d.output()[-3000:]
