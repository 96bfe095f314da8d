"""Traktor LOCATION (VOLUME + DIR + FILE) <-> absolute file path, per platform.

DIR is the folder with every component prefixed by "/:" and a trailing "/:" ("/:Users/:me/:Music/:"; the
root is "/:"). Windows volumes are drive letters ("C:") -> "C:\\Users\\me\\Music\\a.mp3"; macOS volumes are
volume names: the boot volume maps to "/", any other to "/Volumes/<name>/" (research/nml-format.md §3).
The PRIMARYKEY KEY of a playlist entry is the plain concatenation VOLUME + DIR + FILE.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

SEP = "/:"
_DRIVE = re.compile(r"^[A-Za-z]:$")
DEFAULT_BOOT_VOLUME = "Macintosh HD"


class PathCodecError(ValueError):
    """A DIR that is not in Traktor's "/:a/:b/:" form, or a path that cannot be expressed as a LOCATION."""


@dataclass(frozen=True, slots=True)
class Location:
    volume: str
    dir: str
    file: str

    @property
    def key(self) -> str:
        """The PRIMARYKEY KEY Traktor uses for this file in playlists."""
        return location_key(self.volume, self.dir, self.file)


def location_key(volume: str | None, dir: str | None, file: str | None) -> str:
    return f"{volume or ''}{dir or ''}{file or ''}"


def is_windows_volume(volume: str | None) -> bool:
    return bool(volume) and _DRIVE.match(volume) is not None  # type: ignore[arg-type]


def dir_components(dir: str) -> list[str]:
    """Split a Traktor DIR into its folder names ("/:a/:b/:" -> ["a", "b"])."""
    if not dir:
        return []
    if not dir.startswith(SEP) or not dir.endswith(SEP):
        raise PathCodecError(f"DIR {dir!r} does not start and end with '/:'")
    inner = dir[len(SEP) : -len(SEP)] if len(dir) > len(SEP) else ""
    return inner.split(SEP) if inner else []


def make_dir(components: list[str]) -> str:
    """Join folder names into a Traktor DIR (["a", "b"] -> "/:a/:b/:")."""
    for c in components:
        if not c or SEP in c:
            raise PathCodecError(f"folder name {c!r} cannot be written as a DIR component")
    return SEP + "".join(c + SEP for c in components)


def to_path(
    volume: str | None, dir: str | None, file: str | None, *, boot_volume: str | None = DEFAULT_BOOT_VOLUME
) -> str | None:
    """The absolute path of a LOCATION, in the style of the platform that wrote it (drive letter -> Windows)."""
    if not file:
        return None
    comps = dir_components(dir or "")
    vol = volume or ""
    if is_windows_volume(vol):
        return vol.upper()[0] + ":\\" + "".join(c + "\\" for c in comps) + file
    base = "/" if not vol or vol == boot_volume else f"/Volumes/{vol}/"
    return base + "".join(c + "/" for c in comps) + file


def from_path(path: str, *, boot_volume: str = DEFAULT_BOOT_VOLUME) -> Location:
    """The LOCATION Traktor would write for an absolute path (Windows "C:\\..." or POSIX "/...")."""
    if len(path) >= 3 and path[1] == ":" and path[2] in "\\/" and path[0].isalpha():
        p = PureWindowsPath(path)
        parts = list(p.parts[1:])
        if not parts:
            raise PathCodecError(f"{path!r} names a drive, not a file")
        return Location(path[0].upper() + ":", make_dir(parts[:-1]), parts[-1])
    if not path.startswith("/"):
        raise PathCodecError(f"{path!r} is not absolute")
    parts = list(PurePosixPath(path).parts[1:])
    if not parts:
        raise PathCodecError(f"{path!r} names a folder, not a file")
    if parts[0] == "Volumes" and len(parts) >= 3:
        return Location(parts[1], make_dir(parts[2:-1]), parts[-1])
    return Location(boot_volume, make_dir(parts[:-1]), parts[-1])


def detect_boot_volume() -> str:
    """The macOS boot volume's name: the /Volumes entry that links to "/" (default "Macintosh HD")."""
    try:
        for name in os.listdir("/Volumes"):
            full = os.path.join("/Volumes", name)
            if os.path.islink(full) and os.path.realpath(full) == "/":
                return name
    except OSError:
        pass
    return DEFAULT_BOOT_VOLUME
