"""Where MusicTool keeps its files: $MUSICTOOL_HOME or the platform's user data folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None) -> Home:
        chosen = explicit or os.environ.get("MUSICTOOL_HOME")
        root = Path(chosen).expanduser() if chosen else Path(platformdirs.user_data_dir("musictool"))
        return cls(root.resolve())

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def database(self) -> Path:
        return self.root / "musictool.db"

    @property
    def token(self) -> Path:
        return self.root / "api-token"

    @property
    def lock(self) -> Path:
        return self.root / "musictool.lock"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def runtime(self) -> Path:
        """Written by a running daemon: its pid and the port it listens on."""
        return self.root / "daemon.json"

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
