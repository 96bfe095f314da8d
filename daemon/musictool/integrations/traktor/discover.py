"""Find collection.nml without configuration.

macOS and Windows keep it in Documents/Native Instruments/Traktor <version>/; each Traktor update makes a new
version folder, so the highest version that holds a collection.nml wins (as Mixxx does; a bare "Traktor"
folder counts as version 1). `[traktor] collection` in config overrides; Linux has no Traktor, so there it
must be configured. Every step is recorded so `musictool traktor discover` can say why it chose a file.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_VERSION = re.compile(r"^Traktor(?:\s+(?:Pro\s+)?(\d+(?:\.\d+)*))?$", re.I)


@dataclass(slots=True)
class Discovery:
    collection: str | None
    root: str | None  # the Traktor folder (History/, Backup/ live here)
    source: str  # "config", "auto", "none"
    reasons: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)


def version_of(folder_name: str) -> tuple[int, ...] | None:
    m = _VERSION.match(folder_name.strip())
    if not m:
        return None
    if not m.group(1):
        return (1,)
    return tuple(int(x) for x in m.group(1).split("."))


def documents_dirs(home: Path, platform: str, env: dict[str, str] | None = None) -> list[Path]:
    env = dict(os.environ) if env is None else env
    out = [home / "Documents"]
    if platform.startswith("win"):
        for var in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
            if env.get(var):
                out.append(Path(env[var]) / "Documents")
        if env.get("USERPROFILE"):
            out.append(Path(env["USERPROFILE"]) / "Documents")
    seen: list[Path] = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen


def discover(
    configured: str | None = None,
    *,
    home: Path | None = None,
    platform: str | None = None,
    env: dict[str, str] | None = None,
) -> Discovery:
    platform = platform or sys.platform
    home = home or Path.home()
    if configured:
        p = Path(os.path.expanduser(configured))
        if p.is_dir():
            p = p / "collection.nml"
        reasons = [f"[traktor] collection is set in config.toml: {p}"]
        if not p.is_file():
            reasons.append("that file does not exist (yet): it will be read as soon as it appears")
        return Discovery(str(p), str(p.parent), "config", reasons, [str(p)])
    reasons: list[str] = []
    candidates: list[tuple[tuple[int, ...], Path]] = []
    if platform.startswith("linux"):
        reasons.append(
            "Traktor does not run on Linux: looking anyway, but set [traktor] collection in config.toml"
        )
    for docs in documents_dirs(home, platform, env):
        ni = docs / "Native Instruments"
        if not ni.is_dir():
            reasons.append(f"{ni}: not found")
            continue
        for child in sorted(ni.iterdir()):
            v = version_of(child.name)
            if v is None or not child.is_dir():
                continue
            coll = child / "collection.nml"
            if coll.is_file():
                candidates.append((v, coll))
                reasons.append(f"{coll}: found (version {'.'.join(map(str, v))})")
            else:
                reasons.append(f"{child}: no collection.nml in it")
    legacy = home / "collection.nml"
    if not candidates and legacy.is_file():
        candidates.append(((0,), legacy))
        reasons.append(f"{legacy}: found (no Traktor folder; using the file in the home folder)")
    if not candidates:
        reasons.append("no collection.nml found: set [traktor] collection in config.toml")
        return Discovery(None, None, "none", reasons, [])
    candidates.sort(key=lambda vc: vc[0], reverse=True)
    best = candidates[0][1]
    if len(candidates) > 1:
        reasons.append(f"chose {best.parent.name}: the highest Traktor version")
    return Discovery(str(best), str(best.parent), "auto", reasons, [str(c) for _, c in candidates])
