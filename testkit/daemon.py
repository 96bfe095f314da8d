"""Runs `musictool serve` as a real process on a free port with its own home folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from musictool.cli.client import ApiClient, DaemonNotRunning
from testkit import toml
from testkit.fixtures_path import REPO


class Daemon:
    def __init__(
        self, home: Path, config: dict[str, dict[str, Any]] | None = None, env: dict[str, str] | None = None
    ):
        self.home = home
        self.home.mkdir(parents=True, exist_ok=True)
        cfg = {"api": {"port": 0}, "notify": {"desktop": False}, "log": {"level": "DEBUG"}}
        for section, values in (config or {}).items():
            cfg.setdefault(section, {}).update(values)
        (home / "config.toml").write_text(toml.dumps(cfg), encoding="utf-8")
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def log_path(self) -> Path:
        return self.home / "daemon-output.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["MUSICTOOL_HOME"] = str(self.home)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60.0, expect_ready: bool = True) -> Daemon:
        runtime = self.home / "daemon.json"
        runtime.unlink(missing_ok=True)
        out = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "musictool", "serve"], env=self.env(), stdout=out, stderr=subprocess.STDOUT
        )
        out.close()
        if not expect_ready:
            return self
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}:\n{self.output()}")
            try:
                info = json.loads(runtime.read_text())
                if info["pid"] == self.proc.pid:
                    self.port = info["port"]
                    self.api().get("/health")
                    return self
            except (OSError, ValueError, KeyError, DaemonNotRunning):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"daemon did not become ready:\n{self.output()}")

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-8000:]
        except OSError:
            return ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def token(self) -> str:
        return (self.home / "api-token").read_text().strip()

    def api(self) -> ApiClient:
        return ApiClient(self.base_url, self.token if (self.home / "api-token").exists() else None)

    def wait(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait: the clean shutdown path."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def kill(self) -> None:
        """SIGKILL: the crash path."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def wait_for(
        self, predicate, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"
    ) -> Any:  # noqa: ANN001
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise TimeoutError(f"timed out waiting for {what}; last value {last!r}\n{self.output()}")

    def wait_job(self, job_id: int, timeout: float = 60.0) -> dict[str, Any]:
        return self.wait_for(
            lambda: (
                (j := self.api().get(f"/jobs/{job_id}"))["status"] in ("succeeded", "failed", "cancelled")
                and j
            ),
            timeout,
            what=f"job {job_id}",
        )
