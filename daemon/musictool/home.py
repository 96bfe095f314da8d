"""Where MusicTool keeps its files: $MUSICTOOL_HOME or the platform's user data folder.

Everything in it is private to the user: the database and backups are full copies of the collection, the
token file drives the API and config.toml holds service tokens. The folder is 0700, files are 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
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
        """Make the folder, or tighten one an older version (or the user) left readable by others."""
        self.root.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        self.logs.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        tighten(self.root, keep={self.config})


PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def tighten(root: Path, keep: set[Path] = frozenset()) -> None:  # type: ignore[assignment]
    """chmod `root` and the folders under it 0700 and files 0600; symlinks and `keep` are left alone
    (config.toml is the user's own file: it gets a warning, see config.permission_warning)."""
    os.chmod(root, PRIVATE_DIR)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            if p in keep:
                continue
            with contextlib.suppress(OSError):  # a file removed meanwhile
                st = p.lstat()
                want = PRIVATE_DIR if stat.S_ISDIR(st.st_mode) else PRIVATE_FILE
                if stat.S_ISLNK(st.st_mode) or stat.S_IMODE(st.st_mode) == want:
                    continue
                os.chmod(p, want)


def write_private(path: Path, data: bytes) -> None:
    """Atomically replace `path` with `data`, readable only by the user. The temp file is new (O_EXCL, so no
    leftover or planted file or symlink is reused) and fchmod-ed 0600 whatever the umask."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), PRIVATE_FILE)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
