"""`musictool serve` as a real process: start, single instance, config errors, store errors, shutdown, crash."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.daemon import Daemon


def run_cli(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MUSICTOOL_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "musictool", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_serves_health_and_status_and_makes_a_private_token(daemon: Daemon) -> None:
    api = daemon.api()
    assert api.get("/health")["status"] == "ok"
    status = api.get("/status")
    assert status["pid"] == daemon.proc.pid
    assert status["jobs"]["counts"]["queued"] == 0
    mode = stat.S_IMODE((daemon.home / "api-token").stat().st_mode)
    assert mode == 0o600
    assert len(daemon.token) >= 32


def test_status_cli_prints_a_short_summary_and_json_the_full_state(daemon: Daemon) -> None:
    result = run_cli(daemon.home, "status")
    assert result.returncode == 0, result.stderr
    assert "running, version" in result.stdout
    labels = [line.split()[0] for line in result.stdout.splitlines()[1:] if line[:1].strip()]
    assert labels[-2:] == ["Jobs", "Problems"] and "Completion" in labels and "Discogs" in labels
    assert len(result.stdout.splitlines()) < 15  # a summary, not every state key
    full = run_cli(daemon.home, "status", "--json")
    state = json.loads(full.stdout)
    assert state["pid"] == daemon.proc.pid and {"jobs", "traktor", "discogs", "library"} <= set(state)


def test_cli_says_clearly_when_the_daemon_is_not_running(home: Path) -> None:
    (home / "config.toml").write_text("[api]\nport = 1\n")
    result = run_cli(home, "status")
    assert result.returncode == 1
    assert "daemon is not running" in result.stderr


def test_second_instance_names_the_pid_and_exits_1(daemon: Daemon) -> None:
    result = run_cli(daemon.home, "serve")
    assert result.returncode == 1
    assert f"PID {daemon.proc.pid}" in result.stderr


def test_sigterm_shuts_down_cleanly(daemon: Daemon) -> None:
    assert daemon.stop() == 0
    assert not (daemon.home / "daemon.json").exists()
    assert "stopped cleanly" in daemon.output()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("[api]\nprot = 7667\n", "unknown key [api] prot"),
        ('[api]\nport = "seven"\n', "[api] port must be an integer"),
        ('[traktor]\ncollection = "/nowhere/collection.nml"\n', "[traktor] collection: file not found"),
        ("[nonsense]\na = 1\n", "unknown section [nonsense]"),
        ("[api\nport = 1\n", "not valid TOML"),
    ],
)
def test_bad_config_is_refused_with_key_and_file(home: Path, config: str, expected: str) -> None:
    (home / "config.toml").write_text(config)
    result = run_cli(home, "serve")
    assert result.returncode == 2
    assert expected in result.stderr
    assert str(home / "config.toml") in result.stderr


def test_corrupt_database_is_refused_and_not_overwritten(home: Path) -> None:
    garbage = b"this is not sqlite" * 500
    (home / "musictool.db").write_bytes(garbage)
    (home / "config.toml").write_text("[api]\nport = 0\n")
    result = run_cli(home, "serve")
    assert result.returncode == 1
    assert "not a readable MusicTool database" in result.stderr
    assert (home / "musictool.db").read_bytes() == garbage


def test_database_from_a_newer_version_is_refused(home: Path) -> None:
    path = home / "musictool.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute("PRAGMA user_version = 999")
    before = path.read_bytes()
    (home / "config.toml").write_text("[api]\nport = 0\n")
    result = run_cli(home, "serve")
    assert result.returncode == 1
    assert "newer MusicTool" in result.stderr
    assert path.read_bytes() == before


def test_older_database_is_upgraded_in_place(daemon_factory, home: Path) -> None:
    from musictool.store.db import migrations

    path = home / "musictool.db"
    number, name, sql = migrations()[0]
    with sqlite3.connect(path) as conn:
        conn.executescript(sql)
        conn.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)"
        )
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (number, name))
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("INSERT INTO timeline (source, kind, summary) VALUES ('test', 'kept', 'from before')")
    d = daemon_factory(home=home)
    assert d.api().get("/timeline")["items"][0]["summary"] == "from before"
    d.stop()
    with sqlite3.connect(path) as conn:
        applied = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    assert applied == {m[0] for m in migrations()}


def test_sigkill_while_jobs_run_loses_nothing_and_finishes_nothing_twice(
    daemon_factory, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.txt"
    env = {"TICKER_LEDGER": str(ledger), "TICKER_JOBS": "4", "TICKER_STEPS": "8", "TICKER_DELAY": "0.15"}
    config = {"plugins": {"modules": ["tests.support.ticker_plugin"]}, "jobs": {"concurrency": {"test": 2}}}
    d = daemon_factory(config=config, env=env)
    d.wait_for(lambda: ledger.exists() and ledger.read_text().count("step") >= 3, what="jobs to be under way")
    d.kill()
    lines_before = ledger.read_text().splitlines()
    assert not any(line.startswith("done") for line in lines_before) or len(lines_before) < 36

    d.start()  # same home: the interrupted jobs are requeued, the ticker jobs are not enqueued again
    api = d.api()
    d.wait_for(
        lambda: api.get("/jobs", status="succeeded", kind="test.ticker")["total"] == 4,
        timeout=60,
        what="all jobs to finish",
    )
    ids = sorted(j["id"] for j in api.get("/jobs", kind="test.ticker")["items"])
    assert len(ids) == 4  # nothing enqueued twice
    lines = ledger.read_text().splitlines()
    done = [line for line in lines if line.startswith("done")]
    assert sorted(done) == sorted(f"done {i}" for i in ids)  # each finished exactly once
    for job_id in ids:
        steps = [line for line in lines if line.startswith(f"step {job_id} ")]
        assert {int(s.split()[2]) for s in steps} == set(range(8))  # every step ran
        assert len(steps) <= 9  # resumed from the checkpoint: at most the interrupted step again
    d.stop()
    d.start()
    assert d.api().get("/jobs", status="succeeded", kind="test.ticker")["total"] == 4
    assert ledger.read_text().count("done") == 4


def test_retries_show_in_the_job_and_succeed(daemon_factory) -> None:
    config = {"plugins": {"modules": ["tests.support.ticker_plugin"]}}
    d = daemon_factory(config=config, env={"FLAKY_JOB": "1"})
    job_id = d.api().get("/jobs", kind="test.flaky")["items"][0]["id"]
    job = d.wait_job(job_id)
    assert job["status"] == "succeeded"
    assert job["attempts"] == 3


def test_missing_plugin_is_a_clear_error(home: Path) -> None:
    (home / "config.toml").write_text('[api]\nport = 0\n[plugins]\nmodules = ["no_such_plugin_module"]\n')
    result = run_cli(home, "serve")
    assert result.returncode == 1
    assert "cannot import 'no_such_plugin_module'" in result.stderr


def test_runtime_file_names_pid_and_port(daemon: Daemon) -> None:
    info = json.loads((daemon.home / "daemon.json").read_text())
    assert info["pid"] == daemon.proc.pid and info["port"] == daemon.port
